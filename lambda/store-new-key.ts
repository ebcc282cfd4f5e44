import { backoffMs } from './deadline.js';
import {
  NewKeyLostError,
  NewKeyRescuedError,
  NewKeyUnsavedError,
  SecretWriteConflictError,
  WrongWorkspaceError,
} from './errors.js';
import { errorName } from './journal.js';
import type { StepContext } from './step-context.js';
import { inconclusiveCheckError, verifyKey } from './verify-key.js';

const MAX_WRITE_ATTEMPTS = 5;
/** Time kept back from the write retries so the rescue write still fits. */
const RESCUE_RESERVE_MS = 3_000;

/**
 * Writes the new secret value to the rotation's version. The key exists nowhere else, so a write
 * that keeps failing puts it in the rescue parameter before the step fails.
 */
export async function storeNewKey(ctx: StepContext, secretValue: string): Promise<void> {
  const { secrets, sleep, random, log } = ctx.deps;
  const { secretId, token, rotationToken } = ctx.event;
  let conflict = false;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    try {
      if ((await secrets.putPending(secretId, token, secretValue, rotationToken)) === 'written') {
        await ctx.journal.record('pending-stored', { regenerate: 'succeeded' });
        return;
      }
      conflict = true;
      break;
    } catch (error) {
      log.warn('writing the new key to Secrets Manager failed', { attempt, error: errorName(error) });
      const wait = backoffMs(attempt, 200, 2_000, random);
      if (attempt === MAX_WRITE_ATTEMPTS || !ctx.deadline.allows(wait + 1_000, RESCUE_RESERVE_MS)) break;
      await sleep(wait);
    }
  }

  const parameter = ctx.names.rescue(token);
  const where = await ctx.deps.rescue.save(parameter, secretValue);
  await ctx.journal.record(where === 'parameter' ? 'rescued' : 'failed', { regenerate: 'succeeded' });
  if (conflict) throw new SecretWriteConflictError(ctx.secret.name, token, parameter);
  if (where === 'parameter') throw new NewKeyRescuedError(ctx.secret.name, token, parameter);
  throw new NewKeyUnsavedError(ctx.secret.name, token);
}

/** Stores a key that an earlier attempt had to park in the rescue parameter, once Ringg confirms it. */
export async function completeRescue(ctx: StepContext, rescuedValue: string, apiKey: string): Promise<void> {
  const name = ctx.secret.name;
  const parameter = ctx.names.rescue(ctx.event.token);
  const verification = await verifyKey(ctx, apiKey, { fresh: true, maxAttempts: 3 });
  switch (verification.kind) {
    case 'rejected':
      throw new NewKeyLostError(
        name,
        `Ringg rejects the key kept in the rescue parameter "${parameter}", so it was regenerated again outside this rotation`,
      );
    case 'forbidden':
    case 'unavailable':
      throw inconclusiveCheckError(
        name,
        verification,
        `The new key is still safe in the rescue parameter "${parameter}"`,
      );
    case 'valid': {
      const expected = ctx.journal.workspaceId;
      if (expected && verification.workspaceId && expected !== verification.workspaceId) {
        throw new WrongWorkspaceError(name, ctx.event.token, expected, verification.workspaceId);
      }
      await storeNewKey(ctx, rescuedValue);
      try {
        await ctx.deps.rescue.remove(parameter);
      } catch (error) {
        ctx.deps.log.warn('the key is stored, but deleting its rescue parameter failed; delete it by hand', {
          parameter,
          error: errorName(error),
        });
      }
    }
  }
}
