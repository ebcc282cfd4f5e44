import { CurrentKeyRejectedError, NewKeyNotReadableError } from '../errors.js';
import { intentFact } from '../recovery-state-machine.js';
import { parseOrThrow, readCurrentValue, readPendingRaw } from '../secret-reads.js';
import { awsTimeoutMs, type StepContext } from '../step-context.js';
import { inconclusiveCheckError, judgeNewKey, proofError, verifyKey } from '../verify-key.js';
import { versionWithStage } from '../version-guard.js';

/**
 * Proves the rotation's key works for the secret's workspace: the pending key, or, when setSecret has
 * already promoted it, the same key as AWSCURRENT. With nothing new pending (the configuration test of
 * RotateImmediately=false and of CloudFormation), proves the current key instead.
 */
export async function testSecret(ctx: StepContext): Promise<void> {
  const pendingElsewhere = versionWithStage(ctx.secret, 'AWSPENDING');
  if (ctx.version === 'already-current' && pendingElsewhere && pendingElsewhere !== ctx.event.token) {
    // This rotation completed and a newer one (which may already have regenerated) is under way: the
    // key of this version may be dead by design, and the newer rotation proves its own.
    ctx.trace.outcome = `superseded-by-rotation ${pendingElsewhere}`;
    return;
  }
  const current = await readCurrentValue(ctx);
  if (ctx.version !== 'proceed') {
    // The rotation's version is AWSCURRENT: its key is `current`.
    await proveNewKey(ctx, current.apiKey, 'promoted-key-verified');
    return;
  }
  const raw = await readPendingRaw(ctx);
  const pending = raw === undefined ? undefined : parseOrThrow(ctx, raw, 'AWSPENDING');

  if (pending === undefined || pending.apiKey === current.apiKey) {
    const verification = await verifyKey(ctx, current.apiKey, { fresh: false, maxAttempts: 3 });
    if (verification.kind === 'valid') {
      ctx.trace.outcome = 'configuration-test-passed';
      return;
    }
    if (verification.kind === 'rejected') {
      await pendingKeyOrThrow(ctx);
      return;
    }
    throw inconclusiveCheckError(ctx.secret.name, verification);
  }
  await proveNewKey(ctx, pending.apiKey, 'new-key-verified');
}

/**
 * The current key is dead and the pending version read empty. A read right after setSecret's write can
 * miss it, and a journal write that said "stored" can be lost: read again, expecting a value. Still
 * empty, an intent of this rotation means a regenerate may have happened and its key be on its way;
 * only without one was the key changed outside the rotation.
 */
async function pendingKeyOrThrow(ctx: StepContext): Promise<void> {
  const raw = await readPendingRaw(ctx, true);
  if (raw !== undefined) {
    const pending = parseOrThrow(ctx, raw, 'AWSPENDING');
    await proveNewKey(ctx, pending.apiKey, 'new-key-verified');
    return;
  }
  const intent = await ctx.deps.intents.latest(ctx.names, ctx.event.token, () => awsTimeoutMs(ctx));
  const fact = intentFact(intent, ctx.deps.now());
  if (fact.kind === 'live' || (fact.kind === 'ended' && fact.outcome !== 'not-regenerated')) {
    throw new NewKeyNotReadableError(ctx.secret.name, ctx.event.token, fact.generation);
  }
  throw new CurrentKeyRejectedError(ctx.secret.name);
}

async function proveNewKey(ctx: StepContext, apiKey: string, outcome: string): Promise<void> {
  const verification = await verifyKey(ctx, apiKey, { fresh: true, maxAttempts: 5 });
  const proof = judgeNewKey(verification, ctx.secret.workspaceTag, apiKey);
  if (proof.kind !== 'proven') {
    throw proofError(
      ctx,
      proof,
      'new',
      ctx.version === 'proceed' ? 'The new key is safe in AWSPENDING' : 'The new key is AWSCURRENT',
    );
  }
  // A complete rotation (AWSPENDING already removed) may be followed by another: leave its journal be.
  if (ctx.version !== 'already-current') {
    await ctx.journal.record('tested', { workspaceId: proof.workspaceId });
  }
  ctx.trace.outcome = outcome;
}
