import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { fingerprint } from '../common/fingerprint.js';
import type { JournalEntry } from '../common/journal-entry.js';
import { parameterNames } from '../common/parameter-names.js';
import type { CliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { checkWithRingg, readCurrentValue } from './key-check.js';
import { Reporter } from './reporter.js';
import { readJournal, readSecretState } from './secret-state.js';

const POLL_MS = 1_000;
const INCOMPLETE = /previous rotation isn.?t complete/i;

export interface RotateCommand {
  readonly secretId: string;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  readonly json: boolean;
}

/** RotateSecret, then watch the rotation's version and the journal until it is AWSCURRENT. */
export async function rotate(ctx: CliContext, cmd: RotateCommand): Promise<ExitCode> {
  const out = new Reporter(ctx.io, cmd.json);
  const started = ctx.io.now();
  const elapsed = () => Math.round((ctx.io.now() - started) / 100) / 10;
  const base = { command: 'rotate', secretId: cmd.secretId };

  let token: string;
  let name: string;
  try {
    const accepted = await ctx.sm.send(
      new RotateSecretCommand({ SecretId: cmd.secretId, RotateImmediately: true }),
    );
    token = accepted.VersionId ?? '';
    name = accepted.Name ?? cmd.secretId;
  } catch (error) {
    return refused(ctx, out, cmd, error, base);
  }
  out.line(`Rotation of ${name} started: version ${token}`);
  if (!cmd.wait) {
    out.result({ ...base, result: 'started', token, elapsedSeconds: elapsed() });
    return EXIT.ok;
  }

  const journalName = parameterNames(ctx.config.parameterPrefix, name).journal;
  const deadline = started + cmd.timeoutSeconds * 1000;
  let journal: JournalEntry | undefined;
  for (;;) {
    const stages =
      (await ctx.sm.send(new DescribeSecretCommand({ SecretId: cmd.secretId }))).VersionIdsToStages ?? {};
    ({ journal } = await readJournal(ctx, journalName));
    const mine = journal?.token === token ? journal : undefined;
    // Done when the rotation is complete, not merely promoted: setSecret moves AWSCURRENT as soon as
    // Ringg accepts the new key, and testSecret and finishSecret still run after it.
    if (
      stages[token]?.includes('AWSCURRENT') &&
      (!stages[token]?.includes('AWSPENDING') || mine?.state === 'finished')
    )
      break;
    const lastError = mine?.lastError;
    if (mine?.state === 'failed' && lastError && !lastError.retryable) {
      out.line(`Rotation FAILED in ${lastError.step} after ${elapsed()} s: ${lastError.code}`);
      out.line(lastError.message);
      out.result({
        ...base,
        result: 'failed',
        token,
        elapsedSeconds: elapsed(),
        step: lastError.step,
        error: pick(lastError),
      });
      return EXIT.failed;
    }
    if (!stages[token]?.includes('AWSPENDING')) {
      const message =
        'the rotation was abandoned: its version is no longer AWSPENDING (a new value was written to the secret meanwhile)';
      out.line(`Rotation FAILED after ${elapsed()} s: ${message}.`);
      out.result({
        ...base,
        result: 'failed',
        token,
        elapsedSeconds: elapsed(),
        error: { code: 'rotation-abandoned', message },
      });
      return EXIT.failed;
    }
    if (ctx.io.now() >= deadline) {
      out.line(
        `Timed out after ${cmd.timeoutSeconds} s; the rotation is not finished and Secrets Manager may still retry it.`,
      );
      if (lastError) out.line(`Last error (${lastError.step}): ${lastError.code}: ${lastError.message}`);
      out.line(`Watch it with: ringg-rotate status --secret-id ${cmd.secretId}`);
      out.result({
        ...base,
        result: 'timed-out',
        token,
        elapsedSeconds: elapsed(),
        step: mine?.step,
        error: lastError ? pick(lastError) : undefined,
      });
      return EXIT.timedOut;
    }
    const retrying =
      mine?.state === 'failed' && lastError
        ? ` (attempt failed: ${lastError.code}; Secrets Manager retries)`
        : '';
    out.progress(
      `rotating ${name}: ${mine ? `${mine.step}, ${mine.state}` : 'waiting for the first step'}${retrying}  ${elapsed().toFixed(1)} s`,
    );
    await ctx.io.sleep(POLL_MS);
  }

  const current = await readCurrentValue(ctx, cmd.secretId);
  if (current.kind === 'unreadable') {
    out.line(`Rotated ${name} in ${elapsed()} s: version ${token} is AWSCURRENT.`);
    out.line(
      `Not checked with Ringg here (${current.reason}); the rotation's testSecret checked it before promoting it.`,
    );
    out.result({
      ...base,
      result: 'rotated',
      token,
      elapsedSeconds: elapsed(),
      key: { fingerprint: null, verified: false, reason: current.reason },
    });
    return EXIT.ok;
  }
  const check = await checkWithRingg(ctx, current.value.apiKey);
  const key = { fingerprint: fingerprint(current.value.apiKey), verified: check.kind === 'valid' };
  if (check.kind === 'rejected') {
    out.line(
      `Version ${token} is AWSCURRENT, but Ringg REJECTS its key ${key.fingerprint} (HTTP ${check.status}). Follow the README runbook "Key lost".`,
    );
    out.result({ ...base, result: 'key-rejected', token, elapsedSeconds: elapsed(), key });
    return EXIT.keyRejected;
  }
  out.line(`Rotated ${name} in ${elapsed()} s: version ${token} is AWSCURRENT, key ${key.fingerprint}.`);
  out.line(
    check.kind === 'valid'
      ? 'Ringg accepts the new key (GET /workspace 200).'
      : `Could not check the key with Ringg: ${check.detail}.`,
  );
  out.result({
    ...base,
    result: 'rotated',
    token,
    elapsedSeconds: elapsed(),
    key,
    workspaceId: check.kind === 'valid' ? check.workspaceId : undefined,
  });
  return EXIT.ok;
}

async function refused(
  ctx: CliContext,
  out: Reporter,
  cmd: RotateCommand,
  error: unknown,
  base: Record<string, unknown>,
): Promise<ExitCode> {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (INCOMPLETE.test(message)) {
    const state = await readSecretState(ctx, cmd.secretId).catch(() => undefined);
    const since = state?.stuck?.since ? ` since ${state.stuck.since.toISOString()}` : '';
    const why = state?.journal?.lastError
      ? ` Its last error: ${state.journal.lastError.code} in ${state.journal.lastError.step}.`
      : '';
    out.line(
      `Refused: a previous rotation of ${cmd.secretId} is not complete (AWSPENDING is on version ${state?.stuck?.versionId ?? 'unknown'}${since}).${why}`,
    );
    out.line(
      'Secrets Manager will reattempt that rotation itself and starts no new one until it finishes. Nothing was changed.',
    );
    out.line(
      `Next: ringg-rotate status --secret-id ${cmd.secretId}   (then the README runbook "Rotation stuck")`,
    );
    out.result({
      ...base,
      result: 'refused',
      error: { code: 'previous-rotation-incomplete', message },
      pendingVersion: state?.stuck?.versionId,
    });
    return EXIT.refused;
  }
  out.line(`Refused: Secrets Manager did not start a rotation: ${name}: ${message}. Nothing was changed.`);
  out.result({ ...base, result: 'refused', error: { code: name, message } });
  return EXIT.refused;
}

function pick(error: NonNullable<JournalEntry['lastError']>) {
  return {
    code: error.code,
    message: error.message,
    step: error.step,
    at: error.at,
    retryable: error.retryable,
  };
}
