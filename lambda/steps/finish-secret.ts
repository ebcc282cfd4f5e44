import { PendingVersionEmptyError } from '../errors.js';
import { parseOrThrow, readPendingRaw } from '../secret-reads.js';
import type { StepContext } from '../step-context.js';
import { versionWithStage } from '../version-guard.js';

/** Moves AWSCURRENT to the rotation's version: the only place it ever moves. */
export async function finishSecret(ctx: StepContext): Promise<void> {
  const raw = await readPendingRaw(ctx, true);
  if (raw === undefined) throw new PendingVersionEmptyError(ctx.secret.name, ctx.event.token);
  parseOrThrow(ctx, raw, 'AWSPENDING');
  const currentVersion = versionWithStage(ctx.secret, 'AWSCURRENT');
  await ctx.deps.secrets.promote(ctx.event.secretId, ctx.event.token, currentVersion);
  await ctx.journal.record('finished');
  ctx.trace.outcome = 'promoted';
}
