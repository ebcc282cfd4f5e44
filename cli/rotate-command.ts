import type { BulkRotateCommand } from './bulk-rotate.js';
import type { CommandSpec, CommonOptions, OptionValues, PreparedCommand } from './command-spec.js';
import { UsageError } from './command-spec.js';
import { ALL_OPTION, functionOption, secretIdOption, secretIds, timeoutSeconds } from './command-values.js';
import { EXIT } from './exit-codes.js';
import { type FunctionRef, parseFunctionRef } from './function-ref.js';
import { DEFAULT_PARALLEL, MAX_PARALLEL } from './parallel.js';
import type { RotateCommand } from './rotate.js';

const BULK_OPTIONS = ['all', 'function', 'parallel', 'dry-run', 'markdown-summary'];

export const rotateCommand: CommandSpec = {
  name: 'rotate',
  summary:
    'Start a rotation and wait until it is complete; with several --secret-id or --all, rotate many secrets, --parallel at a time, with a summary table.',
  usage: [
    '--secret-id <name|arn> [--no-wait] [--timeout <seconds>]',
    '(--secret-id <id> --secret-id <id> ... | --all --function <name|arn>)',
    '    [--parallel <n>] [--dry-run] [--timeout <seconds>] [--markdown-summary <file>]',
  ],
  description: `Starts a rotation (RotateSecret) and waits until it is complete (the new version AWSCURRENT
and finishSecret done), showing the step reached. On success, checks the new key with Ringg
(GET /workspace) when allowed to read the secret, and prints its fingerprint, never the key.

With several --secret-id, or --all, rotates many secrets, --parallel at a time: each is checked
first (refused if its rotation is unfinished, turned off, or run by another function), one
secret's trouble never stops the others, and a summary table ends it. Ctrl-C stops starting new
rotations and lists the ones still running in AWS, which go on (exit 130).`,
  options: [
    secretIdOption("The secret's name or ARN; give it more than once to rotate several."),
    ALL_OPTION,
    functionOption('. Needed by --all; with --secret-id, refuses secrets it does not rotate.'),
    {
      name: 'parallel',
      type: 'string',
      arg: '<n>',
      help: `Several secrets: rotations at once, 1 to ${MAX_PARALLEL} (default ${DEFAULT_PARALLEL}).`,
    },
    {
      name: 'markdown-summary',
      type: 'string',
      arg: '<file>',
      help: 'Several secrets: append the summary table as Markdown to <file> (e.g. "$GITHUB_STEP_SUMMARY").',
    },
    {
      name: 'no-wait',
      type: 'boolean',
      help: 'One secret: return once Secrets Manager accepted the rotation.',
    },
    {
      name: 'timeout',
      type: 'string',
      arg: '<seconds>',
      help: 'How long to wait for each rotation (default 300).',
    },
    {
      name: 'dry-run',
      type: 'boolean',
      help: 'List what would rotate and what would be refused; changes nothing.',
    },
  ],
  aws: true,
  exitCodes: [
    EXIT.ok,
    EXIT.failed,
    EXIT.timedOut,
    EXIT.refused,
    EXIT.keyRejected,
    EXIT.usage,
    EXIT.configuration,
    EXIT.interrupted,
  ],
  parse(values, common) {
    const ids = secretIds(values);
    if (ids.length > 1 || BULK_OPTIONS.some((flag) => values[flag] !== undefined && values[flag] !== false)) {
      return prepareBulk(parseBulkRotate(values, ids, common));
    }
    const secretId = ids[0] ?? '';
    if (secretId === '') throw new UsageError('rotate needs --secret-id <name or ARN>.');
    const input: RotateCommand = {
      secretId,
      wait: values['no-wait'] !== true,
      timeoutSeconds: timeoutSeconds(values),
      json: common.json,
    };
    return {
      name: 'rotate',
      json: common.json,
      secretId,
      input: { ...input },
      run: async (ctx) => (await import('./rotate.js')).rotate(ctx, input),
    };
  },
};

function prepareBulk(input: BulkRotateCommand): PreparedCommand {
  return {
    name: 'rotate',
    json: input.json,
    secretId: undefined,
    input: { ...input },
    run: async (ctx) => (await import('./bulk-rotate.js')).bulkRotate(ctx, input),
  };
}

function parseBulkRotate(values: OptionValues, ids: string[], common: CommonOptions): BulkRotateCommand {
  const all = values.all === true;
  if (all && ids.length > 0) throw new UsageError('Give either --all or --secret-id, not both.');
  if (ids.some((id) => id === '')) throw new UsageError('--secret-id needs a name or ARN.');
  if (!all && ids.length === 0) {
    throw new UsageError(
      'rotate needs --secret-id <name or ARN> (repeatable) or --all --function <name|arn>.',
    );
  }
  if (values['no-wait'] === true) {
    throw new UsageError(
      '--no-wait rotates one secret only: a bulk rotation waits for each secret so that --parallel paces Ringg.',
    );
  }
  let functionRef: FunctionRef | undefined;
  if (typeof values.function === 'string') {
    const parsed = parseFunctionRef(values.function);
    if (!parsed.ok) throw new UsageError(parsed.problem);
    functionRef = parsed.ref;
  } else if (all) {
    throw new UsageError(
      '--all needs --function <name or ARN>: the rotation function whose secrets to rotate (the stack output FunctionName).',
    );
  }
  const parallel = values.parallel === undefined ? DEFAULT_PARALLEL : Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) {
    throw new UsageError(
      `--parallel "${String(values.parallel)}" must be a whole number from 1 to ${MAX_PARALLEL} (default ${DEFAULT_PARALLEL}).`,
    );
  }
  const markdown = values['markdown-summary'];
  if (typeof markdown === 'string' && markdown.trim() === '') {
    throw new UsageError('--markdown-summary needs a file name, e.g. "$GITHUB_STEP_SUMMARY".');
  }
  return {
    targets: all ? { kind: 'all' } : { kind: 'ids', secretIds: ids },
    functionRef,
    parallel,
    dryRun: values['dry-run'] === true,
    timeoutSeconds: timeoutSeconds(values),
    json: common.json,
    markdownSummary: typeof markdown === 'string' ? markdown : undefined,
  };
}
