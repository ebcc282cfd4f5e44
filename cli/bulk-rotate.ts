import { appendFile } from 'node:fs/promises';
import type { SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { BulkProgress, type ProgressSink } from './bulk-progress.js';
import { type BulkEntry, bulkExitCode, countEntries } from './bulk-result.js';
import type { CliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { adviceForEntry } from './failure-advice.js';
import { describeFunctionRef, type FunctionRef, rotatedBy } from './function-ref.js';
import { throwIfInterrupted } from './interrupt.js';
import { listRotatedSecrets } from './list-rotated-secrets.js';
import { mapWithConcurrency } from './parallel.js';
import { preflight, sharedWorkspaceGroups, sharedWorkspaceRefusal, workspaceNotes } from './preflight.js';
import { Reporter } from './reporter.js';
import { describeProgress, rotateSecret } from './rotate-secret.js';
import { outcomeJson } from './rotation-outcome-json.js';
import { readSecretState } from './secret-state.js';
import { adviceText, entryLine, summaryMarkdown, summaryTable } from './summary-table.js';
import { establishWorkspace, lookUpHolders } from './workspace-preflight.js';

export interface BulkRotateCommand {
  readonly targets:
    | { readonly kind: 'ids'; readonly secretIds: readonly string[] }
    | { readonly kind: 'all' };
  readonly functionRef: FunctionRef | undefined;
  readonly parallel: number;
  readonly dryRun: boolean;
  readonly timeoutSeconds: number;
  readonly json: boolean;
  /** A file to append the summary to as Markdown, e.g. $GITHUB_STEP_SUMMARY. */
  readonly markdownSummary: string | undefined;
}

/**
 * Rotates many secrets, at most `parallel` at once. Every secret is checked before the first rotation
 * starts (preflight): alone, and against the other secrets holding its Ringg workspace, selected or
 * found in the account by the workspace tag. One secret's trouble never stops the others: every
 * secret ends with an entry in the summary. Progress goes to stderr, the summary table to stdout.
 * After an interrupt (Ctrl-C) no rotation is started; the ones started go on in AWS, and
 * cli/execute.ts lists them.
 */
export async function bulkRotate(ctx: CliContext, cmd: BulkRotateCommand): Promise<ExitCode> {
  const out = new Reporter(ctx.io, cmd.json);
  const started = ctx.io.now();
  const elapsed = () => Math.round((ctx.io.now() - started) / 100) / 10;
  const fn = cmd.functionRef ? describeFunctionRef(cmd.functionRef) : undefined;

  let secretIds: readonly string[];
  let listed: number | undefined;
  let listing: SecretListEntry[] | undefined;
  if (cmd.targets.kind === 'all') {
    const ref = cmd.functionRef;
    if (!ref) throw new Error('--all needs a function'); // the parser guarantees one
    try {
      ({ secretIds, listed, entries: listing } = await listRotatedSecrets(ctx, ref));
    } catch (error) {
      const code = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      out.problem(
        `Refused: could not list the secrets (ListSecrets: ${code}: ${message}). Nothing was changed.`,
      );
      out.problem(
        'The caller needs secretsmanager:ListSecrets on "*" (README: "Rotate everything after an incident").',
      );
      out.result({
        command: 'rotate',
        mode: mode(cmd),
        function: fn,
        result: 'refused',
        error: { code, message },
      });
      return EXIT.refused;
    }
    out.note(`Found ${secretIds.length} of ${listed} secrets rotated by ${fn}.`);
  } else {
    secretIds = cmd.targets.secretIds;
  }

  out.note(
    cmd.dryRun
      ? `Dry run: checking ${secretIds.length} secret${secretIds.length === 1 ? '' : 's'}; nothing will be changed.`
      : `Rotating ${secretIds.length} secret${secretIds.length === 1 ? '' : 's'}, ${Math.min(cmd.parallel, secretIds.length)} at a time.`,
  );
  const progress = new BulkProgress(ctx.io.stderr as ProgressSink, !cmd.json);
  let done = 0;
  const finish = (entry: BulkEntry): BulkEntry => {
    done++;
    progress.finished(entry.secretId, entryLine(entry, done, secretIds.length));
    return entry;
  };

  // Every secret is read and checked, alone and then against the others holding its workspace,
  // before the first rotation starts: a refusal never comes after something destructive.
  const checked = await mapWithConcurrency(secretIds, cmd.parallel, async (secretId) => {
    throwIfInterrupted(ctx.io);
    const started = ctx.io.now();
    try {
      const state = await readSecretState(ctx, secretId);
      return { secretId, started, state, decision: preflight(state, cmd.functionRef) };
    } catch (error) {
      return { secretId, started, problem: errorOf(error) };
    }
  });
  const states = checked.flatMap((c) => (c.state ? [c.state] : []));
  const selected = await mapWithConcurrency(states, cmd.parallel, (state) =>
    establishWorkspace(ctx, state, rotatedByThisFunction(state.rotationFunction, cmd.functionRef)),
  );
  const lookups = await lookUpHolders(
    ctx,
    selected.flatMap((s) => s.workspaceId ?? []),
    cmd.parallel,
    listing,
  );
  const notes = workspaceNotes(selected, lookups.byWorkspace);
  const groups = sharedWorkspaceGroups(selected, notes);
  for (const problem of lookups.problems) out.problem(problem);
  for (const group of groups) out.note(sharedWorkspaceLine(group));

  const entries = await mapWithConcurrency(checked, cmd.parallel, async (item) => {
    const { secretId } = item;
    const took = () => Math.round((ctx.io.now() - item.started) / 100) / 10;
    if (!item.state) {
      return finish({
        secretId,
        name: secretId,
        result: 'refused',
        elapsedSeconds: took(),
        error: item.problem,
      });
    }
    const name = item.state.name;
    const workspace = notes.get(item.state.arn);
    const decision =
      item.decision.kind === 'refuse' || !workspace
        ? item.decision
        : (sharedWorkspaceRefusal(name, workspace) ?? item.decision);
    const withWorkspace = (entry: BulkEntry): BulkEntry =>
      finish(workspace ? { ...entry, workspace } : entry);
    if (decision.kind === 'refuse') {
      const { kind: _, ...refusal } = decision;
      return withWorkspace({ secretId, name, result: 'refused', elapsedSeconds: took(), ...refusal });
    }
    if (cmd.dryRun) {
      return withWorkspace({
        secretId,
        name,
        result: 'would-rotate',
        elapsedSeconds: took(),
        rotationFunction: decision.rotationFunction,
      });
    }
    throwIfInterrupted(ctx.io); // interrupted while this secret was checked: it is not started
    let token: string | undefined;
    try {
      return withWorkspace(
        await rotateSecret(
          ctx,
          { secretId, wait: true, timeoutSeconds: cmd.timeoutSeconds },
          {
            started: (rotating, version) => {
              token = version;
              progress.started(secretId, `${rotating}: rotation started, version ${version}`);
            },
            progress: (rotating, failure, seconds) =>
              progress.update(
                secretId,
                `  ${rotating}: ${describeProgress(failure)}  ${seconds.toFixed(1)} s`,
              ),
          },
        ),
      );
    } catch (error) {
      // Lost sight of a rotation that may be running: a failure to look at, never a silent skip.
      const problem = errorOf(error);
      return withWorkspace({
        secretId,
        name,
        result: 'failed',
        token: token ?? '',
        elapsedSeconds: took(),
        error: {
          code: problem.code,
          message: `${problem.message} (while ${token ? 'watching the rotation, which may still finish' : 'starting the rotation'})`,
        },
      });
    }
  });

  const counts = countEntries(entries);
  const exitCode = bulkExitCode(counts);
  const seconds = elapsed();
  out.line(summaryTable(entries, counts, seconds, cmd.dryRun).trimEnd());
  const advice = adviceText(entries);
  if (advice) out.problem(`\n${advice.trimEnd()}`);
  out.note(
    `Exit ${exitCode}: ${counts.total === 0 ? 'no secret to rotate; check --function.' : cmd.dryRun && exitCode === EXIT.ok ? 'every secret would rotate (dry run: nothing changed).' : EXIT_MEANING[exitCode]}`,
  );
  out.result({
    command: 'rotate',
    mode: mode(cmd),
    function: fn,
    listed,
    parallel: cmd.parallel,
    elapsedSeconds: seconds,
    summary: counts,
    exitCode,
    sharedWorkspaces: groups,
    workspaceCheck: { problems: lookups.problems },
    secrets: entries.map((entry) => ({
      ...(entry.result === 'would-rotate' ? entry : outcomeJson(entry)),
      workspace: entry.workspace,
      advice: adviceForEntry(entry),
    })),
  });
  if (cmd.markdownSummary) {
    try {
      await appendFile(cmd.markdownSummary, summaryMarkdown(entries, counts, seconds, cmd.dryRun));
    } catch (error) {
      out.problem(`Could not append the summary to ${cmd.markdownSummary}: ${errorOf(error).message}`);
    }
  }
  return exitCode;
}

const EXIT_MEANING: Partial<Record<ExitCode, string>> = {
  [EXIT.ok]: 'every secret rotated.',
  [EXIT.failed]: 'at least one secret did not rotate; see "What to do".',
  [EXIT.refused]: 'at least one secret was refused and left unchanged; see "What to do".',
};

/** Whether `rotationFunction` is this project's: the one asked for, or, without --function, any. */
function rotatedByThisFunction(rotationFunction: string | undefined, ref: FunctionRef | undefined): boolean {
  return rotationFunction !== undefined && (ref === undefined || rotatedBy(ref, rotationFunction));
}

function sharedWorkspaceLine(group: ReturnType<typeof sharedWorkspaceGroups>[number]): string {
  const names = group.secrets.map((s) => (s.selected ? s.name : `${s.name} (not selected)`));
  return `Shared workspace ${group.workspaceId}: ${names.join(', ')} hold its one live key; none of the selected ones is rotated (see "What to do").`;
}

function mode(cmd: BulkRotateCommand): string {
  return cmd.dryRun ? 'dry-run' : 'bulk';
}

function errorOf(error: unknown): { code: string; message: string } {
  return error instanceof Error
    ? { code: error.name, message: error.message }
    : { code: 'Error', message: String(error) };
}
