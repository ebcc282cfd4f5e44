import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { acknowledge, wildcardFindingId } from './nag-finding.js';
import type { RotatedSecret } from './rotated-secrets.js';
import { IAM_MANAGED_POLICY_MAX_CHARS, policyChars, worstCase } from './scale-limits.js';

/**
 * The condition key Secrets Manager sets on a secret from its rotation configuration: the ARN of the
 * function bound to rotate it. AWS's own rotation templates scope their function's role with it.
 * Service Authorization Reference, "Actions, resources, and condition keys for AWS Secrets Manager".
 */
export const ALLOW_ROTATION_LAMBDA_ARN = 'secretsmanager:resource/AllowRotationLambdaArn';

/**
 * The condition key with the secret the request names (its ARN, when the caller is the rotation
 * function: Secrets Manager's rotation events carry the complete ARN, and the function passes it on).
 * Service Authorization Reference, "Actions, resources, and condition keys for AWS Secrets Manager".
 */
export const SECRET_ID = 'secretsmanager:SecretId';

/** Every secret of the stack's account and Region: the resource the conditions narrow. */
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
    reason: `Narrowed by the condition ${ALLOW_ROTATION_LAMBDA_ARN} = this function: only the secrets whose rotation is bound to it match (and, for the function, ${SECRET_ID} to the listed ones).`,
  });
}

/**
 * How the function's policy names one listed secret in `secretsmanager:SecretId` (StringLike): `*:`
 * then the name and Secrets Manager's six-character suffix (`-??????` for a secret imported by name,
 * the suffix itself for one imported by complete ARN). A secret name holds no `:`, `*` or `?`, so
 * the pattern matches the complete ARN of that secret and of no other; the statement's resource
 * keeps it to the stack's partition, account and Region. Far shorter than the ARN: 1,000 secrets fit
 * in a handful of managed policies.
 */
export function secretIdPattern(secret: RotatedSecret): string {
  if (secret.completeArn) return `*:${secret.completeArn.slice(secret.completeArn.indexOf(':secret:') + 8)}`;
  return `*:${secret.name}-??????`;
}

/**
 * The function's access to exactly the listed secrets (the ones bound to it, by the condition key
 * kept from before): one statement per managed policy, each with as many listed secrets as fit in
 * IAM's 6,144 characters at the longest the deployed values can be. More policies than the role may
 * hold, or a name too long for one, is a problem reported at synth (the construct's validation).
 */
export function listedSecretsPolicies(
  scope: Construct,
  role: iam.IRole,
  functionArn: string,
  secrets: readonly RotatedSecret[],
  actions: string[],
  maxPolicies: number,
): { readonly policies: iam.ManagedPolicy[]; readonly problems: string[] } {
  const problems: string[] = [];
  const stack = Stack.of(scope);
  const statement = (patterns: string[]) =>
    new iam.PolicyStatement({
      sid: 'RotateTheListedSecretsBoundToThisFunction',
      actions,
      resources: [anySecretArn(stack)],
      conditions: {
        StringEquals: { [ALLOW_ROTATION_LAMBDA_ARN]: functionArn },
        StringLike: { [SECRET_ID]: patterns },
      },
    });
  const overhead = policyChars(
    worstCase(stack.resolve(new iam.PolicyDocument({ statements: [statement(['', ''])] }).toJSON())),
  );
  const groups: string[][] = [[]];
  let chars = overhead;
  for (const pattern of secrets.map(secretIdPattern)) {
    const cost = JSON.stringify(pattern).length + 1;
    if (overhead + cost > IAM_MANAGED_POLICY_MAX_CHARS) {
      problems.push(`A secret name of ${pattern.length} characters does not fit in one IAM managed policy.`);
      continue;
    }
    const group = groups.at(-1) as string[];
    if (chars + cost > IAM_MANAGED_POLICY_MAX_CHARS && group.length > 0) {
      groups.push([pattern]);
      chars = overhead + cost;
    } else {
      group.push(pattern);
      chars += cost;
    }
  }
  if (groups.length > maxPolicies) {
    problems.push(
      `The function's access to ${secrets.length} secrets, one by one, needs ${groups.length} IAM managed policies ` +
        `(${IAM_MANAGED_POLICY_MAX_CHARS.toLocaleString('en-US')} characters each), and its role may hold ${maxPolicies} ` +
        'more (maxManagedPoliciesPerRole, the IAM quota of the account: 10 unless raised, at most 20). Raise the quota ' +
        'and set maxManagedPoliciesPerRole, or split the secrets over two RinggKeyRotation instances.',
    );
  }
  const policies = groups.map((patterns, index) => {
    const policy = new iam.ManagedPolicy(scope, `SecretsPolicy${index}`, {
      description: `Ringg key rotation: the listed secrets, part ${index + 1} of ${groups.length}`,
      roles: [role],
      statements: [statement(patterns)],
    });
    acknowledgeRotatedSecretsWildcard(policy);
    return policy;
  });
  return { policies, problems };
}
