import { parseSecretValue, type SecretValue } from '../common/secret-value.js';
import { InvalidSecretValueError } from './errors.js';
import { awsTimeoutMs, type StepContext } from './step-context.js';

const PENDING_READ_RETRIES = 3;

export async function readCurrentValue(ctx: StepContext): Promise<SecretValue> {
  const raw = await ctx.deps.secrets.getCurrent(ctx.event.secretId, awsTimeoutMs(ctx));
  return parseOrThrow(ctx, raw, 'AWSCURRENT');
}

/**
 * The rotation's pending value, or undefined while it is the empty stub. When a value is known to
 * have been written, an empty answer is retried: a read right after a write can briefly miss it.
 */
export async function readPendingRaw(
  ctx: StepContext,
  expectValue = ctx.journal.newKeySaved,
): Promise<string | undefined> {
  const { secrets, sleep } = ctx.deps;
  let value = await secrets.getPending(ctx.event.secretId, ctx.event.token, awsTimeoutMs(ctx));
  for (let retry = 1; value === undefined && expectValue && retry <= PENDING_READ_RETRIES; retry++) {
    if (!ctx.deadline.allows(200 * retry + 500)) break;
    await sleep(200 * retry);
    value = await secrets.getPending(ctx.event.secretId, ctx.event.token, awsTimeoutMs(ctx));
  }
  return value;
}

export function parseOrThrow(ctx: StepContext, raw: string | undefined, label: string): SecretValue {
  const parsed = parseSecretValue(raw);
  if (!parsed.ok) throw new InvalidSecretValueError(ctx.secret.name, label, parsed.problem);
  ctx.deps.log.redact(parsed.value.apiKey);
  return parsed.value;
}
