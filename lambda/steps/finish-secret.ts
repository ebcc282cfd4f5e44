import { PendingVersionEmptyError } from '../errors.js';
import { errorName } from '../journal.js';
import { parseOrThrow, readPendingRaw } from '../secret-reads.js';
import { awsTimeoutMs, type StepContext } from '../step-context.js';
import { versionWithStage } from '../version-guard.js';

/** Moves AWSCURRENT to the rotation's version: the only place it ever moves. */
export async function finishSecret(ctx: StepContext): Promise<void> {
  const raw = await readPendingRaw(ctx, true);
  if (raw === undefined) throw new PendingVersionEmptyError(ctx.secret.name, ctx.event.token);
  parseOrThrow(ctx, raw, 'AWSPENDING');
  const currentVersion = versionWithStage(ctx.secret, 'AWSCURRENT');
  await ctx.deps.secrets.promote(ctx.event.secretId, ctx.event.token, currentVersion, awsTimeoutMs(ctx));
  await ctx.journal.record('finished');
  await removeIntents(ctx);
  ctx.trace.outcome = 'promoted';
}

/** The rotation is over: its regenerate intents have served (best effort; they only cost a parameter each). */
async function removeIntents(ctx: StepContext): Promise<void> {
  const { intents } = ctx.deps;
  try {
    const latest = await intents.latest(ctx.names, ctx.event.token, () => awsTimeoutMs(ctx));
    const count = latest.kind === 'found' ? latest.generation : 0;
    for (let generation = 1; generation <= count; generation++) {
      await intents.remove(ctx.names.intent(ctx.event.token, generation), awsTimeoutMs(ctx));
    }
  } catch (error) {
    ctx.log.warn('the rotation finished, but deleting its regenerate intents failed; delete them by hand', {
      error: errorName(error),
    });
  }
}
