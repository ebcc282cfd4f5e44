import { appendFile } from 'node:fs/promises';
import { BulkProgress, type ProgressSink } from './bulk-progress.js';
import { type BulkEntry, bulkExitCode, countEntries } from './bulk-result.js';
import type { CliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { adviceForEntry } from './failure-advice.js';
import { describeFunctionRef, type FunctionRef } from './function-ref.js';
import { listRotatedSecrets } from './list-rotated-secrets.js';
import { mapWithConcurrency } from './parallel.js';
import { preflight } from './preflight.js';
import { Reporter } from './reporter.js';
import { describeProgress, rotateSecret } from './rotate-secret.js';
import { outcomeJson } from './rotation-outcome-json.js';
import { readSecretState } from './secret-state.js';
import { entryLine, summaryMarkdown, summaryText } from './summary-table.js';

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
 * Rotates many secrets, at most `parallel` at once. Each secret is checked first (preflight), and
 * one secret's trouble never stops the others: every secret ends with an entry in the summary.
 */
export async function bulkRotate(ctx: CliContext, cmd: BulkRotateCommand): Promise<ExitCode> {
  const out = new Reporter(ctx.io, cmd.json);
  const started = ctx.io.now();
  const elapsed = () => Math.round((ctx.io.now() - started) / 100) / 10;
  const fn = cmd.functionRef ? describeFunctionRef(cmd.functionRef) : undefined;

  let secretIds: readonly string[];
  let listed: number | undefined;
  if (cmd.targets.kind === 'all') {
    const ref = cmd.functionRef;
    if (!ref) throw new Error('--all needs a function'); // the parser guarantees one
    try {
      ({ secretIds, listed } = await listRotatedSecrets(ctx, ref));
    } catch (error) {
      const code = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      out.line(
        `Refused: could not list the secrets (ListSecrets: ${code}: ${message}). Nothing was changed.`,
      );
      out.line(
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
    out.line(`Found ${secretIds.length} of ${listed} secrets rotated by ${fn}.`);
  } else {
    secretIds = cmd.targets.secretIds;
  }

  out.line(
    cmd.dryRun
      ? `Dry run: checking ${secretIds.length} secret${secretIds.length === 1 ? '' : 's'}; nothing will be changed.`
      : `Rotating ${secretIds.length} secret${secretIds.length === 1 ? '' : 's'}, ${Math.min(cmd.parallel, secretIds.length)} at a time.`,
  );
  const progress = new BulkProgress(ctx.io.stdout as ProgressSink, !cmd.json);
  let done = 0;
  const finish = (entry: BulkEntry): BulkEntry => {
    done++;
    progress.finished(entry.secretId, entryLine(entry, done, secretIds.length));
    return entry;
  };

  const entries = await mapWithConcurrency(secretIds, cmd.parallel, async (secretId) => {
    const secretStarted = ctx.io.now();
    const took = () => Math.round((ctx.io.now() - secretStarted) / 100) / 10;
    let state: Awaited<ReturnType<typeof readSecretState>>;
    try {
      state = await readSecretState(ctx, secretId);
    } catch (error) {
      return finish({
        secretId,
        name: secretId,
        result: 'refused',
        elapsedSeconds: took(),
        error: errorOf(error),
      });
    }
    const decision = preflight(state, cmd.functionRef);
    const name = state.name;
    if (decision.kind === 'refuse') {
      const { kind: _, ...refusal } = decision;
      return finish({ secretId, name, result: 'refused', elapsedSeconds: took(), ...refusal });
    }
    if (cmd.dryRun) {
      return finish({
        secretId,
        name,
        result: 'would-rotate',
        elapsedSeconds: took(),
        rotationFunction: decision.rotationFunction,
      });
    }
    let token: string | undefined;
    try {
      return finish(
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
      return finish({
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
  out.line();
  out.line(summaryText(entries, counts, seconds, cmd.dryRun).trimEnd());
  out.line(
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
    secrets: entries.map((entry) => ({
      ...(entry.result === 'would-rotate' ? entry : outcomeJson(entry)),
      advice: adviceForEntry(entry),
    })),
  });
  if (cmd.markdownSummary) {
    try {
      await appendFile(cmd.markdownSummary, summaryMarkdown(entries, counts, seconds, cmd.dryRun));
    } catch (error) {
      ctx.io.stderr.write(
        `Could not append the summary to ${cmd.markdownSummary}: ${errorOf(error).message}\n`,
      );
    }
  }
  return exitCode;
}

const EXIT_MEANING: Partial<Record<ExitCode, string>> = {
  [EXIT.ok]: 'every secret rotated.',
  [EXIT.failed]: 'at least one secret did not rotate; see "What to do".',
  [EXIT.refused]: 'at least one secret was refused and left unchanged; see "What to do".',
};

function mode(cmd: BulkRotateCommand): string {
  return cmd.dryRun ? 'dry-run' : 'bulk';
}

function errorOf(error: unknown): { code: string; message: string } {
  return error instanceof Error
    ? { code: error.name, message: error.message }
    : { code: 'Error', message: String(error) };
}
