import { STEPS, type Step } from '../common/steps.js';
import type { CliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { adviceFor, hasAdvice } from './failure-advice.js';
import type { FunctionRef } from './function-ref.js';
import { throwIfInterrupted } from './interrupt.js';
import { invokeRotationStep } from './invoke-step.js';
import { Reporter } from './reporter.js';
import { functionErrorCode, resumePlan } from './resume-plan.js';
import { readSecretState } from './secret-state.js';

export interface ResumeCommand {
  readonly secretId: string;
  /** When given, the secret's rotation function must be this one. */
  readonly functionRef: FunctionRef | undefined;
  readonly json: boolean;
}

interface StepReport {
  readonly step: Step;
  readonly result: 'succeeded' | 'failed';
  readonly elapsedSeconds: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Finishes an open rotation now: the rotation function with each step's event for its token, in
 * order, as Secrets Manager sends them when it reattempts. Every step is idempotent for a token, so
 * the function, not the CLI, decides what is left to do (the failure tag is for display only and decides
 * nothing); the CLI never calls Ringg itself. Stops at the first failing step.
 */
export async function resume(ctx: CliContext, cmd: ResumeCommand): Promise<ExitCode> {
  const out = new Reporter(ctx.io, cmd.json);
  const state = await readSecretState(ctx, cmd.secretId);
  const plan = resumePlan(state, cmd.functionRef);
  const base = { command: 'resume', secretId: cmd.secretId, name: state.name };
  if (plan.kind === 'refuse') {
    out.problem(`Refused: ${plan.message} Nothing was invoked.`);
    out.result({ ...base, result: 'refused', error: { code: plan.code, message: plan.message } });
    return EXIT.refused;
  }

  const { functionArn, token } = plan;
  out.note(`Resuming the rotation of ${state.name}, version ${token}, with ${functionArn}:`);
  const steps: StepReport[] = [];
  const report = { ...base, token, function: functionArn, steps };
  for (const step of STEPS) {
    throwIfInterrupted(ctx.io);
    const started = ctx.io.now();
    const took = () => Math.round((ctx.io.now() - started) / 100) / 10;
    ctx.running.started({
      secretId: cmd.secretId,
      name: state.name,
      version: token,
      what: `step ${step} invoked by resume, running in Lambda`,
    });
    out.progress(`  ${step} ...`);
    const answer = await invokeRotationStep(ctx, functionArn, {
      Step: step,
      SecretId: state.arn,
      ClientRequestToken: token,
    });
    ctx.running.ended(cmd.secretId);
    if (answer.kind === 'succeeded') {
      steps.push({ step, result: 'succeeded', elapsedSeconds: took() });
      out.note(`  ${step} done (${took().toFixed(1)} s)`);
      continue;
    }
    const error =
      answer.kind === 'function-error'
        ? { code: functionErrorCode(answer.errorType, hasAdvice), message: answer.errorMessage }
        : { code: answer.code, message: answer.message };
    steps.push({ step, result: 'failed', elapsedSeconds: took(), error });
    const remaining = STEPS.slice(STEPS.indexOf(step) + 1);
    const notInvoked = remaining.length > 0 ? ` ${remaining.join(', ')} not invoked.` : '';
    if (answer.kind === 'invoke-error') {
      const denied = answer.code === 'AccessDeniedException';
      out.problem(
        `resume STOPPED: Lambda did not run ${step}: ${error.code}: ${error.message}.${notInvoked}`,
      );
      out.problem(
        denied
          ? `Hint: resume needs lambda:InvokeFunction on ${functionArn} (the stack's CI role has it).`
          : `Hint: run resume again; ringg-rotate status --secret-id ${cmd.secretId} shows where the rotation is.`,
      );
      out.result({ ...report, result: 'invoke-failed', error });
      return denied ? EXIT.configuration : EXIT.failed;
    }
    const advice = adviceFor(error.code);
    out.problem(`resume STOPPED at ${step}: ${error.code}: ${error.message}${notInvoked}`);
    out.problem(`What to do: ${advice.replace(/<secret>/g, cmd.secretId)}`);
    out.result({ ...report, result: 'failed', error, advice });
    return EXIT.failed;
  }

  const after = await readSecretState(ctx, cmd.secretId);
  if (after.labels.current !== token) {
    const message = `every step succeeded, but AWSCURRENT is on ${after.labels.current ?? 'no version'}, not ${token}`;
    out.problem(
      `resume: ${message}; ringg-rotate status --secret-id ${cmd.secretId} shows its last failure.`,
    );
    out.result({ ...report, result: 'failed', error: { code: 'not-current', message } });
    return EXIT.failed;
  }
  out.line(`Resumed ${state.name}: version ${token} is AWSCURRENT; ${STEPS.join(', ')} done.`);
  out.note(
    `The new key was proved with Ringg by testSecret; check it again with: ringg-rotate status --secret-id ${cmd.secretId} --check`,
  );
  out.result({ ...report, result: 'resumed' });
  return EXIT.ok;
}
