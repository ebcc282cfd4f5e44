import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { fingerprint } from '../common/fingerprint.js';
import { versionHolding } from '../common/labels.js';
import { mergeVersionId } from '../common/rotation-record.js';
import { FAILURE_TAG_KEY, type FailureTag, parseFailureTag } from '../common/workspace-tag.js';
import type { CliContext } from './context.js';
import { adviceFor } from './failure-advice.js';
import { throwIfInterrupted } from './interrupt.js';
import { checkWithRingg, readCurrentValue, readVersionValue } from './key-check.js';
import { readSecretState } from './secret-state.js';

/**
 * How long a rotation whose version lost AWSPENDING is watched for the function keeping an edit made
 * meanwhile (it merges the edit with the new key within its step).
 */
const ABANDONED_GRACE_MS = 60_000;
const POLL_MS = 1_000;
const INCOMPLETE = /previous rotation isn.?t complete/i;

export interface RotationError {
  readonly code: string;
  readonly message: string;
  readonly step?: string;
  readonly at?: string;
  readonly retryable?: boolean;
}

export interface KeyReport {
  /** `sha256:…` of the new AWSCURRENT key; null when this caller may not read the secret. */
  readonly fingerprint: string | null;
  readonly verified: boolean;
  readonly reason?: string;
}

/** What became of one rotation; never holds a key. */
export type RotationOutcome = { readonly secretId: string; readonly elapsedSeconds: number } & (
  | { readonly result: 'started'; readonly name: string; readonly token: string }
  | {
      readonly result: 'refused';
      readonly name: string;
      readonly error: RotationError;
      /** For a stuck secret: the version AWSPENDING is on, since when, and its last failure. */
      readonly pendingVersion?: string;
      readonly pendingSince?: string;
      readonly lastError?: RotationError;
    }
  | {
      readonly result: 'failed';
      readonly name: string;
      readonly token: string;
      readonly step?: string;
      readonly error: RotationError;
    }
  | {
      readonly result: 'timed-out';
      readonly name: string;
      readonly token: string;
      readonly step?: string;
      readonly error?: RotationError;
    }
  | {
      readonly result: 'rotated';
      readonly name: string;
      readonly token: string;
      readonly key: KeyReport;
      readonly workspaceId?: string;
      /** Why Ringg could not confirm the key, when it did not answer usefully. */
      readonly checkProblem?: string;
    }
  | {
      readonly result: 'key-rejected';
      readonly name: string;
      readonly token: string;
      readonly key: KeyReport;
      readonly status: number;
    }
);

export interface RotateSecretOptions {
  readonly secretId: string;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
}

export interface RotationWatcher {
  started?(name: string, token: string): void;
  /** The last failed step of this rotation, or undefined while none failed. */
  progress?(name: string, failure: FailureTag | undefined, elapsedSeconds: number): void;
}

/** Where a running rotation is: `running`, or `attempt failed in setSecret: ringg-unavailable; Secrets Manager retries`. */
export function describeProgress(failure: FailureTag | undefined): string {
  return failure
    ? `attempt failed in ${failure.step}: ${failure.code}${failure.retryable ? '; Secrets Manager retries' : ''}`
    : 'running';
}

/**
 * RotateSecret, then watch the rotation's version and its failure tag until it is AWSCURRENT, and check
 * the new key with Ringg when this caller may read it. Reports what happened instead of printing it.
 * While it waits, the rotation is listed in ctx.running; an interrupt ends the watch (InterruptedError)
 * and leaves it listed: it goes on in AWS.
 */
export async function rotateSecret(
  ctx: CliContext,
  options: RotateSecretOptions,
  watcher: RotationWatcher = {},
): Promise<RotationOutcome> {
  const started = ctx.io.now();
  const elapsed = () => Math.round((ctx.io.now() - started) / 100) / 10;
  const secretId = options.secretId;

  let token: string;
  let name: string;
  // No rotation starts after an interrupt; one sent before it is listed, even if its answer is lost.
  throwIfInterrupted(ctx.io);
  ctx.running.started({ secretId, name: secretId, version: '(not known yet)', what: 'RotateSecret sent' });
  try {
    const accepted = await ctx.sm.send(
      new RotateSecretCommand({ SecretId: secretId, RotateImmediately: true }),
    );
    token = accepted.VersionId ?? '';
    name = accepted.Name ?? secretId;
  } catch (error) {
    ctx.running.ended(secretId);
    return { ...(await refusal(ctx, secretId, error)), elapsedSeconds: elapsed() };
  }
  watcher.started?.(name, token);
  if (!options.wait) {
    ctx.running.ended(secretId);
    return { secretId, result: 'started', name, token, elapsedSeconds: elapsed() };
  }
  ctx.running.started({ secretId, name, version: token, what: 'rotation started' });
  const outcome = await watchRotation(ctx, options, { secretId, name, token, started }, watcher);
  ctx.running.ended(secretId);
  return outcome;
}

/** Polls until the rotation is complete, failed or out of time, then checks the new key. */
async function watchRotation(
  ctx: CliContext,
  options: RotateSecretOptions,
  rotation: {
    readonly secretId: string;
    readonly name: string;
    readonly token: string;
    readonly started: number;
  },
  watcher: RotationWatcher,
): Promise<RotationOutcome> {
  const { secretId, name, token, started } = rotation;
  const elapsed = () => Math.round((ctx.io.now() - started) / 100) / 10;

  const deadline = started + options.timeoutSeconds * 1000;
  let abandonedAt: number | undefined;
  for (;;) {
    throwIfInterrupted(ctx.io);
    const described = await ctx.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
    const stages = described.VersionIdsToStages ?? {};
    const tag = parseFailureTag(described.Tags?.find((t) => t.Key === FAILURE_TAG_KEY)?.Value);
    const mine = tag?.token === token ? tag : undefined;
    // Done when the rotation is complete, not merely promoted: setSecret moves AWSCURRENT as soon as
    // Ringg accepts the new key, and testSecret and finishSecret still run after it.
    if (stages[token]?.includes('AWSCURRENT') && !stages[token]?.includes('AWSPENDING')) break;
    const lastError = mine ? pick(mine) : undefined;
    const base = { secretId, name, token, elapsedSeconds: elapsed() };
    if (mine && lastError && !mine.retryable) {
      return { ...base, result: 'failed', step: mine.step, error: lastError };
    }
    if (!stages[token]?.includes('AWSPENDING')) {
      // The function keeps an edit made during the rotation (edit-kept, edit-merged): AWSCURRENT then
      // holds the rotation's key in the version someone wrote, or in one merged from it.
      const held = await keyHeld(ctx, secretId, token, stages);
      if (held === 'current') break;
      abandonedAt ??= ctx.io.now();
      if (held === 'none' || ctx.io.now() - abandonedAt >= ABANDONED_GRACE_MS || ctx.io.now() >= deadline) {
        const message =
          'the rotation was abandoned: its version is no longer AWSPENDING (a new value was written to the secret meanwhile)' +
          (held === 'version' ? `; its new key is in version ${token}, which nothing labels` : '') +
          (held === 'unknown'
            ? '; whether AWSCURRENT holds its key cannot be told without secretsmanager:GetSecretValue, which this ' +
              'role lacks: check with `ringg-rotate status --check` under a role that may read the secret'
            : '');
        return { ...base, result: 'failed', error: { code: 'rotation-abandoned', message } };
      }
      await ctx.io.sleep(POLL_MS);
      continue;
    }
    if (ctx.io.now() >= deadline) {
      return {
        ...base,
        result: 'timed-out',
        step: mine?.step,
        error: lastError,
      };
    }
    watcher.progress?.(name, mine, elapsed());
    await ctx.io.sleep(POLL_MS);
  }

  const base = { secretId, name, token };
  const current = await readCurrentValue(ctx, secretId);
  if (current.kind === 'unreadable') {
    return {
      ...base,
      result: 'rotated',
      elapsedSeconds: elapsed(),
      key: { fingerprint: null, verified: false, reason: current.reason },
    };
  }
  const check = await checkWithRingg(ctx, current.value.apiKey);
  const key = { fingerprint: fingerprint(current.value.apiKey), verified: check.kind === 'valid' };
  if (check.kind === 'rejected') {
    return { ...base, result: 'key-rejected', elapsedSeconds: elapsed(), key, status: check.status };
  }
  return {
    ...base,
    result: 'rotated',
    elapsedSeconds: elapsed(),
    key,
    workspaceId: check.kind === 'valid' ? check.workspaceId : undefined,
    checkProblem: check.kind === 'unavailable' ? check.detail : undefined,
  };
}

/** Why Secrets Manager would not start the rotation; for a stuck secret, since when and why. */
async function refusal(
  ctx: CliContext,
  secretId: string,
  error: unknown,
): Promise<Omit<Extract<RotationOutcome, { result: 'refused' }>, 'elapsedSeconds'>> {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (!INCOMPLETE.test(message)) {
    return { secretId, result: 'refused', name: secretId, error: { code: name, message } };
  }
  const state = await readSecretState(ctx, secretId).catch(() => undefined);
  const lastError = state?.lastFailure;
  return {
    secretId,
    result: 'refused',
    name: state?.name ?? secretId,
    error: { code: 'previous-rotation-incomplete', message },
    pendingVersion: state?.stuck?.versionId,
    pendingSince: state?.stuck?.since?.toISOString(),
    lastError: lastError ? pick(lastError) : undefined,
  };
}

function pick(failure: FailureTag): RotationError {
  return {
    code: failure.code,
    message: adviceFor(failure.code),
    step: failure.step,
    at: failure.at,
    retryable: failure.retryable,
  };
}

/**
 * Where the key the rotation to `token` stored is: AWSCURRENT holds it too, or only its version
 * does, or it stored none.
 */
async function keyHeld(
  ctx: CliContext,
  secretId: string,
  token: string,
  stages: Record<string, string[]>,
): Promise<'current' | 'version' | 'none' | 'unknown'> {
  // A merged edit shows in the labels alone: AWSCURRENT on the version merged from the one written.
  const previous = versionHolding(stages, 'AWSPREVIOUS');
  if (previous && versionHolding(stages, 'AWSCURRENT') === mergeVersionId(token, previous)) return 'current';
  const [ours, current] = await Promise.all([
    readVersionValue(ctx, secretId, token),
    readCurrentValue(ctx, secretId),
  ]);
  const denied = (v: typeof ours) => v.kind === 'unreadable' && v.denied === true;
  if (denied(ours) || denied(current)) return 'unknown';
  if (ours.kind !== 'read') return 'none';
  return current.kind === 'read' && ours.value.apiKey === current.value.apiKey ? 'current' : 'version';
}
