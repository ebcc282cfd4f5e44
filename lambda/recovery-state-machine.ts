import { type IntentObservation, MAX_REGENERATE_INTENTS } from './intent-store.js';

/**
 * The one place that decides what a createSecret or setSecret delivery does next, from what it has
 * observed. Pure: the step modules gather the facts, run the action, and ask again. Exactly-once
 * regenerate holds because:
 * - a regenerate is only sent after its create-once intent was recorded (`regenerate`), so a later
 *   attempt always knows one may have been sent, and two deliveries can never own the same generation;
 * - a stored (pending) or rescued key always wins over everything else, and nothing is ever advised
 *   that would kill it;
 * - a live intent of another delivery is waited for, never raced;
 * - a generation is only taken over once its owner is certainly over and Ringg still accepts the
 *   current key (so that owner cannot have regenerated);
 * - the workspace the new key must belong to is the secret's tag, checked against Ringg's own answer
 *   for the current key before any regenerate.
 */
export type Mode =
  /** createSecret: proves the current key and records its workspace; never regenerates. */
  | 'check'
  /** setSecret: stores the rotation's new key; sends a regenerate only as the owner of a new intent generation. */
  | 'regenerate';

export type IntentFact =
  | { readonly kind: 'none' }
  /** Another delivery owns this generation and may still be running until `until` (epoch ms). */
  | { readonly kind: 'live'; readonly generation: number; readonly until: number }
  /** The owner is over. `not-regenerated`: it recorded that it did not regenerate. */
  | { readonly kind: 'ended'; readonly generation: number; readonly outcome: 'unknown' | 'not-regenerated' };

export type CurrentKeyFact = 'unchecked' | 'works' | 'rejected' | 'forbidden' | 'unavailable';

/** The secret's tag against Ringg's answer for the current key (meaningful once the key works). */
export type IdentityFact = 'confirmed' | 'untagged' | 'mismatch' | 'unknown';

export interface Facts {
  readonly mode: Mode;
  readonly pending: 'filled' | 'empty';
  readonly rescue: 'none' | 'found' | 'unreadable';
  readonly intent: IntentFact;
  readonly currentKey: CurrentKeyFact;
  readonly identity: IdentityFact;
  /** The new value fits Secrets Manager whatever key Ringg issues. */
  readonly roomForNewKey: boolean;
  /** There is time left to wait a poll interval for another delivery's outcome. */
  readonly canWait: boolean;
}

export type FailureCode =
  | 'rescue-unreadable'
  | 'regenerate-in-progress'
  | 'current-key-rejected'
  | 'new-key-lost'
  | 'permission-denied'
  | 'ringg-unavailable'
  | 'wrong-workspace'
  | 'workspace-unknown'
  | 'secret-too-large'
  | 'too-many-regenerate-attempts';

export type Action =
  | {
      readonly kind: 'done';
      readonly outcome: 'new-key-already-stored' | 'new-key-waiting-in-rescue' | 'current-key-verified';
    }
  | { readonly kind: 'complete-rescue' }
  | { readonly kind: 'wait-for-other-delivery' }
  | { readonly kind: 'check-current-key' }
  | { readonly kind: 'record-workspace-tag' }
  /** Create intent `generation` (create-once); only if that succeeds, send the regenerate. */
  | { readonly kind: 'regenerate'; readonly generation: number }
  | { readonly kind: 'fail'; readonly code: FailureCode };

export function decideNextAction(f: Facts): Action {
  if (f.pending === 'filled') return { kind: 'done', outcome: 'new-key-already-stored' };
  if (f.rescue === 'unreadable') return { kind: 'fail', code: 'rescue-unreadable' };
  if (f.rescue === 'found') {
    return f.mode === 'check'
      ? { kind: 'done', outcome: 'new-key-waiting-in-rescue' }
      : { kind: 'complete-rescue' };
  }
  if (f.intent.kind === 'live') {
    return f.canWait ? { kind: 'wait-for-other-delivery' } : { kind: 'fail', code: 'regenerate-in-progress' };
  }
  switch (f.currentKey) {
    case 'unchecked':
      return { kind: 'check-current-key' };
    case 'rejected':
      // An intent whose owner never said "not regenerated": its regenerate may have killed the key.
      return f.intent.kind === 'ended' && f.intent.outcome === 'unknown'
        ? { kind: 'fail', code: 'new-key-lost' }
        : { kind: 'fail', code: 'current-key-rejected' };
    case 'forbidden':
      return { kind: 'fail', code: 'permission-denied' };
    case 'unavailable':
      return { kind: 'fail', code: 'ringg-unavailable' };
    case 'works':
      break;
  }
  if (f.identity === 'mismatch') return { kind: 'fail', code: 'wrong-workspace' };
  if (f.identity === 'unknown') return { kind: 'fail', code: 'workspace-unknown' };
  if (f.identity === 'untagged') return { kind: 'record-workspace-tag' };
  if (!f.roomForNewKey) return { kind: 'fail', code: 'secret-too-large' };
  if (f.mode === 'check') return { kind: 'done', outcome: 'current-key-verified' };
  const generation = f.intent.kind === 'none' ? 1 : f.intent.generation + 1;
  if (generation > MAX_REGENERATE_INTENTS) return { kind: 'fail', code: 'too-many-regenerate-attempts' };
  return { kind: 'regenerate', generation };
}

/** A little longer than Lambda's longest timeout: no owner can still run past its own expiry plus this. */
export const INTENT_CLOCK_GRACE_MS = 2_000;
/**
 * Lambda's longest function timeout; an intent claiming to live longer was not written by an owner.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
 */
export const LAMBDA_MAX_TIMEOUT_MS = 900_000;

/** What an observed intent means at `now`. An intent that does not parse counts as "may have regenerated". */
export function intentFact(observed: IntentObservation, now: number): IntentFact {
  if (observed.kind === 'none') return { kind: 'none' };
  const { generation, record } = observed;
  if (record === undefined) return { kind: 'ended', generation, outcome: 'unknown' };
  if (record.outcome === 'not-regenerated') return { kind: 'ended', generation, outcome: 'not-regenerated' };
  if (record.outcome === 'ended') return { kind: 'ended', generation, outcome: 'unknown' };
  const until = Date.parse(record.expiresAt) + INTENT_CLOCK_GRACE_MS;
  if (until <= now || until > now + LAMBDA_MAX_TIMEOUT_MS + INTENT_CLOCK_GRACE_MS) {
    return { kind: 'ended', generation, outcome: 'unknown' };
  }
  return { kind: 'live', generation, until };
}

/** The secret's workspace tag against the workspace Ringg reports for the current key. */
export function identityFact(tag: string | undefined, ringgWorkspaceId: string | undefined): IdentityFact {
  if (ringgWorkspaceId === undefined) return 'unknown';
  if (tag === undefined || tag === '') return 'untagged';
  return tag === ringgWorkspaceId ? 'confirmed' : 'mismatch';
}

/**
 * setSecret, once the new key is stored (every non-failing end of `decideNextAction` in `regenerate`
 * mode): Ringg already killed the old key, so AWSCURRENT holds a dead key until it moves. It moves in
 * the same invocation as soon as Ringg proves the new key; a key that is not proven (or not in time)
 * stays AWSPENDING, and testSecret and finishSecret decide as they always did.
 */
export interface PromotionFacts {
  /** The rotation's version already holds AWSCURRENT: an earlier delivery of this rotation moved it. */
  readonly versionIsCurrent: boolean;
  /** `not-proven`: Ringg rejected it, did not answer usefully, or named another workspace or key. */
  readonly proof: 'unchecked' | 'proven' | 'not-proven';
  /** The step has time for a proof attempt and, after it, the reserve for moving AWSCURRENT. */
  readonly timeForProof: boolean;
}

export type PromotionAction =
  | { readonly kind: 'already-promoted' }
  /** GET /workspace with the new key (retrying a fresh key's brief 401s), leaving the move's reserve. */
  | { readonly kind: 'prove' }
  /** Write the mirror, then UpdateSecretVersionStage AWSCURRENT → the rotation's version. */
  | { readonly kind: 'promote' }
  /** Log and journal why; setSecret still succeeds (the key is stored), testSecret and finishSecret go on. */
  | { readonly kind: 'leave-pending'; readonly why: 'no-time' | 'not-proven' };

export function decidePromotion(f: PromotionFacts): PromotionAction {
  if (f.versionIsCurrent) return { kind: 'already-promoted' };
  if (f.proof === 'proven') return { kind: 'promote' };
  if (f.proof === 'not-proven') return { kind: 'leave-pending', why: 'not-proven' };
  return f.timeForProof ? { kind: 'prove' } : { kind: 'leave-pending', why: 'no-time' };
}
