import type { RegenerateResult, RinggFailure, WorkspaceResult } from './ringg-client.js';

/**
 * Pure decisions on Ringg's answers. Regenerate is the one call that destroys something, so an answer
 * that does not prove whether it happened is never followed by another regenerate without a probe.
 */
export type RegenerateDecision =
  | { readonly action: 'store'; readonly newKey: string }
  | { readonly action: 'wait-and-retry'; readonly waitMs: number | undefined }
  | { readonly action: 'retry' }
  | { readonly action: 'probe' }
  | { readonly action: 'fail-forbidden' }
  | { readonly action: 'fail-unusable'; readonly problem: string }
  | { readonly action: 'fail-unauthorized' };

export function decideAfterRegenerate(result: RegenerateResult): RegenerateDecision {
  switch (result.kind) {
    case 'ok':
      return { action: 'store', newKey: result.newKey };
    case 'no-key':
      return { action: 'probe' };
    case 'unusable-key':
      return { action: 'fail-unusable', problem: result.problem };
    case 'network':
      return result.sent ? { action: 'probe' } : { action: 'retry' };
    case 'status':
      if (result.status === 429) return { action: 'wait-and-retry', waitMs: result.retryAfterMs };
      if (result.status === 403) return { action: 'fail-forbidden' };
      if (result.status === 401) return { action: 'fail-unauthorized' };
      // 5xx and anything undocumented: Ringg may or may not have regenerated.
      return { action: 'probe' };
  }
}

export type ProbeDecision = 'not-regenerated' | 'regenerated-and-lost' | 'unknown';

/** After an ambiguous regenerate: does the key it was sent with still work? */
export function decideAfterProbe(result: WorkspaceResult): ProbeDecision {
  if (result.kind === 'ok') return 'not-regenerated';
  if (result.kind === 'status' && result.status === 401) return 'regenerated-and-lost';
  return 'unknown';
}

export type VerifyDecision = 'valid' | 'retry' | 'rejected' | 'forbidden' | 'give-up';

/**
 * After a `GET /workspace` that checks a key. `retryUnauthorized` is for a key Ringg issued moments
 * ago, which may take a moment to become valid.
 */
export function decideAfterVerify(result: WorkspaceResult, retryUnauthorized: boolean): VerifyDecision {
  if (result.kind === 'ok') return 'valid';
  if (result.kind === 'network') return 'retry';
  if (result.status === 401) return retryUnauthorized ? 'retry' : 'rejected';
  if (result.status === 403) return 'forbidden';
  if (result.status === 429 || result.status >= 500) return 'retry';
  return 'give-up';
}

export function describeFailure(
  result: RinggFailure | { kind: 'no-key' } | { kind: 'unusable-key'; problem: string },
): string {
  switch (result.kind) {
    case 'status':
      return `HTTP ${result.status}`;
    case 'network':
      return result.sent ? `no answer: ${result.code}` : `not sent: ${result.code}`;
    case 'no-key':
      return 'HTTP 200 without a usable new_api_key';
    case 'unusable-key':
      return `HTTP 200 with a new_api_key that ${result.problem}`;
  }
}

/** A compact trace entry for the step's log line: the status code, or the network error code. */
export function traceOf(result: RegenerateResult | WorkspaceResult): number | string {
  switch (result.kind) {
    case 'ok':
    case 'no-key':
    case 'unusable-key':
      return 200;
    case 'status':
      return result.status;
    case 'network':
      return result.code;
  }
}
