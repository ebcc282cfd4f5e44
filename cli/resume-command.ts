import { type CommandSpec, UsageError } from './command-spec.js';
import { functionOption, oneSecretId, secretIdOption } from './command-values.js';
import { EXIT } from './exit-codes.js';
import { parseFunctionRef } from './function-ref.js';
import type { ResumeCommand } from './resume.js';

export const resumeCommand: CommandSpec = {
  name: 'resume',
  summary:
    'Finish a stuck rotation now: run its steps with the rotation function, stopping at the first failure.',
  usage: ['--secret-id <name|arn> [--function <name|arn>]'],
  description: `Finishes a stuck rotation (AWSPENDING on a version that is not AWSCURRENT) now, instead of
waiting for Secrets Manager to reattempt it: invokes the secret's rotation function with the
rotation's token, step by step (createSecret, setSecret, testSecret, finishSecret), with the event
Secrets Manager sends. Each step is idempotent for a token and the function decides what is left
to do: the CLI never regenerates a key itself. It stops at the first failing step and shows its
error and what to do. Refused when no rotation is open. Needs lambda:InvokeFunction on the function
(the stack's CI role has it) besides DescribeSecret.`,
  options: [
    secretIdOption("The secret's name or ARN."),
    functionOption(
      ": refused when the secret is rotated by another. The function invoked is the secret's own (RotationLambdaARN).",
    ),
  ],
  aws: true,
  exitCodes: [EXIT.ok, EXIT.failed, EXIT.refused, EXIT.usage, EXIT.configuration, EXIT.interrupted],
  parse(values, common) {
    let functionRef: ResumeCommand['functionRef'];
    if (typeof values.function === 'string') {
      const parsed = parseFunctionRef(values.function);
      if (!parsed.ok) throw new UsageError(parsed.problem);
      functionRef = parsed.ref;
    }
    const input: ResumeCommand = { secretId: oneSecretId('resume', values), functionRef, json: common.json };
    return {
      name: 'resume',
      json: common.json,
      secretId: input.secretId,
      input: { ...input },
      run: async (ctx) => (await import('./resume.js')).resume(ctx, input),
    };
  },
};
