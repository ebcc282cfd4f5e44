import { MIN_REGENERATE_MS, MIN_WRITE_ATTEMPT_MS } from '../common/function-settings.js';
import { decideAfterProbe, decideAfterRegenerate, describeFailure, traceOf } from '../common/ringg-policy.js';
import type { SecretValue } from '../common/secret-value.js';
import { backoffMs } from './deadline.js';
import {
  CurrentKeyRejectedError,
  IntentNotRecordedError,
  NewKeyLostError,
  NewKeyUnusableError,
  PermissionDeniedError,
  RegenerateOutcomeUnknownError,
  RinggUnavailableError,
  type RotationError,
  VersionNotPendingError,
} from './errors.js';
import type { IntentOutcome, IntentRecord } from './intent-store.js';
import { errorName } from './journal.js';
import { awsTimeoutMs, requestTimeoutMs, type StepContext } from './step-context.js';
import { storeNewKey } from './store-new-key.js';

const MAX_REGENERATE_ATTEMPTS = 3;
const PATCH = 'PATCH /workspace/api-key';

/** How one owned regenerate attempt ended: with a key, or proven not to have regenerated, or unknown. */
type RegenerateOutcome =
  | { readonly kind: 'issued'; readonly newKey: string }
  | { readonly kind: 'not-regenerated'; readonly error: RotationError }
  | { readonly kind: 'may-have-regenerated'; readonly error: RotationError };

/**
 * Creates intent `generation` (create-once), and only if this delivery created it, sends the
 * regenerate and stores the key. `taken`: another delivery owns that generation. As it exits, the
 * owner records on its intent whether it proved that no regenerate happened.
 */
export async function regenerateAsOwner(
  ctx: StepContext,
  current: SecretValue,
  generation: number,
  workspaceId: string,
): Promise<'taken' | 'stored'> {
  const { config, now } = ctx.deps;
  const name = ctx.names.intent(ctx.event.token, generation);
  if (!ctx.deadline.allows(MIN_REGENERATE_MS + MIN_WRITE_ATTEMPT_MS, config.rescueReserveMs)) {
    throw new RinggUnavailableError(
      ctx.secret.name,
      PATCH,
      'no time left in this step to send it and store its answer',
    );
  }
  // The labels were read when the step began; a delivery that paused since may find the rotation
  // completed or superseded. Regenerating then would kill the key another delivery stored.
  const fresh = await ctx.deps.secrets.describe(ctx.event.secretId, awsTimeoutMs(ctx));
  const stages = fresh.versions[ctx.event.token] ?? [];
  if (stages.includes('AWSCURRENT')) {
    ctx.trace.outcome = 'new-key-stored-by-another-delivery';
    return 'stored';
  }
  if (!stages.includes('AWSPENDING')) throw new VersionNotPendingError(ctx.secret.name, ctx.event.token);
  const record: IntentRecord = {
    token: ctx.event.token,
    generation,
    recordedAt: new Date(now()).toISOString(),
    // The owning invocation cannot outlive its Lambda timeout, which the report deadline ends just before.
    expiresAt: new Date(now() + ctx.reportDeadline.remainingMs() + 1_000).toISOString(),
  };
  let created: 'created' | 'taken';
  try {
    created = await ctx.deps.intents.create(name, record, awsTimeoutMs(ctx));
  } catch (error) {
    throw new IntentNotRecordedError(ctx.secret.name, 'record the regenerate intent', name, errorName(error));
  }
  if (created === 'taken') return 'taken';

  let outcome: IntentOutcome = 'ended';
  try {
    await ctx.journal.record('regenerating', { regenerate: 'in-flight' });
    const result = await sendRegenerate(ctx, current);
    if (result.kind === 'not-regenerated') {
      outcome = 'not-regenerated';
      await ctx.journal.record('failed', { regenerate: 'not-regenerated' });
      throw result.error;
    }
    if (result.kind === 'may-have-regenerated') throw result.error;
    ctx.deps.log.redact(result.newKey);
    await storeNewKey(ctx, current, result.newKey, workspaceId);
    ctx.trace.outcome = 'new-key-stored';
    return 'stored';
  } catch (error) {
    await resolveIntent(ctx, name, { ...record, outcome });
    throw error;
  }
}

async function resolveIntent(ctx: StepContext, name: string, record: IntentRecord): Promise<void> {
  const timeoutMs = Math.min(ctx.deps.config.awsCallTimeoutMs, ctx.reportDeadline.remainingMs() / 2);
  try {
    await ctx.deps.intents.resolve(name, record, timeoutMs);
  } catch (error) {
    ctx.log.warn(
      'could not record the regenerate outcome on its intent; the next attempt waits for it to expire',
      {
        parameter: name,
        outcome: record.outcome,
        error: errorName(error),
      },
    );
  }
}

/** Sends the regenerate, retrying only what provably did not regenerate; an ambiguous answer is probed. */
async function sendRegenerate(ctx: StepContext, current: SecretValue): Promise<RegenerateOutcome> {
  const { ringg, config, sleep, random } = ctx.deps;
  const name = ctx.secret.name;
  const reserve = config.rescueReserveMs + MIN_WRITE_ATTEMPT_MS;
  let lastDetail = 'no attempt fitted in the time left';
  /** What an earlier attempt got when it may have reached Ringg without an answer: Ringg could apply it late. */
  let earlierAmbiguous: string | undefined;
  for (let attempt = 1; attempt <= MAX_REGENERATE_ATTEMPTS; attempt++) {
    if (!ctx.deadline.allows(MIN_REGENERATE_MS, reserve)) break;
    ctx.trace.attempts++;
    const result = await ringg.regenerateKey(current.apiKey, requestTimeoutMs(ctx, reserve));
    ctx.trace.ringgStatuses.push(traceOf(result));
    const decision = decideAfterRegenerate(result);
    if (result.kind !== 'ok') lastDetail = describeFailure(result);

    switch (decision.action) {
      case 'store':
        return { kind: 'issued', newKey: decision.newKey };
      case 'fail-unusable':
        return { kind: 'may-have-regenerated', error: new NewKeyUnusableError(name, decision.problem) };
      case 'fail-forbidden':
        return { kind: 'not-regenerated', error: new PermissionDeniedError(name, PATCH) };
      case 'fail-unauthorized':
        if (earlierAmbiguous) {
          return {
            kind: 'may-have-regenerated',
            error: new NewKeyLostError(
              name,
              `an earlier regenerate attempt got no usable answer (${earlierAmbiguous}), the check after it still found the old key valid, and the next attempt was rejected: Ringg most likely applied the earlier attempt late`,
            ),
          };
        }
        // The current key worked a moment ago and no other delivery owns this generation: it was
        // changed outside the rotation, and this request regenerated nothing.
        return { kind: 'not-regenerated', error: new CurrentKeyRejectedError(name) };
      case 'wait-and-retry':
      case 'retry': {
        const fallback = backoffMs(attempt, 500, 4_000, random);
        const wait = Math.min(
          decision.action === 'wait-and-retry' ? (decision.waitMs ?? fallback) : fallback,
          config.maxRetryAfterMs,
        );
        if (!ctx.deadline.allows(wait + MIN_REGENERATE_MS, reserve)) break;
        await sleep(wait);
        continue;
      }
      case 'probe': {
        const probe = await ringg.getWorkspace(current.apiKey, requestTimeoutMs(ctx));
        ctx.trace.ringgStatuses.push(traceOf(probe));
        const verdict = decideAfterProbe(probe);
        if (verdict === 'regenerated-and-lost') {
          return {
            kind: 'may-have-regenerated',
            error: new NewKeyLostError(
              name,
              `Ringg answered the regenerate with ${lastDetail}, and the old key is now rejected`,
            ),
          };
        }
        if (verdict === 'unknown') {
          return {
            kind: 'may-have-regenerated',
            error: new RegenerateOutcomeUnknownError(
              name,
              `regenerate: ${lastDetail}; check: ${probe.kind === 'ok' ? 'ok' : describeFailure(probe)}`,
            ),
          };
        }
        earlierAmbiguous = lastDetail;
        const wait = backoffMs(attempt, 500, 4_000, random);
        if (!ctx.deadline.allows(wait + MIN_REGENERATE_MS, reserve)) break;
        await sleep(wait);
        continue;
      }
    }
    break;
  }
  return {
    kind: 'not-regenerated',
    error: new RinggUnavailableError(
      name,
      PATCH,
      lastDetail,
      'The old key still works and nothing was changed',
    ),
  };
}
