import { advanceRotation } from '../advance-rotation.js';
import { promoteIfProven } from '../promote.js';
import type { StepContext } from '../step-context.js';

/**
 * Stores the rotation's new key, regenerating at most once per token (see recovery-state-machine.ts):
 * a stored or rescued key is never regenerated again, and a regenerate is only sent by the delivery
 * that recorded its create-once intent. Then, since Ringg has already killed the old key, proves the
 * new one and moves AWSCURRENT to it at once (promote.ts); if it cannot, the version stays AWSPENDING.
 */
export async function setSecret(ctx: StepContext): Promise<void> {
  if (ctx.version === 'promoted') {
    // Stored and moved by an earlier delivery: nothing is regenerated, written or moved again.
    ctx.trace.outcome = 'new-key-already-promoted';
    ctx.trace.promotion = 'already-promoted';
    return;
  }
  await advanceRotation(ctx, 'regenerate');
  await promoteIfProven(ctx);
}
