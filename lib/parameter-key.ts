import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * The encryption context key SSM Parameter Store sets on every KMS call for a SecureString: the
 * parameter's ARN. A key policy (or IAM) condition on it limits a grant to exactly those parameters.
 * https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html ("Parameter Store encryption context")
 */
export const PARAMETER_ARN_CONTEXT = 'kms:EncryptionContext:PARAMETER_ARN';

/**
 * The encryption context key Secrets Manager sets on every KMS call for a secret: the secret's ARN.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html ("Secrets Manager encryption context")
 */
export const SECRET_ARN_CONTEXT = 'kms:EncryptionContext:SecretARN';

/**
 * What the account may do with the key the construct creates: administer it, never use it. No
 * kms:Decrypt, kms:Encrypt, kms:ReEncrypt*, kms:GenerateDataKey* or kms:CreateGrant, so an IAM policy
 * granting `kms:*` on `*` (an administrator's) does not decrypt a copy of a key; changing the key
 * policy (kms:PutKeyPolicy) stays possible, and is recorded in CloudTrail.
 */
export const KEY_ADMINISTRATION_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** `kms:ViaService` of SSM Parameter Store in the stack's Region. */
export function ssmViaService(stack: Stack): string {
  return `ssm.${stack.region}.${stack.urlSuffix}`;
}

/** `kms:ViaService` of Secrets Manager in the stack's Region. */
export function secretsManagerViaService(stack: Stack): string {
  return `secretsmanager.${stack.region}.${stack.urlSuffix}`;
}

/** One use of the parameter key: who, which actions, on which parameters (ARNs or ARN patterns). */
export interface ParameterKeyUse {
  readonly sid: string;
  readonly principal: iam.IPrincipal;
  readonly actions: string[];
  /** Parameter ARNs; a `*` makes the condition StringLike instead of StringEquals. */
  readonly parameterArns: string[];
}

/**
 * The conditions of every use of the parameter key: through SSM in this Region only, and only for
 * the parameters named.
 */
export function parameterUseConditions(stack: Stack, parameterArns: string[]) {
  const like = parameterArns.some((arn) => JSON.stringify(stack.resolve(arn)).includes('*'));
  const arns = parameterArns.length === 1 ? parameterArns[0] : parameterArns;
  return {
    StringEquals: {
      'kms:ViaService': ssmViaService(stack),
      ...(like ? {} : { [PARAMETER_ARN_CONTEXT]: arns }),
    },
    ...(like ? { StringLike: { [PARAMETER_ARN_CONTEXT]: arns } } : {}),
  };
}

/** The key policy statement for one use (a principal in it: no IAM policy needed in this account). */
export function keyPolicyStatement(stack: Stack, use: ParameterKeyUse): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: use.sid,
    principals: [use.principal],
    actions: use.actions,
    resources: ['*'],
    conditions: parameterUseConditions(stack, use.parameterArns),
  });
}

/** The IAM statement for one use, on `key` (needed when the key policy delegates to IAM). */
export function identityStatement(stack: Stack, key: kms.IKey, use: ParameterKeyUse): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: use.sid,
    actions: use.actions,
    resources: [key.keyArn],
    conditions: parameterUseConditions(stack, use.parameterArns),
  });
}

/** The key the construct creates, and its policy, to which later readers add their statements. */
export interface CreatedParameterKey {
  readonly key: kms.IKey;
  readonly policy: iam.PolicyDocument;
}

/**
 * The key for the copies of a Ringg key the construct writes to Parameter Store (the rotation
 * records and the mirror): its material rotates every year, and its policy lets the account
 * administer it and lets only the principals of `uses` (and readers added later) encrypt or decrypt,
 * each for its own parameters. An `AWS::KMS::Key` of its own, not `kms.Key`: depending on a feature
 * flag, that one adds `kms:*` (or the legacy statement with `kms:GenerateDataKey`) for the account.
 * Kept when the stack is deleted (as `kms.Key` is), since the parameters it encrypts outlive it.
 */
export function createParameterKey(
  scope: Construct,
  id: string,
  uses: ParameterKeyUse[],
): CreatedParameterKey {
  const stack = Stack.of(scope);
  const policy = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'AdministerTheKeyButNeverUseIt',
        principals: [new iam.AccountRootPrincipal()],
        actions: KEY_ADMINISTRATION_ACTIONS,
        resources: ['*'],
      }),
      ...uses.map((use) => keyPolicyStatement(stack, use)),
    ],
  });
  const resource = new kms.CfnKey(scope, id, {
    description: 'Ringg key rotation: encrypts the rotation records and the Parameter Store mirror',
    enableKeyRotation: true,
    keyPolicy: policy,
  });
  resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return { key: kms.Key.fromKeyArn(scope, `${id}Ref`, resource.attrArn), policy };
}

/**
 * Why `key` cannot hold the copies, or undefined: an AWS managed key (`alias/aws/…`) lets every
 * principal of the account decrypt through its service, and one of the secrets' own keys is what the
 * secrets' consumers may decrypt with.
 */
export function parameterKeyProblem(key: kms.IKey, secretKeys: readonly kms.IKey[]): string | undefined {
  const stack = Stack.of(key);
  const arn = JSON.stringify(stack.resolve(key.keyArn));
  if (/alias\/aws\//.test(arn)) {
    return (
      'is an AWS managed key (alias/aws/…), whose policy lets every principal of the account decrypt ' +
      'through its service: give a customer managed key, or leave parameterEncryptionKey out and the construct creates one'
    );
  }
  if (secretKeys.some((secretKey) => JSON.stringify(stack.resolve(secretKey.keyArn)) === arn)) {
    return (
      "is one of the secrets' own keys: whoever may decrypt a secret with it could read the other secrets' " +
      'copies too. Give a key of its own, or leave parameterEncryptionKey out and the construct creates one'
    );
  }
  return undefined;
}
