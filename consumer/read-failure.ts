import { REJECTED_CREDENTIAL_ERRORS } from '../common/aws-errors.js';
import { RinggSecretError } from './key-errors.js';

/** What GetSecretValue answers when the secret's KMS key will not decrypt it for these credentials. */
const KMS_FAILURES = new Set(['DecryptionFailure', 'KMSAccessDeniedException', 'KMSDisabledException']);

const ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:/;

/** The Region a secret ARN names; undefined for a secret name. */
export function secretArnRegion(secretId: string): string | undefined {
  return ARN.exec(secretId)?.[1];
}

/**
 * What a failed GetSecretValue of AWSCURRENT means for a service, as a typed error: the secret id and
 * the Region always named, and what to do. Pure: the error is classified, nothing is called.
 */
export function readFailure(error: unknown, secretId: string, region: string | undefined): RinggSecretError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const where = region ?? 'no Region';
  const make = (code: RinggSecretError['code'], text: string, retryable = false) =>
    new RinggSecretError(code, secretId, region, text, retryable, { cause: error });
  if (/Region is missing/i.test(message)) {
    return make(
      'aws-configuration',
      `No AWS Region is set, so secret ${secretId} cannot be read. Set AWS_REGION to the secret's Region ` +
        '(or pass a SecretsManagerClient with `region`).',
    );
  }
  if (name === 'CredentialsProviderError' || REJECTED_CREDENTIAL_ERRORS.has(name)) {
    return make(
      'aws-configuration',
      `The AWS SDK has no usable credentials to read secret ${secretId} in ${where} (${name}: ${message}). ` +
        'Give the service a role (instance profile, task role, IRSA) or fresh credentials (AWS_PROFILE, aws sso login).',
    );
  }
  if (name === 'ResourceNotFoundException') {
    if (/secret value|staging label/i.test(message)) {
      return make(
        'secret-has-no-key',
        `Secret ${secretId} in ${where} has no value in AWSCURRENT. Store the workspace's key in it ` +
          '(README "Deploy"). Nothing was retried.',
      );
    }
    return make(
      'secret-not-found',
      `Secrets Manager has no secret ${secretId} in ${where} (ResourceNotFoundException). Check the name or ` +
        `ARN, and that the service reads from the secret's Region and account: this client reads from ${where} ` +
        "(AWS_REGION, the profile's region, or the client's `region`). Nothing was retried.",
    );
  }
  if (name === 'AccessDeniedException') {
    return make(
      'secret-access-denied',
      `These AWS credentials may not read secret ${secretId} in ${where} (AccessDeniedException: ${message}). ` +
        "Allow secretsmanager:GetSecretValue on the secret in the service's role (and in the secret's resource " +
        'policy when the secret is in another account). Nothing was retried.',
    );
  }
  if (KMS_FAILURES.has(name)) {
    return make(
      'secret-decryption-failed',
      `Secrets Manager could not decrypt secret ${secretId} in ${where} (${name}: ${message}). Allow kms:Decrypt ` +
        "on the secret's customer-managed key to the service's role, and check that the key is enabled.",
    );
  }
  return make(
    'secret-read-failed',
    `Could not read secret ${secretId} in ${where} (${name}: ${message}); the AWS SDK retried it already. The next ` +
      'request reads it again.',
    true,
  );
}
