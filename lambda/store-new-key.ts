import { MIN_WRITE_ATTEMPT_MS } from '../common/function-settings.js';
import { formatWithKey, type SecretValue } from '../common/secret-value.js';
import { backoffMs } from './deadline.js';
import {
  NewKeyLostError,
  NewKeyRescuedError,
  NewKeyUnsavedError,
  RescueUnreadableError,
  SecretWriteConflictError,
} from './errors.js';
import { errorName } from './journal.js';
import { awsTimeoutMs, type StepContext } from './step-context.js';
import { inconclusiveCheckError, requireTaggedWorkspace, verifyKey } from './verify-key.js';

const MAX_WRITE_ATTEMPTS = 5;

/**
 * Writes the new key, in the format of `current`, to the rotation's version. The key exists nowhere
 * else, so every write leaves the rescue reserve free, and a write that keeps failing (or runs out of
 * time) puts the key in the rescue parameter before the step fails.
 */
export async function storeNewKey(
  ctx: StepContext,
  current: SecretValue,
  newKey: string,
  workspaceId: string,
): Promise<void> {
  const { secrets, sleep, random, log, config } = ctx.deps;
  const { secretId, token, rotationToken } = ctx.event;
  const secretValue = formatWithKey(current, newKey);
  let conflict = false;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    if (!ctx.deadline.allows(MIN_WRITE_ATTEMPT_MS, config.rescueReserveMs)) break;
    const timeoutMs = awsTimeoutMs(ctx, config.rescueReserveMs);
    try {
      if ((await secrets.putPending(secretId, token, secretValue, rotationToken, timeoutMs)) === 'written') {
        await ctx.journal.record('pending-stored', { regenerate: 'succeeded' });
        return;
      }
      conflict = true;
      break;
    } catch (error) {
      log.warn('writing the new key to Secrets Manager failed', { attempt, error: errorName(error) });
      const wait = backoffMs(attempt, 200, 2_000, random);
      if (!ctx.deadline.allows(wait + MIN_WRITE_ATTEMPT_MS, config.rescueReserveMs)) break;
      await sleep(wait);
    }
  }

  const parameter = ctx.names.rescue(token);
  const where = await ctx.deps.rescue.save(
    parameter,
    { token, workspaceId, apiKey: newKey },
    ctx.secret.kmsKeyId,
    awsTimeoutMs(ctx),
  );
  await ctx.journal.record(where === 'parameter' ? 'rescued' : 'failed', { regenerate: 'succeeded' });
  if (conflict && where === 'parameter')
    throw new SecretWriteConflictError(ctx.secret.name, token, parameter);
  if (where === 'parameter') throw new NewKeyRescuedError(ctx.secret.name, token, parameter);
  throw new NewKeyUnsavedError(ctx.secret.name, token);
}

/**
 * Stores a key that an earlier attempt had to park in the rescue parameter, once Ringg confirms it
 * and its workspace is the secret's tag. Only the key comes from the parameter; the format and every
 * other field come from AWSCURRENT.
 */
export async function completeRescue(ctx: StepContext, current: SecretValue, apiKey: string): Promise<void> {
  ctx.deps.log.redact(apiKey);
  const name = ctx.secret.name;
  const parameter = ctx.names.rescue(ctx.event.token);
  const verification = await verifyKey(ctx, apiKey, { fresh: true, maxAttempts: 3 });
  switch (verification.kind) {
    case 'rejected': {
      // Only dead keys on both sides mean the key is lost; a live current key means the rescue is bogus.
      const currentCheck = await verifyKey(ctx, current.apiKey, { fresh: false, maxAttempts: 2 });
      if (currentCheck.kind === 'valid') {
        throw new RescueUnreadableError(
          name,
          parameter,
          'Ringg rejects its key, and the AWSCURRENT key still works',
        );
      }
      throw new NewKeyLostError(
        name,
        `Ringg rejects the key kept in the rescue parameter "${parameter}", so it was regenerated again outside this rotation`,
      );
    }
    case 'forbidden':
    case 'unavailable':
      throw inconclusiveCheckError(
        name,
        verification,
        `The new key is still safe in the rescue parameter "${parameter}"`,
      );
    case 'valid': {
      requireTaggedWorkspace(ctx, verification.workspaceId, 'rescued');
      await storeNewKey(ctx, current, apiKey, verification.workspaceId ?? '');
      try {
        await ctx.deps.rescue.remove(parameter, awsTimeoutMs(ctx));
      } catch (error) {
        ctx.deps.log.warn('the key is stored, but deleting its rescue parameter failed; delete it by hand', {
          parameter,
          error: errorName(error),
        });
      }
    }
  }
}
