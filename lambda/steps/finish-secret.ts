import { PendingVersionEmptyError } from '../errors.js';
import { errorName } from '../journal.js';
import { moveCurrentTo } from '../promote.js';
import { parseOrThrow, readPendingRaw } from '../secret-reads.js';
import { awsTimeoutMs, type StepContext } from '../step-context.js';

/**
 * Moves AWSCURRENT to the rotation's version unless setSecret already did, then closes the rotation.
 * AWSPENDING is never removed here: the service removes it when the rotation completes.
 */
export async function finishSecret(ctx: StepContext): Promise<void> {
  if (ctx.version === 'promoted') {
    ctx.trace.promotion = 'already-promoted';
    ctx.trace.outcome = 'already-promoted';
  } else {
    const raw = await readPendingRaw(ctx, true);
    if (raw === undefined) throw new PendingVersionEmptyError(ctx.secret.name, ctx.event.token);
    const pending = parseOrThrow(ctx, raw, 'AWSPENDING');
    const moved = await moveCurrentTo(ctx, pending.apiKey);
    if (moved.kind === 'not-moved') throw moved.error;
    ctx.trace.promotion = 'promoted';
    ctx.trace.outcome = 'promoted';
  }
  await ctx.journal.record(
    'finished',
    // setSecret's record stands unless it could not tell that its move was applied (its answer lost).
    ctx.version === 'promoted' && ctx.journal.promotionState === 'promoted'
      ? {}
      : { promotion: { state: 'promoted' } },
  );
  await removeIntents(ctx);
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
