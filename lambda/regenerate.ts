import { backoffMs, type Sleep } from '../common/backoff.js';
import type { RinggApi } from '../common/ringg-client.js';
import { decideAfterProbe, decideAfterRegenerate, describeFailure, traceOf } from '../common/ringg-policy.js';
import { type RotationError, rotationError } from './errors.js';
import { type Deadline, MIN_PATCH_MS } from './time-budget.js';

const MAX_REGENERATE_ATTEMPTS = 3;
const PATCH = 'PATCH /workspace/api-key';

/** How one owned regenerate ended: with a key, proven not to have regenerated, or unknown. */
export type RegenerateOutcome =
  | { readonly kind: 'issued'; readonly newKey: string }
  /** `rejected`: Ringg answered 401: the key it was sent with is dead (it changed nothing). */
  | { readonly kind: 'not-regenerated'; readonly error: RotationError; readonly rejected: boolean }
  | { readonly kind: 'may-have-regenerated'; readonly error: RotationError };

export interface RegenerateEnv {
  readonly ringg: RinggApi;
  readonly deadline: Deadline;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly maxRetryAfterMs: number;
  /** Kept free after the PATCH: storing (or rescuing) the key it returns. */
  readonly reserveMs: number;
  requestTimeoutMs(reserveMs: number): number;
  onResult(status: number | string): void;
}

/**
 * Sends the regenerate, retrying only what provably did not regenerate (429 for as long as the time
 * allows, connections that never reached Ringg); an ambiguous answer is probed with the same key.
 */
export async function sendRegenerate(
  env: RegenerateEnv,
  secretName: string,
  apiKey: string,
): Promise<RegenerateOutcome> {
  const { ringg, deadline, sleep, random, reserveMs } = env;
  let lastDetail = 'no attempt fitted in the time left';
  /** An earlier attempt that may have reached Ringg without an answer: Ringg could apply it late. */
  let earlierAmbiguous: string | undefined;
  let attempts = 0;
  for (let round = 1; attempts < MAX_REGENERATE_ATTEMPTS; round++) {
    if (!deadline.allows(MIN_PATCH_MS, reserveMs)) break;
    const result = await ringg.regenerateKey(apiKey, env.requestTimeoutMs(reserveMs));
    env.onResult(traceOf(result));
    const decision = decideAfterRegenerate(result);
    if (result.kind !== 'ok') lastDetail = describeFailure(result);
    if (decision.action !== 'wait-and-retry') attempts++;
    switch (decision.action) {
      case 'store':
        return { kind: 'issued', newKey: decision.newKey };
      case 'fail-unusable':
        return {
          kind: 'may-have-regenerated',
          error: rotationError('new-key-unusable', { secret: secretName, problem: decision.problem }),
        };
      case 'fail-forbidden':
        return {
          kind: 'not-regenerated',
          error: rotationError('permission-denied', { secret: secretName, call: PATCH }),
          rejected: false,
        };
      case 'fail-unauthorized':
        if (earlierAmbiguous) {
          return {
            kind: 'may-have-regenerated',
            error: rotationError('new-key-lost', {
              secret: secretName,
              detail: `an earlier regenerate attempt got no usable answer (${earlierAmbiguous}), the check after it still found the old key valid, and the next attempt was rejected: Ringg most likely applied the earlier attempt late`,
            }),
          };
        }
        return {
          kind: 'not-regenerated',
          error: rotationError('current-key-rejected', { secret: secretName }),
          rejected: true,
        };
      case 'wait-and-retry':
      case 'retry': {
        const fallback = backoffMs(round, 500, 4_000, random);
        const wait = Math.min(
          decision.action === 'wait-and-retry' ? (decision.waitMs ?? fallback) : fallback,
          env.maxRetryAfterMs,
        );
        if (!deadline.allows(wait + MIN_PATCH_MS, reserveMs)) break;
        await sleep(wait);
        continue;
      }
      case 'probe': {
        const probe = await ringg.getWorkspace(apiKey, env.requestTimeoutMs(reserveMs));
        env.onResult(traceOf(probe));
        const verdict = decideAfterProbe(probe);
        if (verdict === 'regenerated-and-lost') {
          return {
            kind: 'may-have-regenerated',
            error: rotationError('new-key-lost', {
              secret: secretName,
              detail: `Ringg answered the regenerate with ${lastDetail}, and the old key is now rejected`,
            }),
          };
        }
        if (verdict === 'unknown') {
          return {
            kind: 'may-have-regenerated',
            error: rotationError('regenerate-outcome-unknown', {
              secret: secretName,
              detail: `regenerate: ${lastDetail}; check: ${probe.kind === 'ok' ? 'ok' : describeFailure(probe)}`,
            }),
          };
        }
        earlierAmbiguous = lastDetail;
        const wait = backoffMs(round, 500, 4_000, random);
        if (!deadline.allows(wait + MIN_PATCH_MS, reserveMs)) break;
        await sleep(wait);
        continue;
      }
    }
    break;
  }
  return {
    kind: 'not-regenerated',
    error: rotationError('ringg-unavailable', {
      secret: secretName,
      action: PATCH,
      detail: lastDetail,
      changed: 'The old key still works and nothing was changed',
    }),
    rejected: false,
  };
}
