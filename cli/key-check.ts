import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { checkKey, type Verification } from '../common/key-check.js';
import { parseSecretValue, type SecretValue } from '../common/secret-value.js';
import type { CliContext } from './context.js';

export type CurrentValue =
  | { readonly kind: 'read'; readonly value: SecretValue }
  /** `denied`: this role may not read the value (AccessDeniedException), so nothing is known of it. */
  | { readonly kind: 'unreadable'; readonly reason: string; readonly denied?: boolean };

/** The AWSCURRENT value, or why it could not be read (e.g. a CI role without GetSecretValue). */
export function readCurrentValue(ctx: CliContext, secretId: string): Promise<CurrentValue> {
  return readValue(ctx, secretId, { VersionStage: 'AWSCURRENT' });
}

/** The value of one version, by its id. */
export function readVersionValue(
  ctx: CliContext,
  secretId: string,
  versionId: string,
): Promise<CurrentValue> {
  return readValue(ctx, secretId, { VersionId: versionId });
}

async function readValue(
  ctx: CliContext,
  secretId: string,
  which: { VersionStage: string } | { VersionId: string },
): Promise<CurrentValue> {
  try {
    const out = await ctx.sm.send(new GetSecretValueCommand({ SecretId: secretId, ...which }));
    const parsed = parseSecretValue(out.SecretString);
    if (parsed.ok) ctx.io.redact?.(parsed.value.apiKey);
    return parsed.ok
      ? { kind: 'read', value: parsed.value }
      : { kind: 'unreadable', reason: `the value is not a Ringg key: ${parsed.problem}` };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    return {
      kind: 'unreadable',
      reason: `${name} reading the secret`,
      ...(name === 'AccessDeniedException' ? { denied: true } : {}),
    };
  }
}

export type KeyCheck =
  | { readonly kind: 'valid'; readonly workspaceId: string | undefined }
  | { readonly kind: 'rejected'; readonly status: number }
  | { readonly kind: 'unavailable'; readonly detail: string };

const CLI_REQUEST_TIMEOUT_MS = 15_000;
const CLI_MAX_RETRY_AFTER_MS = 10_000;
const CLI_CHECK_ATTEMPTS = 8;

/**
 * The shared key check (common/key-check.ts), with the CLI's limits: 5xx, 429 (after its Retry-After) and network
 * errors retried, up to 8 attempts since a bulk rotation shares Ringg's rate limit with the function; a
 * 403 is a permission problem, reported as such, never as a rejected key.
 */
export async function checkWithRingg(ctx: CliContext, key: string): Promise<KeyCheck> {
  const result = await verifyWithCliLimits(ctx, key);
  switch (result.kind) {
    case 'valid':
      return { kind: 'valid', workspaceId: result.workspaceId };
    case 'rejected':
      return { kind: 'rejected', status: 401 };
    case 'forbidden':
      return {
        kind: 'unavailable',
        detail:
          'HTTP 403: Ringg accepts the key but it may not read the workspace (a permission problem, not a rejected key)',
      };
    case 'unavailable':
      return { kind: 'unavailable', detail: result.detail };
  }
}

/** The shared key check with the CLI's limits, every answer kept apart (403 included); `GET /workspace` only. */
export async function verifyWithCliLimits(ctx: CliContext, key: string): Promise<Verification> {
  ctx.io.redact?.(key);
  return checkKey(
    {
      ringg: ctx.ringg,
      sleep: ctx.io.sleep,
      random: Math.random,
      maxRetryAfterMs: CLI_MAX_RETRY_AFTER_MS,
      allows: () => true,
      timeoutMs: () => CLI_REQUEST_TIMEOUT_MS,
    },
    key,
    { fresh: false, maxAttempts: CLI_CHECK_ATTEMPTS },
  );
}
