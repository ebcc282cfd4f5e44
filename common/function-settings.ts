/**
 * The rotation function's settings and the rules its configuration loader (lambda/config.ts) applies
 * to them. The construct checks its props by the same rules at synth, so a stack never deploys a
 * function that refuses its own configuration on every cold start.
 */

import { parameterPrefixProblem } from './parameter-names.js';

/** The function's duration settings (environment variables, milliseconds) and their defaults. */
export const DURATION_DEFAULTS_MS = {
  /** TCP and TLS connect timeout of each Ringg request. */
  RINGG_CONNECT_TIMEOUT_MS: 10_000,
  /** Time to wait for Ringg's response headers. */
  RINGG_HEADERS_TIMEOUT_MS: 10_000,
  /** Time allowed between two chunks of Ringg's response body. */
  RINGG_BODY_TIMEOUT_MS: 10_000,
  /** Longest wait for a 429's Retry-After within one step. */
  RINGG_MAX_RETRY_AFTER_MS: 10_000,
  /** Time kept free before the Lambda timeout, so a step can report its failure. */
  ROTATION_SAFETY_MARGIN_MS: 5_000,
  /** Longest any one Secrets Manager or SSM call may take, the SDK's retries included. */
  ROTATION_AWS_CALL_TIMEOUT_MS: 10_000,
  /** Time kept back, while a new key exists only in memory, for writing it to the rotation record. */
  ROTATION_RESCUE_RESERVE_MS: 3_000,
} as const;

export type DurationSetting = keyof typeof DURATION_DEFAULTS_MS;

/** The range every duration setting must be in: whole milliseconds, at most a minute. */
export const DURATION_SETTING_RANGE_MS = { min: 1, max: 60_000 } as const;

export function isDurationSettingAccepted(ms: number): boolean {
  return Number.isInteger(ms) && ms >= DURATION_SETTING_RANGE_MS.min && ms <= DURATION_SETTING_RANGE_MS.max;
}

/** The least time a regenerate is sent with: Ringg must be able to answer within it. */
export const MIN_REGENERATE_MS = 500;
/** The least time a PutSecretValue is sent with while the key exists only in memory. */
export const MIN_WRITE_ATTEMPT_MS = 200;

/**
 * The shortest Lambda timeout with which setSecret can still regenerate: it keeps the safety margin
 * free, and sends the regenerate only with the rescue reserve plus one regenerate and one write left.
 * Below it no rotation can ever complete; at it, every call before the regenerate must still fit in
 * what remains, so real timeouts should be far longer (the default is 90 s).
 */
export function minimumFunctionTimeoutMs(
  settings: Pick<
    typeof DURATION_DEFAULTS_MS,
    'ROTATION_SAFETY_MARGIN_MS' | 'ROTATION_RESCUE_RESERVE_MS'
  > = DURATION_DEFAULTS_MS,
): number {
  return (
    settings.ROTATION_SAFETY_MARGIN_MS +
    settings.ROTATION_RESCUE_RESERVE_MS +
    MIN_REGENERATE_MS +
    MIN_WRITE_ATTEMPT_MS
  );
}

/**
 * Why `value` cannot be the SSM path the function keeps its parameters under, naming it `label`, or
 * undefined. SSM refuses names under /aws and /ssm, and the function appends `/<secret>/...` to it.
 */
export function parameterPathProblem(label: string, value: string): string | undefined {
  const problem = parameterPrefixProblem(value);
  return problem === undefined ? undefined : `${label} "${value}" ${problem}.`;
}
