import { formatWithKey, type SecretValue } from '../../common/secret-value.js';
import { backoffMs } from '../deadline.js';
import {
  CurrentKeyRejectedError,
  NewKeyLostError,
  PermissionDeniedError,
  RegenerateOutcomeUnknownError,
  RinggUnavailableError,
} from '../errors.js';
import { decideAfterProbe, decideAfterRegenerate, describeFailure, traceOf } from '../ringg-policy.js';
import { parseOrThrow, readCurrentValue, readPendingRaw } from '../secret-reads.js';
import { requestTimeoutMs, type StepContext } from '../step-context.js';
import { completeRescue, storeNewKey } from '../store-new-key.js';

const MAX_REGENERATE_ATTEMPTS = 3;
const MIN_ATTEMPT_MS = 1_000;
const PATCH = 'PATCH /workspace/api-key';

/**
 * Regenerates exactly once per rotation token. A pending version that already holds a key, or a
 * rescued key, means the regenerate already happened: it is never sent again.
 */
export async function setSecret(ctx: StepContext): Promise<void> {
  if ((await readPendingRaw(ctx)) !== undefined) {
    ctx.trace.outcome = 'new-key-already-stored';
    return;
  }
  const current = await readCurrentValue(ctx);
  if (await tryCompleteRescue(ctx, current)) return;

  const earlierAttemptInFlight = ctx.journal.regenerateInFlight;
  await ctx.journal.record('regenerating', { regenerate: 'in-flight' });
  const newKey = await regenerate(ctx, current, earlierAttemptInFlight);
  if (newKey === undefined) return;
  ctx.deps.log.redact(newKey);
  await storeNewKey(ctx, formatWithKey(current, newKey));
  ctx.trace.outcome = 'new-key-stored';
}

async function tryCompleteRescue(ctx: StepContext, current: SecretValue): Promise<boolean> {
  const rescued = await ctx.deps.rescue.read(ctx.names.rescue(ctx.event.token));
  if (rescued === undefined) return false;
  const value = parseOrThrow(ctx, rescued, 'rescued');
  if (value.apiKey === current.apiKey) return false;
  await completeRescue(ctx, rescued, value.apiKey);
  ctx.trace.outcome = 'rescued-key-stored';
  return true;
}

/** The new key, or undefined when another delivery of this step already stored one. */
async function regenerate(
  ctx: StepContext,
  current: SecretValue,
  earlierAttemptInFlight: boolean,
): Promise<string | undefined> {
  const { ringg, config, sleep, random } = ctx.deps;
  const name = ctx.secret.name;
  let lastDetail = 'no attempt fitted in the time left';
  for (let attempt = 1; attempt <= MAX_REGENERATE_ATTEMPTS; attempt++) {
    if (!ctx.deadline.allows(MIN_ATTEMPT_MS)) break;
    ctx.trace.attempts++;
    const result = await ringg.regenerateKey(current.apiKey, requestTimeoutMs(ctx));
    ctx.trace.ringgStatuses.push(traceOf(result));
    const decision = decideAfterRegenerate(result);
    if (result.kind !== 'ok') lastDetail = describeFailure(result);

    switch (decision.action) {
      case 'store':
        return decision.newKey;
      case 'fail-forbidden':
        await ctx.journal.record('failed', { regenerate: 'not-regenerated' });
        throw new PermissionDeniedError(name, PATCH);
      case 'fail-unauthorized':
        return afterUnauthorized(ctx, current, earlierAttemptInFlight);
      case 'wait-and-retry':
      case 'retry': {
        const fallback = backoffMs(attempt, 500, 4_000, random);
        const wait = Math.min(
          decision.action === 'wait-and-retry' ? (decision.waitMs ?? fallback) : fallback,
          config.maxRetryAfterMs,
        );
        if (!ctx.deadline.allows(wait + MIN_ATTEMPT_MS)) break;
        await sleep(wait);
        continue;
      }
      case 'probe': {
        const probe = await ringg.getWorkspace(current.apiKey, requestTimeoutMs(ctx));
        ctx.trace.ringgStatuses.push(traceOf(probe));
        const verdict = decideAfterProbe(probe);
        if (verdict === 'regenerated-and-lost') {
          throw new NewKeyLostError(
            name,
            `Ringg answered the regenerate with ${lastDetail}, and the old key is now rejected`,
          );
        }
        if (verdict === 'unknown') {
          throw new RegenerateOutcomeUnknownError(
            name,
            `regenerate: ${lastDetail}; check: ${probe.kind === 'ok' ? 'ok' : describeFailure(probe)}`,
          );
        }
        const wait = backoffMs(attempt, 500, 4_000, random);
        if (!ctx.deadline.allows(wait + MIN_ATTEMPT_MS)) break;
        await sleep(wait);
        continue;
      }
    }
    break;
  }
  await ctx.journal.record('failed', { regenerate: 'not-regenerated' });
  throw new RinggUnavailableError(name, PATCH, lastDetail, 'The old key still works and nothing was changed');
}

/**
 * The current key was rejected. Either another delivery of this step regenerated a moment ago (its
 * key is about to land in the pending version or the rescue parameter), or a regenerate's answer was
 * lost, or the key was changed outside Secrets Manager.
 */
async function afterUnauthorized(
  ctx: StepContext,
  current: SecretValue,
  earlierAttemptInFlight: boolean,
): Promise<undefined> {
  if ((await readPendingRaw(ctx, true)) !== undefined) {
    ctx.trace.outcome = 'new-key-stored-by-another-delivery';
    return undefined;
  }
  if (await tryCompleteRescue(ctx, current)) return undefined;
  if (earlierAttemptInFlight) {
    throw new NewKeyLostError(
      ctx.secret.name,
      'an earlier attempt of this rotation sent the regenerate, its answer never arrived, and Ringg now rejects the old key',
    );
  }
  await ctx.journal.record('failed', { regenerate: 'not-regenerated' });
  throw new CurrentKeyRejectedError(ctx.secret.name);
}
