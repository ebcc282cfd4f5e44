import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { parseSecretValue, type SecretValue } from '../common/secret-value.js';
import { describeFailure } from '../lambda/ringg-policy.js';
import type { CliContext } from './context.js';

export type CurrentValue =
  | { readonly kind: 'read'; readonly value: SecretValue }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** The AWSCURRENT value, or why it could not be read (e.g. a CI role without GetSecretValue). */
export async function readCurrentValue(ctx: CliContext, secretId: string): Promise<CurrentValue> {
  try {
    const out = await ctx.sm.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
    );
    const parsed = parseSecretValue(out.SecretString);
    return parsed.ok
      ? { kind: 'read', value: parsed.value }
      : { kind: 'unreadable', reason: `the value is not a Ringg key: ${parsed.problem}` };
  } catch (error) {
    return {
      kind: 'unreadable',
      reason: `${error instanceof Error ? error.name : 'error'} reading the secret`,
    };
  }
}

export type KeyCheck =
  | { readonly kind: 'valid'; readonly workspaceId: string | undefined }
  | { readonly kind: 'rejected'; readonly status: number }
  | { readonly kind: 'unavailable'; readonly detail: string };

/** Attempts of a check that Ringg answers with 5xx or not at all, and with 429 (rate limited). */
const MAX_ATTEMPTS = 3;
const MAX_RATE_LIMITED_ATTEMPTS = 8;

/**
 * `GET /workspace` with the key; 5xx and network errors are retried twice, a 429 up to 7 times after
 * its Retry-After (at most 10 s), since a bulk rotation shares Ringg's rate limit with the function.
 */
export async function checkWithRingg(ctx: CliContext, key: string): Promise<KeyCheck> {
  let detail = 'no answer';
  for (let attempt = 1; ; attempt++) {
    const result = await ctx.ringg.getWorkspace(key, 15_000);
    if (result.kind === 'ok') return { kind: 'valid', workspaceId: result.workspaceId };
    if (result.kind === 'status' && (result.status === 401 || result.status === 403))
      return { kind: 'rejected', status: result.status };
    detail = describeFailure(result);
    const rateLimited = result.kind === 'status' && result.status === 429;
    if (result.kind === 'status' && result.status < 500 && !rateLimited) break;
    if (attempt >= (rateLimited ? MAX_RATE_LIMITED_ATTEMPTS : MAX_ATTEMPTS)) break;
    await ctx.io.sleep(rateLimited ? Math.min(result.retryAfterMs ?? 1_000, 10_000) : 500 * (attempt + 1));
  }
  return { kind: 'unavailable', detail };
}
