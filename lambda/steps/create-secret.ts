import { CurrentKeyRejectedError, NewKeyLostError } from '../errors.js';
import { readCurrentValue, readPendingRaw } from '../secret-reads.js';
import type { StepContext } from '../step-context.js';
import { inconclusiveCheckError, verifyKey } from '../verify-key.js';

/**
 * Proves the current key works and records its workspace. Never regenerates: only Ringg can make the
 * new key, so the AWSPENDING version stays empty until setSecret.
 */
export async function createSecret(ctx: StepContext): Promise<void> {
  if ((await readPendingRaw(ctx)) !== undefined) {
    ctx.trace.outcome = 'new-key-already-stored';
    return;
  }
  const current = await readCurrentValue(ctx);
  const verification = await verifyKey(ctx, current.apiKey, { fresh: false, maxAttempts: 3 });
  switch (verification.kind) {
    case 'valid':
      await ctx.journal.record('current-key-verified', { workspaceId: verification.workspaceId });
      ctx.trace.outcome = 'current-key-verified';
      return;
    case 'rejected':
      if ((await ctx.deps.rescue.read(ctx.names.rescue(ctx.event.token))) !== undefined) {
        ctx.trace.outcome = 'new-key-waiting-in-rescue';
        return;
      }
      if (ctx.journal.regenerateInFlight) {
        throw new NewKeyLostError(
          ctx.secret.name,
          'an earlier attempt of this rotation sent the regenerate, its answer never arrived, and Ringg now rejects the old key',
        );
      }
      throw new CurrentKeyRejectedError(ctx.secret.name);
    case 'forbidden':
    case 'unavailable':
      throw inconclusiveCheckError(ctx.secret.name, verification);
  }
}
