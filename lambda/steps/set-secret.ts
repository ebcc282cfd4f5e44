import { advanceRotation } from '../advance-rotation.js';
import { promoteIfProven } from '../promote.js';
import type { StepContext } from '../step-context.js';

/**
 * Stores the rotation's new key (see recovery-state-machine.ts): a stored or rescued key is never
 * regenerated again; only the delivery that created intent generation n sends PATCHes, another only
 * after an answer proving the previous one did not regenerate; a next generation starts only once the
 * current key is checked again and still works. Then, since Ringg has already killed the old key, proves the
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
