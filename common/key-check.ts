import { backoffMs, type Sleep } from './backoff.js';
import type { RinggApi, RinggFailure, WorkspaceResult } from './ringg-client.js';
import { decideAfterVerify, describeFailure } from './ringg-policy.js';

export type Verification =
  | { readonly kind: 'valid'; readonly workspaceId: string | undefined; readonly apiKey: string | undefined }
  | { readonly kind: 'rejected' }
  /** 403: the key is valid but may not do this: a permission problem, never "key rejected". */
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'unavailable'; readonly detail: string };

export interface VerifyOptions {
  /** A key Ringg issued moments ago may answer 401 briefly: retry it instead of giving up. */
  readonly fresh: boolean;
  readonly maxAttempts: number;
  /** Time the check must leave free in the step's deadline (e.g. to move AWSCURRENT after it). */
  readonly reserveMs?: number;
}

/** What the check needs around it; the function passes its step's deadline, the CLI its own limits. */
export interface KeyCheckEnv {
  readonly ringg: RinggApi;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly maxRetryAfterMs: number;
  /** Whether `ms` more may be spent. */
  allows(ms: number): boolean;
  timeoutMs(): number;
  onResult?(result: WorkspaceResult): void;
}

/** The least time a key check attempt is sent with. */
export const MIN_CHECK_ATTEMPT_MS = 500;

/**
 * `GET /workspace` with `apiKey`, retried within bounds on the answers that may be passing. The one
 * key check, shared by the function and the CLI.
 */
export async function checkKey(
  env: KeyCheckEnv,
  apiKey: string,
  options: VerifyOptions,
): Promise<Verification> {
  let last: RinggFailure | undefined;
  // A 429 is Ringg asking for patience, not an answer about the key: it does not use up an attempt,
  // only time, so a rotation storm waits its turn instead of failing.
  for (let attempt = 1, round = 1; attempt <= options.maxAttempts; round++) {
    if (round > 1) {
      const retryAfter = last?.kind === 'status' ? last.retryAfterMs : undefined;
      const wait = Math.min(
        retryAfter ?? backoffMs(Math.min(round - 1, 4), 500, 4_000, env.random),
        env.maxRetryAfterMs,
      );
      if (!env.allows(wait + MIN_CHECK_ATTEMPT_MS)) break;
      await env.sleep(wait);
    }
    if (!env.allows(MIN_CHECK_ATTEMPT_MS)) break;
    const result = await env.ringg.getWorkspace(apiKey, env.timeoutMs());
    env.onResult?.(result);
    const decision = decideAfterVerify(result, options.fresh);
    if (result.kind === 'ok')
      return { kind: 'valid', workspaceId: result.workspaceId, apiKey: result.apiKey };
    last = result;
    if (!(result.kind === 'status' && result.status === 429)) attempt++;
    if (decision === 'rejected') return { kind: 'rejected' };
    if (decision === 'forbidden') return { kind: 'forbidden' };
    if (decision === 'give-up') break;
  }
  if (last?.kind === 'status' && last.status === 401) return { kind: 'rejected' };
  return { kind: 'unavailable', detail: last ? describeFailure(last) : 'no time left to ask' };
}
