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
