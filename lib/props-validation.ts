import { type Duration, Token } from 'aws-cdk-lib';
import { DEFAULT_PARAMETER_PREFIX } from '../common/defaults.js';
import {
  DURATION_DEFAULTS_MS,
  DURATION_SETTING_RANGE_MS,
  isDurationSettingAccepted,
  minimumFunctionTimeoutMs,
  parameterPathProblem,
} from '../common/function-settings.js';
import { prefixesOverlap } from '../common/parameter-names.js';
import { parseRinggBaseUrl } from '../common/ringg-base-url.js';
import { ciRoleProblems } from './ci-role.js';
import { parameterKeyProblem } from './parameter-key.js';
import type { RinggKeyRotationProps } from './ringg-key-rotation.js';
import { IAM_MANAGED_POLICIES_PER_ROLE, IAM_MANAGED_POLICIES_PER_ROLE_MAX } from './scale-limits.js';

/** The largest reserved concurrency the construct accepts (an account's default quota is 1,000). */
export const MAX_CONCURRENT_ROTATIONS = 1_000;

/**
 * Lambda's default concurrency per account and Region is 1,000, of which 100 always stay unreserved:
 * a default may reserve at most 900.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
 */
export const MAX_DEFAULT_CONCURRENT_ROTATIONS = 900;
export const MIN_DEFAULT_CONCURRENT_ROTATIONS = 10;

/**
 * One execution per rotated secret: a schedule starts all of its rotations together, each runs one
 * step at a time, and an invocation Lambda throttles is a failed attempt (a RotationFailed event, an
 * alarm). The storm bench: 200 rotations at once fail an attempt 190 times with 10, 100 times with 100,
 * never with 200 (docs/benchmarks.md).
 */
export function defaultConcurrentRotations(secrets: number): number {
  return Math.min(MAX_DEFAULT_CONCURRENT_ROTATIONS, Math.max(MIN_DEFAULT_CONCURRENT_ROTATIONS, secrets));
}

/** The environment variable the function reads each of `ringgTimeouts` from. */
const RINGG_TIMEOUT_SETTINGS = {
  connect: 'RINGG_CONNECT_TIMEOUT_MS',
  headers: 'RINGG_HEADERS_TIMEOUT_MS',
  body: 'RINGG_BODY_TIMEOUT_MS',
} as const;

/**
 * Every setting in `props` that the rotation function's configuration loader, Lambda or the construct
 * itself would refuse, one sentence each naming the prop and what to do. Pure; the secrets' own
 * problems (names, accounts, parameter depth) are read with them (rotated-secrets.ts).
 */
export function propsProblems(props: RinggKeyRotationProps): string[] {
  const problems: string[] = [];
  if (props.secrets.length === 0) problems.push('RinggKeyRotation needs at least one secret in `secrets`.');
  if (props.alarmTopic && props.alarmEmail) {
    problems.push(
      'Give either `alarmTopic` or `alarmEmail`: the e-mail subscribes to a topic the construct creates.',
    );
  }
  const timeout = timeoutProblem(props.timeout);
  if (timeout) problems.push(timeout);
  for (const [prop, setting] of Object.entries(RINGG_TIMEOUT_SETTINGS) as [
    keyof typeof RINGG_TIMEOUT_SETTINGS,
    string,
  ][]) {
    const value = props.ringgTimeouts?.[prop];
    const ms = value === undefined ? undefined : millisOf(value);
    if (ms !== undefined && !isDurationSettingAccepted(ms)) {
      const { min, max } = DURATION_SETTING_RANGE_MS;
      problems.push(
        `ringgTimeouts.${prop} is ${value?.toHumanString()}; it must be whole milliseconds from ${min} ms to ${max / 1000} seconds. ` +
          `The function refuses ${setting} outside ${min}-${max}, so every cold start would fail.`,
      );
    }
  }
  if (props.ringgBaseUrl !== undefined && !Token.isUnresolved(props.ringgBaseUrl)) {
    const parsed = parseRinggBaseUrl(props.ringgBaseUrl);
    if (!parsed.ok) problems.push(`ringgBaseUrl: ${parsed.problem}`);
  }
  for (const [label, value] of [
    ['parameterPrefix', props.parameterPrefix],
    ['parameterStoreMirror.prefix', props.parameterStoreMirror?.prefix],
  ] as const) {
    if (value === undefined) continue;
    const problem = Token.isUnresolved(value)
      ? `${label} must be known at synth (the IAM and KMS grants are written from it), not a token.`
      : parameterPathProblem(label, value);
    if (problem) problems.push(problem);
  }
  const parameterPrefix = props.parameterPrefix ?? DEFAULT_PARAMETER_PREFIX;
  const mirrorPrefix = props.parameterStoreMirror?.prefix;
  if (
    mirrorPrefix !== undefined &&
    !Token.isUnresolved(mirrorPrefix) &&
    !Token.isUnresolved(parameterPrefix) &&
    prefixesOverlap(parameterPrefix, mirrorPrefix)
  ) {
    problems.push(
      `parameterStoreMirror.prefix "${mirrorPrefix}" and parameterPrefix "${parameterPrefix}" overlap: a grant on one ` +
        "would reach the other's parameters (the function's own path would cover the mirrors, a reader of the " +
        'mirrors could reach the rotation records). Give them separate paths, e.g. /ringg-rotation and /services/ringg.',
    );
  }
  problems.push(
    ...concurrencyProblems(
      props.maxConcurrentRotations ?? defaultConcurrentRotations(props.secrets.length),
      props.scheduleStacks ?? 10,
    ),
  );
  const maxManagedPolicies = props.maxManagedPoliciesPerRole ?? IAM_MANAGED_POLICIES_PER_ROLE;
  if (
    !Number.isInteger(maxManagedPolicies) ||
    maxManagedPolicies < 1 ||
    maxManagedPolicies > IAM_MANAGED_POLICIES_PER_ROLE_MAX
  ) {
    problems.push(
      `maxManagedPoliciesPerRole must be a whole number from 1 to ${IAM_MANAGED_POLICIES_PER_ROLE_MAX} (the account's IAM quota); got ${maxManagedPolicies}.`,
    );
  }
  if (props.parameterEncryptionKey) {
    const secretKeys = props.secrets.flatMap((s) => (s.encryptionKey ? [s.encryptionKey] : []));
    const problem = parameterKeyProblem(props.parameterEncryptionKey, secretKeys);
    if (problem) problems.push(`parameterEncryptionKey ${problem}.`);
  }
  if (props.ciRole) problems.push(...ciRoleProblems(props.ciRole));
  return problems;
}

/** The duration in milliseconds, or undefined when it is a token (resolved at deploy time). */
function millisOf(duration: Duration): number | undefined {
  return duration.isUnresolved() ? undefined : duration.toMilliseconds({ integral: false });
}

function timeoutProblem(timeout: Duration | undefined): string | undefined {
  const ms = timeout === undefined ? undefined : millisOf(timeout);
  const minimum = minimumFunctionTimeoutMs();
  if (ms === undefined || ms >= minimum) return undefined;
  const seconds = (name: 'ROTATION_SAFETY_MARGIN_MS' | 'ROTATION_RESCUE_RESERVE_MS') =>
    `${DURATION_DEFAULTS_MS[name] / 1000} seconds`;
  return (
    `timeout is ${timeout?.toHumanString()}, which leaves no rotation enough time: every step keeps ` +
    `${seconds('ROTATION_SAFETY_MARGIN_MS')} free before the timeout to report its failure, and setSecret sends a ` +
    `regenerate only while the rescue reserve (${seconds('ROTATION_RESCUE_RESERVE_MS')}) and one regenerate and ` +
    `one write still fit. Give at least ${Math.ceil(minimum / 1000)} seconds; the default, 90 seconds, leaves ` +
    'room for slow answers from Ringg.'
  );
}

function concurrencyProblems(maxConcurrentRotations: number, scheduleStacks: number): string[] {
  if (
    !Number.isInteger(maxConcurrentRotations) ||
    maxConcurrentRotations < 1 ||
    maxConcurrentRotations > MAX_CONCURRENT_ROTATIONS
  ) {
    return [
      `maxConcurrentRotations must be a whole number from 1 to ${MAX_CONCURRENT_ROTATIONS}; got ${maxConcurrentRotations}. The default, one per rotated secret (at least ${MIN_DEFAULT_CONCURRENT_ROTATIONS}, at most ${MAX_DEFAULT_CONCURRENT_ROTATIONS}), suits most accounts.`,
    ];
  }
  if (!Number.isInteger(scheduleStacks) || scheduleStacks < 1 || scheduleStacks > maxConcurrentRotations) {
    return [
      `scheduleStacks must be a whole number from 1 to maxConcurrentRotations (${maxConcurrentRotations}); got ${scheduleStacks}. ` +
        'A deployment runs one configuration test per schedule stack at a time, and more than the function may run at once would be throttled.',
    ];
  }
  return [];
}
