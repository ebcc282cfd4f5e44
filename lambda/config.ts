import { DEFAULT_PARAMETER_PREFIX } from '../common/defaults.js';
import {
  DURATION_DEFAULTS_MS,
  DURATION_SETTING_RANGE_MS,
  type DurationSetting,
  isDurationSettingAccepted,
  parameterPathProblem,
} from '../common/function-settings.js';
import { prefixesOverlap } from '../common/parameter-names.js';
import { parseRinggBaseUrl } from '../common/ringg-base-url.js';
import { invalidConfiguration } from './errors.js';

export interface RotationConfig {
  /** Ringg API base URL without a trailing slash. */
  readonly ringgBaseUrl: string;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** SSM path under which the rotation records live. */
  readonly parameterPrefix: string;
  /** KMS key for the rescue SecureString; undefined uses the account's aws/ssm key. */
  readonly parameterKmsKeyId: string | undefined;
  /** SSM path under which the key is mirrored to a SecureString per secret; undefined: no mirror. */
  readonly mirrorPrefix: string | undefined;
  /** KMS key for the mirror SecureString; undefined uses the account's aws/ssm key. */
  readonly mirrorKmsKeyId: string | undefined;
  /** Time kept free before the Lambda timeout, so a step can report its failure. */
  readonly safetyMarginMs: number;
  /** Longest Retry-After the function waits for within one step. */
  readonly maxRetryAfterMs: number;
  /** Longest any one Secrets Manager or SSM call may take, the SDK's retries included. */
  readonly awsCallTimeoutMs: number;
  /** Time kept back, while a new key exists only in memory, for writing it to the rotation record. */
  readonly rescueReserveMs: number;
}

export function loadConfig(env: Record<string, string | undefined>): RotationConfig {
  const config = readConfig(env);
  if (config.mirrorPrefix !== undefined && prefixesOverlap(config.parameterPrefix, config.mirrorPrefix)) {
    throw invalidConfiguration(
      `MIRROR_PARAMETER_PREFIX "${config.mirrorPrefix}" and ROTATION_PARAMETER_PREFIX "${config.parameterPrefix}" ` +
        'overlap: a grant on one would reach the other. Give them separate paths.',
    );
  }
  return config;
}

function readConfig(env: Record<string, string | undefined>): RotationConfig {
  const millis = (name: DurationSetting) => parseMillis(env, name);
  return {
    ringgBaseUrl: parseBaseUrl(env.RINGG_BASE_URL),
    connectTimeoutMs: millis('RINGG_CONNECT_TIMEOUT_MS'),
    headersTimeoutMs: millis('RINGG_HEADERS_TIMEOUT_MS'),
    bodyTimeoutMs: millis('RINGG_BODY_TIMEOUT_MS'),
    parameterPrefix:
      parsePrefix('ROTATION_PARAMETER_PREFIX', env.ROTATION_PARAMETER_PREFIX) ?? DEFAULT_PARAMETER_PREFIX,
    parameterKmsKeyId: blankToUndefined(env.ROTATION_PARAMETER_KMS_KEY_ID),
    mirrorPrefix: parsePrefix('MIRROR_PARAMETER_PREFIX', env.MIRROR_PARAMETER_PREFIX),
    mirrorKmsKeyId: blankToUndefined(env.MIRROR_KMS_KEY_ID),
    safetyMarginMs: millis('ROTATION_SAFETY_MARGIN_MS'),
    maxRetryAfterMs: millis('RINGG_MAX_RETRY_AFTER_MS'),
    awsCallTimeoutMs: millis('ROTATION_AWS_CALL_TIMEOUT_MS'),
    rescueReserveMs: millis('ROTATION_RESCUE_RESERVE_MS'),
  };
}

function parseBaseUrl(raw: string | undefined): string {
  const parsed = parseRinggBaseUrl(raw);
  if (!parsed.ok) throw invalidConfiguration(parsed.problem);
  return parsed.url;
}

function parseMillis(env: Record<string, string | undefined>, name: DurationSetting): number {
  const fallback = DURATION_DEFAULTS_MS[name];
  const raw = blankToUndefined(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!isDurationSettingAccepted(value)) {
    const { min, max } = DURATION_SETTING_RANGE_MS;
    throw invalidConfiguration(
      `${name} "${raw}" must be a whole number of milliseconds from ${min} to ${max} (default ${fallback}).`,
    );
  }
  return value;
}

function parsePrefix(name: string, raw: string | undefined): string | undefined {
  const value = blankToUndefined(raw);
  if (value === undefined) return undefined;
  const problem = parameterPathProblem(name, value);
  if (problem) throw invalidConfiguration(problem);
  return value;
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
