import { MIN_CHECK_ATTEMPT_MS } from '../common/key-check.js';
import { parseSecretValue } from '../common/secret-value.js';
import { errorName } from './journal.js';
import { decidePromotion, type PromotionFacts } from './recovery-state-machine.js';
import { readPendingRaw } from './secret-reads.js';
import { awsTimeoutMs, type StepContext } from './step-context.js';
import { describeProof, judgeNewKey, verifyKey } from './verify-key.js';
import { versionWithStage } from './version-guard.js';

/** Attempts of the proof in setSecret: the same patience testSecret has for a fresh key. */
const PROOF_ATTEMPTS = 5;

export type MoveResult =
  | { readonly kind: 'moved' }
  | { readonly kind: 'not-moved'; readonly reason: string; readonly error: unknown };

/**
 * Moves AWSCURRENT to the rotation's version (AWSPREVIOUS follows on its own; AWSPENDING stays for the
 * service to clean up when the rotation completes). The mirror is written first: from this moment on
 * it is the live key. A move that answers with an error is looked at again: if the version holds
 * AWSCURRENT, the move was applied and only its answer was lost.
 */
export async function moveCurrentTo(ctx: StepContext, apiKey: string): Promise<MoveResult> {
  const { secrets, mirror } = ctx.deps;
  const { secretId, token } = ctx.event;
  if (mirror) {
    // At most half the time left: the move itself matters more than the mirror.
    const mirrorMs = Math.min(awsTimeoutMs(ctx), ctx.deadline.remainingMs() / 2);
    ctx.trace.mirror = (await mirror.write(ctx.secret.name, apiKey, mirrorMs)) ? 'written' : 'failed';
  }
  try {
    await secrets.promote(secretId, token, versionWithStage(ctx.secret, 'AWSCURRENT'), awsTimeoutMs(ctx));
    return { kind: 'moved' };
  } catch (error) {
    try {
      const now = await secrets.describe(secretId, awsTimeoutMs(ctx));
      if (now.versions[token]?.includes('AWSCURRENT')) {
        ctx.log.info(
          'UpdateSecretVersionStage answered with an error, but the version is AWSCURRENT: it was applied',
          {
            error: errorName(error),
          },
        );
        return { kind: 'moved' };
      }
    } catch (again) {
      ctx.log.warn('could not look whether the failed AWSCURRENT move was applied', {
        error: errorName(again),
      });
      return {
        kind: 'not-moved',
        reason:
          `UpdateSecretVersionStage failed (${errorName(error)}) and whether it was applied could not be looked ` +
          `up (${errorName(again)}): it may have moved; the next step sees the labels and confirms or moves it`,
        error,
      };
    }
    return { kind: 'not-moved', reason: `UpdateSecretVersionStage failed: ${errorName(error)}`, error };
  }
}

/**
 * setSecret, with the new key stored as AWSPENDING: proves it with Ringg and moves AWSCURRENT to it in
 * the same invocation (decisions in recovery-state-machine.ts, `decidePromotion`). Never fails the step:
 * a key that is not proven, or not in time, stays AWSPENDING for testSecret and finishSecret, and the
 * log line and the journal say why. The proof and the move keep the rescue reserve, which the stored
 * key no longer needs, free for the move and the journal.
 */
export async function promoteIfProven(ctx: StepContext): Promise<void> {
  const reserveMs = ctx.deps.config.rescueReserveMs;
  let facts: PromotionFacts = {
    versionIsCurrent: ctx.version === 'promoted',
    proof: 'unchecked',
    timeForProof: ctx.deadline.allows(MIN_CHECK_ATTEMPT_MS, reserveMs),
  };
  let apiKey: string | undefined;
  let reason = 'no time left in setSecret to prove the new key and move AWSCURRENT';
  for (;;) {
    const action = decidePromotion(facts);
    switch (action.kind) {
      case 'already-promoted':
        ctx.trace.promotion = 'already-promoted';
        return;
      case 'prove': {
        const parsed = await readPendingRaw(ctx, true).then(parseSecretValue, (error: unknown) => ({
          ok: false as const,
          problem: errorName(error),
        }));
        if (!parsed.ok) {
          reason = `the stored value could not be read back: ${parsed.problem}`;
          facts = { ...facts, proof: 'not-proven' };
          continue;
        }
        ctx.deps.log.redact(parsed.value.apiKey);
        apiKey = parsed.value.apiKey;
        const verification = await verifyKey(ctx, apiKey, {
          fresh: true,
          maxAttempts: PROOF_ATTEMPTS,
          reserveMs,
        });
        const proof = judgeNewKey(verification, ctx.secret.workspaceTag, apiKey);
        reason = describeProof(proof);
        facts = { ...facts, proof: proof.kind === 'proven' ? 'proven' : 'not-proven' };
        continue;
      }
      case 'promote': {
        if (apiKey === undefined) throw new Error('unreachable: promote without a proven key');
        const moved = await moveCurrentTo(ctx, apiKey);
        if (moved.kind === 'moved') {
          ctx.trace.promotion = 'promoted';
          await ctx.journal.record('promoted', { promotion: { state: 'promoted' } });
          return;
        }
        reason = moved.reason;
        return leavePending(ctx, reason);
      }
      case 'leave-pending':
        return leavePending(ctx, reason);
    }
  }
}

async function leavePending(ctx: StepContext, reason: string): Promise<void> {
  ctx.trace.promotion = 'deferred';
  ctx.trace.promotionDeferredBecause = reason;
  ctx.log.warn('the new key is stored as AWSPENDING but not promoted yet; testSecret and finishSecret will', {
    reason,
  });
  await ctx.journal.record('pending-stored', { promotion: { state: 'deferred', reason } });
}
