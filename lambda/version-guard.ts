import { RotationNotEnabledError, VersionNotFoundError, VersionNotPendingError } from './errors.js';

export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** Version id to its staging labels. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
  /** The secret's customer-managed KMS key, absent when it uses aws/secretsmanager. */
  readonly kmsKeyId?: string | undefined;
  /** The value of the tag WORKSPACE_TAG_KEY: the workspace the secret's key must belong to. */
  readonly workspaceTag?: string | undefined;
}

export type GuardResult = 'proceed' | 'already-current';

/** The check AWS's templates run at the top of every step; throws when the event must not proceed. */
export function checkRotationVersion(secret: SecretDescription, token: string): GuardResult {
  if (!secret.rotationEnabled) throw new RotationNotEnabledError(secret.name);
  const stages = secret.versions[token];
  if (stages === undefined) throw new VersionNotFoundError(secret.name, token);
  if (stages.includes('AWSCURRENT')) return 'already-current';
  if (!stages.includes('AWSPENDING')) throw new VersionNotPendingError(secret.name, token);
  return 'proceed';
}

export function versionWithStage(secret: SecretDescription, stage: string): string | undefined {
  return Object.entries(secret.versions).find(([, stages]) => stages.includes(stage))?.[0];
}
