import { Token } from 'aws-cdk-lib';
import type { RotatedSecret } from './rotated-secrets.js';
import { EVENT_PATTERN_MAX_CHARS, worstCaseSecretArnChars } from './scale-limits.js';

/**
 * The event pattern of a rule that forwards Secrets Manager's `RotationFailed` and `RotationAbandoned`
 * events (recorded by CloudTrail) for exactly the listed secret ARNs: no prefix, so `ringg/prod` never
 * matches `ringg/prod-2`. Written as CloudFormation's `EventPattern`.
 */
export function failurePattern(secretArns: readonly unknown[]) {
  return rotationEventsPattern(['RotationFailed', 'RotationAbandoned'], secretArns);
}

/**
 * The pattern of Secrets Manager's rotation events `eventNames` (recorded by CloudTrail) for exactly
 * the listed secret ARNs, as CloudFormation's `EventPattern`.
 */
export function rotationEventsPattern(eventNames: readonly string[], secretArns: readonly unknown[]) {
  return {
    source: ['aws.secretsmanager'],
    'detail-type': ['AWS Service Event via CloudTrail'],
    detail: {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: [...eventNames],
      additionalEventData: { SecretId: [...secretArns] },
    },
  };
}

/** The deployed length of a secret's ARN, or its upper bound when the ARN is known only at deploy time. */
export function secretArnChars(secret: RotatedSecret): number {
  return secret.completeArn && !Token.isUnresolved(secret.completeArn)
    ? secret.completeArn.length
    : worstCaseSecretArnChars(secret.name ?? '');
}

const BASE_CHARS = JSON.stringify(failurePattern([])).length;

/**
 * Splits secrets into groups whose pattern stays within {@link EVENT_PATTERN_MAX_CHARS} once each ARN
 * has its deployed length; `arnChars` gives that length, or an upper bound when the ARN is only known
 * at deploy time. Keeps the order; each group becomes one rule.
 */
export function packFailurePatterns<T>(
  items: readonly T[],
  arnChars: (item: T) => number,
  maxChars = EVENT_PATTERN_MAX_CHARS,
): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let chars = BASE_CHARS;
  for (const item of items) {
    // "arn", with a comma before every value but the first.
    const cost = arnChars(item) + 2 + (group.length > 0 ? 1 : 0);
    if (BASE_CHARS + arnChars(item) + 2 > maxChars) {
      throw new Error(
        `A secret ARN of ${arnChars(item)} characters does not fit in one EventBridge pattern of ${maxChars}.`,
      );
    }
    if (chars + cost > maxChars) {
      groups.push(group);
      group = [];
      chars = BASE_CHARS;
    }
    chars += arnChars(item) + 2 + (group.length > 0 ? 1 : 0);
    group.push(item);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
