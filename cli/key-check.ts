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

/** `GET /workspace` with the key; 5xx, 429 and network errors are retried twice. */
export async function checkWithRingg(ctx: CliContext, key: string): Promise<KeyCheck> {
  let detail = 'no answer';
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (attempt > 1) await ctx.io.sleep(500 * attempt);
    const result = await ctx.ringg.getWorkspace(key, 15_000);
    if (result.kind === 'ok') return { kind: 'valid', workspaceId: result.workspaceId };
    if (result.kind === 'status' && (result.status === 401 || result.status === 403))
      return { kind: 'rejected', status: result.status };
    detail = describeFailure(result);
    if (result.kind === 'status' && result.status < 500 && result.status !== 429) break;
  }
  return { kind: 'unavailable', detail };
}
