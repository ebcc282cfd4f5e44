import { advanceRotation } from '../advance-rotation.js';
import type { StepContext } from '../step-context.js';

/**
 * Proves the current key works, belongs to the secret's workspace (recording it in the secret's tag
 * the first time) and leaves room for the new value. Never regenerates: only Ringg can make the new
 * key, so the AWSPENDING version stays empty until setSecret.
 */
export async function createSecret(ctx: StepContext): Promise<void> {
  if (ctx.version === 'promoted') {
    ctx.trace.outcome = 'new-key-already-promoted';
    return;
  }
  await advanceRotation(ctx, 'check');
}
