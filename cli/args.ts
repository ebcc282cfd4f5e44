import { parseArgs } from 'node:util';
import type { BulkRotateCommand } from './bulk-rotate.js';
import { DOCTOR_HELP, type DoctorCommand, DoctorUsageError, parseDoctorArgs } from './doctor-args.js';
import { type FunctionRef, parseFunctionRef } from './function-ref.js';
import { DEFAULT_PARALLEL, MAX_PARALLEL } from './parallel.js';

export type Command =
  | {
      readonly name: 'rotate';
      readonly secretId: string;
      readonly wait: boolean;
      readonly timeoutSeconds: number;
      readonly json: boolean;
    }
  /** Several secrets, --all, or a bulk option: see cli/bulk-rotate.ts. */
  | ({ readonly name: 'bulk-rotate' } & BulkRotateCommand)
  | { readonly name: 'status'; readonly secretId: string; readonly check: boolean; readonly json: boolean }
  | {
      readonly name: 'recover';
      readonly secretId: string;
      readonly dryRun: boolean;
      readonly json: boolean;
      /** The Ringg workspace the key must belong to, for a secret that has none recorded yet. */
      readonly workspaceId: string | undefined;
    }
  /** Read-only: will the next rotation of these secrets work? See cli/doctor.ts. */
  | ({ readonly name: 'doctor' } & DoctorCommand)
  /** `text`: a command's own help (e.g. doctor --help); the global help when absent. */
  | { readonly name: 'help'; readonly text?: string }
  | { readonly name: 'version' };

export class UsageError extends Error {}

export const HELP = `ringg-rotate: rotate a Ringg workspace API key kept in AWS Secrets Manager, and see or fix its state.

Usage:
  ringg-rotate rotate  --secret-id <name|arn> [--no-wait] [--timeout <seconds>] [--json]
  ringg-rotate rotate  (--secret-id <id> --secret-id <id> ... | --all --function <name|arn>)
                       [--parallel <n>] [--dry-run] [--timeout <seconds>] [--json] [--markdown-summary <file>]
  ringg-rotate status  --secret-id <name|arn> [--check] [--json]
  ringg-rotate recover --secret-id <name|arn> [--workspace-id <id>] [--dry-run] [--json]
  ringg-rotate doctor  (--secret-id <id> ... | --all --function <name|arn>) [--output text|json]
                       [--markdown-summary <file>]

Commands:
  rotate    Start a rotation (RotateSecret) and wait until it is complete (the new version AWSCURRENT
            and finishSecret done), showing the step reached. On success, checks the new key with Ringg (GET /workspace) when allowed to
            read the secret, and prints its fingerprint, never the key.
            With several --secret-id, or --all, rotates many secrets, --parallel at a time: each is
            checked first (refused if its rotation is unfinished, turned off, or run by another
            function), one secret's trouble never stops the others, and a summary table ends it.
  status    Show the versions holding AWSCURRENT, AWSPENDING and AWSPREVIOUS, whether a rotation is
            stuck and since when, the last and next rotation, the schedule, and the journal.
  recover   For a lost key: regenerate it in the Ringg dashboard, then pipe or paste it here (it is
            read from standard input, without echo on a terminal). The key is checked with Ringg and
            must belong to the secret's workspace (its tag, else the journal, else --workspace-id);
            it is then stored as AWSCURRENT in the secret's format, which also ends a stuck rotation.
  doctor    Read-only: will the next rotation of these secrets work? Checks each secret as its function
            would before regenerating (rotation on, no open rotation, the key with Ringg, its workspace
            against the tag and the other secrets holding it, format, size) and says what to do; exit 0
            when every secret is ready, 1 when any needs action. ringg-rotate doctor --help lists the findings.

Options:
  --secret-id <id>     The secret's name or ARN (required unless rotate --all). rotate takes it more than once.
  --all                rotate: every secret whose rotation function is --function (ListSecrets).
  --function <name|arn>
                       rotate: this project's rotation function (stack output FunctionName or
                       FunctionArn). Needed by --all; with --secret-id, refuses secrets it does not rotate.
  --parallel <n>       rotate, several secrets: rotations at once, 1 to ${MAX_PARALLEL} (default ${DEFAULT_PARALLEL}).
  --markdown-summary <file>
                       rotate, several secrets: append the summary table as Markdown to <file>
                       (e.g. "$GITHUB_STEP_SUMMARY").
  --no-wait            rotate: return once Secrets Manager accepted the rotation.
  --timeout <seconds>  rotate: how long to wait (default 300).
  --check              status: also check the current key with Ringg; exit 4 if Ringg rejects it.
  --dry-run            recover: check the key and show what would change, without writing.
                       rotate: list what would rotate and what would be refused; changes nothing.
  --workspace-id <id>  recover: the Ringg workspace the key must belong to; required when the secret has
                       no ringg-rotation:workspace-id tag and no journal yet, and must match them if it has.
  --json               Print one JSON object instead of text (for CI).
  -h, --help           This text.
  -v, --version        The installed version of ringg-key-rotation.

Exit codes:
  0   done (rotate: the key rotated)
  1   the rotation failed (the journal's last error is shown), or the CLI failed part-way (status
      shows whether a rotation is still running), or Ringg could not be asked about the key
  2   rotate timed out waiting; the rotation may still finish
  3   refused: Secrets Manager would not start a rotation, or recover would not write; nothing changed
  4   Ringg rejected the key that was checked
  64  bad command line
  78  configuration problem: no AWS region, no or rejected credentials, no such secret, no permission
      to use it, AWS unreachable, or a bad environment variable; a hint says what to do. Found before
      anything ran: nothing changed; found part-way, the message says so
  doctor: 0 when every secret is ready, 1 when any needs action, 78 as above (ringg-rotate doctor --help).
  Several secrets: 1 if any secret failed (timed out or key rejected included), else 3 if any was
  refused, else 0; 78 only when nothing could run at all.

Environment: the AWS SDK's standard credentials, AWS_REGION and AWS_ENDPOINT_URL_SECRETS_MANAGER /
AWS_ENDPOINT_URL_SSM; RINGG_BASE_URL (default https://prod-api.ringg.ai/ca/api/v0) and
ROTATION_PARAMETER_PREFIX (default /ringg-rotation), as for the function.
`;

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') return { name: 'help' };
  if (name === '--version' || name === '-v' || name === 'version') {
    if (rest.length > 0) throw new UsageError(`--version takes no arguments (ringg-rotate --help).`);
    return { name: 'version' };
  }
  if (name === 'doctor') {
    try {
      const parsed = parseDoctorArgs(rest);
      return parsed === 'help' ? { name: 'help', text: DOCTOR_HELP } : { name, ...parsed };
    } catch (error) {
      if (error instanceof DoctorUsageError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (name !== 'rotate' && name !== 'status' && name !== 'recover') {
    throw new UsageError(
      `Unknown command "${name}". Use rotate, status, recover or doctor (ringg-rotate --help).`,
    );
  }
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        'secret-id': { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        function: { type: 'string' },
        parallel: { type: 'string' },
        'markdown-summary': { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        timeout: { type: 'string' },
        check: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'workspace-id': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)} (ringg-rotate --help).`);
  }
  if (values.help) return { name: 'help' };
  const allowed: Record<string, string[]> = {
    rotate: ['no-wait', 'timeout', 'dry-run', 'all', 'function', 'parallel', 'markdown-summary'],
    status: ['check'],
    recover: ['dry-run', 'workspace-id'],
  };
  for (const flag of [
    'no-wait',
    'timeout',
    'check',
    'dry-run',
    'workspace-id',
    'all',
    'function',
    'parallel',
    'markdown-summary',
  ]) {
    if (values[flag] !== undefined && values[flag] !== false && !allowed[name]?.includes(flag)) {
      throw new UsageError(`--${flag} does not apply to ${name} (ringg-rotate --help).`);
    }
  }
  const secretIds = [
    ...new Set(((values['secret-id'] as string[] | undefined) ?? []).map((id) => id.trim())),
  ];
  if (name === 'rotate' && isBulk(values, secretIds)) return parseBulkRotate(values, secretIds);
  if (secretIds.length > 1) throw new UsageError(`${name} takes one --secret-id (ringg-rotate --help).`);
  const secretId = secretIds[0] ?? '';
  if (secretId === '') throw new UsageError(`${name} needs --secret-id <name or ARN> (ringg-rotate --help).`);
  const json = values.json === true;
  if (name === 'status') return { name, secretId, check: values.check === true, json };
  if (name === 'recover') {
    const workspaceId =
      typeof values['workspace-id'] === 'string' ? values['workspace-id'].trim() : undefined;
    if (workspaceId === '')
      throw new UsageError('--workspace-id needs the workspace id (ringg-rotate --help).');
    return { name, secretId, dryRun: values['dry-run'] === true, json, workspaceId };
  }
  return { name, secretId, wait: values['no-wait'] !== true, timeoutSeconds: parseTimeout(values), json };
}

function parseTimeout(values: Record<string, unknown>): number {
  const timeout = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86_400) {
    throw new UsageError(
      `--timeout "${String(values.timeout)}" must be a whole number of seconds from 1 to 86400.`,
    );
  }
  return timeout;
}

const BULK_FLAGS = ['all', 'function', 'parallel', 'dry-run', 'markdown-summary'];

/** `rotate` is a bulk rotation with several --secret-id, --all, or any option only a bulk rotation has. */
function isBulk(values: Record<string, unknown>, secretIds: string[]): boolean {
  return (
    secretIds.length > 1 || BULK_FLAGS.some((flag) => values[flag] !== undefined && values[flag] !== false)
  );
}

function parseBulkRotate(values: Record<string, unknown>, secretIds: string[]): Command {
  const all = values.all === true;
  if (all && secretIds.length > 0) {
    throw new UsageError('Give either --all or --secret-id, not both (ringg-rotate --help).');
  }
  if (secretIds.some((id) => id === '')) throw new UsageError('--secret-id needs a name or ARN.');
  if (!all && secretIds.length === 0) {
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
    name: 'bulk-rotate',
    targets: all ? { kind: 'all' } : { kind: 'ids', secretIds },
    functionRef,
    parallel,
    dryRun: values['dry-run'] === true,
    timeoutSeconds: parseTimeout(values),
    json: values.json === true,
    markdownSummary: typeof markdown === 'string' ? markdown : undefined,
  };
}
