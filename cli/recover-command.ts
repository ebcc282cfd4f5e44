import { type CommandSpec, UsageError } from './command-spec.js';
import { oneSecretId, secretIdOption } from './command-values.js';
import { EXIT } from './exit-codes.js';
import type { RecoverCommand } from './recover.js';

export const recoverCommand: CommandSpec = {
  name: 'recover',
  summary: 'For a lost key: store a key regenerated in the Ringg dashboard (read from standard input).',
  usage: ['--secret-id <name|arn> [--workspace-id <id>] [--dry-run]'],
  description: `For a lost key: regenerate it in the Ringg dashboard, then pipe or paste it here (it is read
from standard input, without echo on a terminal; never from an argument). The key is checked with
Ringg and must belong to the secret's workspace (its tag, else the journal, else --workspace-id);
it is then stored as AWSCURRENT in the secret's format, which also ends a stuck rotation.`,
  options: [
    secretIdOption("The secret's name or ARN."),
    {
      name: 'workspace-id',
      type: 'string',
      arg: '<id>',
      help: 'The Ringg workspace the key must belong to; required when the secret has no ringg-rotation:workspace-id tag and no journal yet, and must match them if it has.',
    },
    { name: 'dry-run', type: 'boolean', help: 'Check the key and show what would change, without writing.' },
  ],
  aws: true,
  exitCodes: [
    EXIT.ok,
    EXIT.failed,
    EXIT.refused,
    EXIT.keyRejected,
    EXIT.usage,
    EXIT.configuration,
    EXIT.interrupted,
  ],
  parse(values, common) {
    const workspaceId =
      typeof values['workspace-id'] === 'string' ? values['workspace-id'].trim() : undefined;
    if (workspaceId === '') throw new UsageError('--workspace-id needs the workspace id.');
    const input: RecoverCommand = {
      secretId: oneSecretId('recover', values),
      dryRun: values['dry-run'] === true,
      json: common.json,
      workspaceId,
    };
    return {
      name: 'recover',
      json: common.json,
      secretId: input.secretId,
      input: { ...input },
      run: async (ctx) => (await import('./recover.js')).recover(ctx, input),
    };
  },
};
