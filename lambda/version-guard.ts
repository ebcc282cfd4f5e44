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

/**
 * - `proceed`: the version is AWSPENDING only: the rotation's steps run as usual.
 * - `promoted`: the version is AWSCURRENT and still AWSPENDING: this rotation moved AWSCURRENT early (in
 *   setSecret, once Ringg accepted the new key) and is not complete yet (the service removes AWSPENDING
 *   when it is), so every step still runs: testSecret still checks the key, finishSecret confirms.
 * - `already-current`: AWSCURRENT without AWSPENDING: the rotation is complete.
 */
export type GuardResult = 'proceed' | 'promoted' | 'already-current';

/**
 * The check AWS's templates run at the top of every step, with one difference: a version that is
 * AWSCURRENT and still AWSPENDING is `promoted`, not "nothing to do". Throws when the event must not
 * proceed.
 */
export function checkRotationVersion(secret: SecretDescription, token: string): GuardResult {
  if (!secret.rotationEnabled) throw new RotationNotEnabledError(secret.name);
  const stages = secret.versions[token];
  if (stages === undefined) throw new VersionNotFoundError(secret.name, token);
  if (stages.includes('AWSCURRENT')) return stages.includes('AWSPENDING') ? 'promoted' : 'already-current';
  if (!stages.includes('AWSPENDING')) throw new VersionNotPendingError(secret.name, token);
  return 'proceed';
}

export function versionWithStage(secret: SecretDescription, stage: string): string | undefined {
  return Object.entries(secret.versions).find(([, stages]) => stages.includes(stage))?.[0];
}
