import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledge, wildcardFindingId } from './nag-finding.js';
import type { RotatedSecret } from './rotated-secrets.js';

/**
 * The condition key Secrets Manager sets on a secret from its rotation configuration: the ARN of the
 * function bound to rotate it. AWS's own rotation templates scope their function's role with it.
 * Service Authorization Reference, "Actions, resources, and condition keys for AWS Secrets Manager".
 */
export const ALLOW_ROTATION_LAMBDA_ARN = 'secretsmanager:resource/AllowRotationLambdaArn';

/** Every secret of the stack's account and Region: the resource the condition above narrows. */
export function anySecretArn(stack: Stack): string {
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * One statement, the same size for 1 or 1,000 secrets: `actions` on exactly the secrets whose rotation
 * is bound to `functionArn`, whatever their names. A secret this function does not rotate has another
 * (or no) rotation function, so the statement does not match it.
 */
export function rotatedSecretsStatement(
  stack: Stack,
  functionArn: string,
  sid: string,
  actions: string[],
  extraConditions: Record<string, Record<string, unknown>> = {},
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions,
    resources: [anySecretArn(stack)],
    conditions: { StringEquals: { [ALLOW_ROTATION_LAMBDA_ARN]: functionArn }, ...extraConditions },
  });
}

/**
 * The source ARN pattern of the single permission that lets Secrets Manager invoke the function: the
 * one secret exactly, or the longest name prefix all rotated secrets share, or every secret of the
 * account when they share none. It only narrows which rotations may call the function; what the
 * function may then read or write is decided by {@link rotatedSecretsStatement}.
 */
export function invokeSourceArnPattern(stack: Stack, secrets: readonly RotatedSecret[]): string {
  const only = secrets.length === 1 ? secrets[0] : undefined;
  if (only?.completeArn) return only.completeArn;
  const names = secrets.map((s) => s.name);
  let resourceName: string;
  if (names.some((n) => n === undefined)) resourceName = '*';
  else if (only?.name) resourceName = `${only.name}-??????`;
  else resourceName = `${commonPrefix(names as string[])}*`;
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function commonPrefix(values: string[]): string {
  let prefix = values[0] ?? '';
  for (const value of values) {
    while (!value.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/** Acknowledges cdk-nag's IAM5 finding for {@link rotatedSecretsStatement} on `construct`'s policy. */
export function acknowledgeRotatedSecretsWildcard(construct: IConstruct): void {
  acknowledge(construct, {
    id: wildcardFindingId(construct, anySecretArn(Stack.of(construct))),
    reason: `Narrowed by the condition ${ALLOW_ROTATION_LAMBDA_ARN} = this function: only the secrets whose rotation is bound to it match, whatever their names.`,
  });
}
