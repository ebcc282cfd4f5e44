import { CurrentKeyRejectedError, KeyMismatchError, NewKeyRejectedError } from '../errors.js';
import { parseOrThrow, readCurrentValue, readPendingRaw } from '../secret-reads.js';
import { awsTimeoutMs, type StepContext } from '../step-context.js';
import { inconclusiveCheckError, requireTaggedWorkspace, verifyKey } from '../verify-key.js';

/**
 * Proves the pending key works for the same workspace. With nothing new pending (the configuration
 * test of RotateImmediately=false and of CloudFormation), proves the current key instead.
 */
export async function testSecret(ctx: StepContext): Promise<void> {
  const name = ctx.secret.name;
  const token = ctx.event.token;
  const current = await readCurrentValue(ctx);
  const raw = await readPendingRaw(ctx);
  const pending = raw === undefined ? undefined : parseOrThrow(ctx, raw, 'AWSPENDING');

  if (pending === undefined || pending.apiKey === current.apiKey) {
    const verification = await verifyKey(ctx, current.apiKey, { fresh: false, maxAttempts: 3 });
    if (verification.kind === 'valid') {
      ctx.trace.outcome = 'configuration-test-passed';
      return;
    }
    if (verification.kind === 'rejected') throw new CurrentKeyRejectedError(name);
    throw inconclusiveCheckError(name, verification);
  }

  const verification = await verifyKey(ctx, pending.apiKey, { fresh: true, maxAttempts: 5 });
  switch (verification.kind) {
    case 'rejected':
      throw new NewKeyRejectedError(name, token, 'HTTP 401 on every attempt');
    case 'forbidden':
    case 'unavailable':
      throw inconclusiveCheckError(name, verification, 'The new key is safe in AWSPENDING');
    case 'valid': {
      // Fail closed: the new key is promoted only when Ringg names its workspace and it is the tag's.
      requireTaggedWorkspace(ctx, verification.workspaceId, 'new');
      if (verification.apiKey !== undefined && verification.apiKey !== pending.apiKey) {
        throw new KeyMismatchError(name, token);
      }
      await ctx.journal.record('tested', { workspaceId: verification.workspaceId });
      const mirrored = await ctx.deps.mirror?.write(ctx.secret.name, pending.apiKey, awsTimeoutMs(ctx));
      ctx.trace.outcome = mirrored === false ? 'new-key-verified, mirror failed' : 'new-key-verified';
    }
  }
}
