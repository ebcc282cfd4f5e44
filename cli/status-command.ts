import type { CommandSpec } from './command-spec.js';
import { oneSecretId, secretIdOption } from './command-values.js';
import { EXIT } from './exit-codes.js';
import type { StatusCommand } from './status.js';

export const statusCommand: CommandSpec = {
  name: 'status',
  summary:
    'Show the labels, a stuck rotation, the schedule and the last failed step; exit 1 when something needs attention.',
  usage: ['--secret-id <name|arn> [--check]'],
  description: `Shows the versions holding AWSCURRENT, AWSPENDING and AWSPREVIOUS, whether a rotation is
stuck and since when, the last and next rotation, the schedule, and the journal (the rotation's
step, state and last error). Exits 1 when something needs attention: a stuck rotation (then
ringg-rotate resume finishes it), or a key check that could not be done; 4 when Ringg rejects the key.`,
  options: [
    secretIdOption("The secret's name or ARN."),
    {
      name: 'check',
      type: 'boolean',
      help: 'Also check the current key with Ringg (needs GetSecretValue); exit 4 if Ringg rejects it.',
    },
  ],
  aws: true,
  exitCodes: [EXIT.ok, EXIT.failed, EXIT.keyRejected, EXIT.usage, EXIT.configuration, EXIT.interrupted],
  parse(values, common) {
    const input: StatusCommand = {
      secretId: oneSecretId('status', values),
      check: values.check === true,
      json: common.json,
    };
    return {
      name: 'status',
      json: common.json,
      secretId: input.secretId,
      input: { ...input },
      run: async (ctx) => (await import('./status.js')).status(ctx, input),
    };
  },
};
