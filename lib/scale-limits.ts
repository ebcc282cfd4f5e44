/**
 * The AWS limits a deployment of this construct can reach, each with where AWS documents it. The
 * construct sizes what it synthesizes against these, and `test/cdk/scale.test.ts` checks every one of
 * them against synthesized templates with 1, 50 and 1,000 secrets.
 */

/**
 * EventBridge: characters in one rule's event pattern (default quota; adjustable up to 4,096).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html ("Event pattern size")
 */
export const EVENT_PATTERN_MAX_CHARS = 2_048;

/**
 * EventBridge: rules per event bus (default quota, adjustable). Shared with every other rule on the
 * account's default bus, so the construct's share is reported, not assumed free.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html ("Rules")
 */
export const EVENT_RULES_PER_BUS = 300;

/**
 * Lambda: size of a function's resource-based policy, not adjustable.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("Function resource-based policy")
 */
export const LAMBDA_RESOURCE_POLICY_MAX_BYTES = 20_480;

/**
 * IAM: characters of all inline policies of one role together, whitespace not counted.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("Role policy size")
 */
export const IAM_ROLE_INLINE_POLICIES_MAX_CHARS = 10_240;

/**
 * IAM: characters of one managed policy, whitespace not counted.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("Managed policy size")
 */
export const IAM_MANAGED_POLICY_MAX_CHARS = 6_144;

/**
 * IAM: characters of a role's trust policy (default quota; adjustable to 4,096).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("Role trust policy length")
 */
export const IAM_TRUST_POLICY_MAX_CHARS = 2_048;

/**
 * CloudFormation: resources declared in one stack (a nested stack is a stack of its own).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html ("Resources")
 */
export const CFN_RESOURCES_PER_STACK = 500;

/**
 * CloudFormation: template body passed inline in the API call. The CDK CLI uploads a larger template
 * to the bootstrap bucket; nested stack templates are always uploaded.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html ("Template body size in a request")
 */
export const CFN_TEMPLATE_BODY_INLINE_BYTES = 51_200;

/**
 * CloudFormation: template body read from Amazon S3 ("1 MB"; taken as 10^6 bytes to stay on the safe side).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html ("Template body size in an Amazon S3 object")
 */
export const CFN_TEMPLATE_BODY_S3_BYTES = 1_000_000;

/**
 * Upper bounds on the parts of an ARN that can be unknown at synth time (an environment-agnostic
 * stack): the longest partition (`aws-us-gov`) and Region codes (`us-isof-south-1` is 15), with
 * margin. Used to size event patterns and the resource policy for the worst case.
 */
export const MAX_PARTITION_CHARS = 10;
export const MAX_REGION_CHARS = 16;
export const ACCOUNT_ID_CHARS = 12;
/** Lambda function names are at most 64 characters. https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html */
export const MAX_FUNCTION_NAME_CHARS = 64;
/** Secrets Manager appends `-` and six random characters to a secret's name in its ARN. */
export const SECRET_ARN_SUFFIX_CHARS = 7;

/** The length IAM counts for a policy document: its JSON without whitespace outside strings. */
export function policyChars(document: unknown): number {
  return JSON.stringify(document).length;
}

/** The longest a secret's ARN can be once deployed, for a secret called `name`. */
export function worstCaseSecretArnChars(name: string): number {
  return (
    'arn::secretsmanager:::secret:'.length +
    MAX_PARTITION_CHARS +
    MAX_REGION_CHARS +
    ACCOUNT_ID_CHARS +
    name.length +
    SECRET_ARN_SUFFIX_CHARS
  );
}

/**
 * Lambda: all environment variables of a function together, not adjustable. Why the function's
 * allow-list is a file in its code rather than a variable.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("Function configuration, deployment, and execution")
 */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4_096;

/**
 * IAM: managed policies attached to one role (default quota; adjustable up to 20).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ("Managed policies attached to an IAM role")
 */
export const IAM_MANAGED_POLICIES_PER_ROLE = 10;

/** The most IAM lets an account raise the quota above to. Same page. */
export const IAM_MANAGED_POLICIES_PER_ROLE_MAX = 20;

/**
 * KMS: size of a key policy document, not adjustable.
 * https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html ("Key policy document size")
 */
export const KMS_KEY_POLICY_MAX_BYTES = 32_768;

/**
 * The longest a referenced principal's ARN can be: `arn:<partition>:iam::<account>:role` and a path
 * of up to 512 and a name of up to 64 characters (IAM quotas, "Path", "Role name").
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export const MAX_ROLE_ARN_CHARS =
  'arn::iam:::role'.length + MAX_PARTITION_CHARS + ACCOUNT_ID_CHARS + 512 + 64;

/**
 * A template value (a policy document, once resolved) as long as it can get when deployed:
 * `Fn::Join` joined, pseudo parameters at their longest, any other reference as the longest ARN.
 */
export function worstCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(worstCase);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [separator, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => worstCase(part)).join(separator);
    }
    if ('Ref' in obj) {
      const ref = String(obj.Ref);
      if (ref === 'AWS::Partition') return 'p'.repeat(MAX_PARTITION_CHARS);
      if (ref === 'AWS::Region') return 'r'.repeat(MAX_REGION_CHARS);
      if (ref === 'AWS::AccountId') return '1'.repeat(ACCOUNT_ID_CHARS);
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com.cn';
    }
    if (Object.keys(obj).some((key) => key === 'Ref' || key.startsWith('Fn::'))) {
      return 'x'.repeat(MAX_ROLE_ARN_CHARS);
    }
    return Object.fromEntries(Object.entries(obj).map(([key, item]) => [key, worstCase(item)]));
  }
  return value;
}
