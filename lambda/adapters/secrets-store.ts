import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { findWorkspaceHolders, type WorkspaceHolderSearch } from '../../common/workspace-holders.js';
import { FAILURE_TAG_KEY, WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { type CallEnv, callWithin, REAL_CALL_ENV } from './aws-call.js';

export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** Version id to its staging labels. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
  /** The secret's customer-managed KMS key, absent when it uses aws/secretsmanager. */
  readonly kmsKeyId: string | undefined;
  /** The tag WORKSPACE_TAG_KEY: the workspace the secret's key must belong to. */
  readonly workspaceTag: string | undefined;
  /** The tag FAILURE_TAG_KEY: the last failed step, until a rotation finishes. */
  readonly failureTag: string | undefined;
}

/**
 * `unlabelled`: the version existed with this value already (PutSecretValue then changes nothing) and
 * does not hold the stage asked for: a label moved off it since.
 */
export type PutOutcome = 'written' | 'conflict' | 'unlabelled';

/**
 * The Secrets Manager calls the rotation makes; nothing else in the function talks to Secrets Manager.
 * Values are read by VersionId only: a label read right after a move can be stale, a version's value
 * never changes.
 */
export class SecretsStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly env: CallEnv = REAL_CALL_ENV,
  ) {}

  async describe(secretId: string, timeoutMs: number): Promise<SecretDescription> {
    const out = await this.call('DescribeSecret', timeoutMs, (abortSignal) =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId }), { abortSignal }),
    );
    const versions: Record<string, string[]> = {};
    for (const [id, stages] of Object.entries(out.VersionIdsToStages ?? {})) versions[id] = [...stages];
    const tag = (key: string) => out.Tags?.find((t) => t.Key === key)?.Value;
    return {
      arn: out.ARN ?? secretId,
      name: out.Name ?? secretId,
      rotationEnabled: out.RotationEnabled === true,
      versions,
      kmsKeyId: out.KmsKeyId || undefined,
      workspaceTag: tag(WORKSPACE_TAG_KEY),
      failureTag: tag(FAILURE_TAG_KEY),
    };
  }

  /** The value of one version, or undefined while it has none (the empty AWSPENDING stub). */
  async readVersion(secretId: string, versionId: string, timeoutMs: number): Promise<string | undefined> {
    try {
      const out = await this.call('GetSecretValue', timeoutMs, (abortSignal) =>
        this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }), {
          abortSignal,
        }),
      );
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /**
   * The version AWSCURRENT is on, by GetSecretValue: a second source for the label when DescribeSecret
   * says something only a stale answer or a person's move would (the value read is dropped).
   */
  async currentVersionId(secretId: string, timeoutMs: number): Promise<string | undefined> {
    const out = await this.call('GetSecretValue', timeoutMs, (abortSignal) =>
      this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }), {
        abortSignal,
      }),
    );
    return out.VersionId;
  }

  /**
   * Writes a version. `stages` are always given: without them AWSCURRENT would move. `conflict`: the
   * version already holds another value.
   */
  async put(
    secretId: string,
    versionId: string,
    value: string,
    stages: 'AWSPENDING' | 'AWSCURRENT',
    rotationToken: string | undefined,
    timeoutMs: number,
  ): Promise<PutOutcome> {
    try {
      const out = await this.call('PutSecretValue', timeoutMs, (abortSignal) =>
        this.client.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            ClientRequestToken: versionId,
            SecretString: value,
            VersionStages: [stages],
            ...(rotationToken ? { RotationToken: rotationToken } : {}),
          }),
          { abortSignal },
        ),
      );
      return out.VersionStages === undefined || out.VersionStages.includes(stages) ? 'written' : 'unlabelled';
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceExistsException') return 'conflict';
      throw error;
    }
  }

  /** Moves AWSCURRENT to `versionId` from `fromVersionId`; refused if AWSCURRENT is no longer there. */
  async moveCurrent(
    secretId: string,
    versionId: string,
    fromVersionId: string | undefined,
    timeoutMs: number,
  ) {
    await this.call('UpdateSecretVersionStage', timeoutMs, (abortSignal) =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: versionId,
          ...(fromVersionId ? { RemoveFromVersionId: fromVersionId } : {}),
        }),
        { abortSignal },
      ),
    );
  }

  /** Takes AWSPENDING off `versionId` (only where a kept edit holds AWSCURRENT elsewhere). */
  async removePending(secretId: string, versionId: string, timeoutMs: number) {
    await this.call('UpdateSecretVersionStage', timeoutMs, (abortSignal) =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: versionId,
        }),
        { abortSignal },
      ),
    );
  }

  async tag(secretId: string, key: string, value: string, timeoutMs: number): Promise<void> {
    await this.call('TagResource', timeoutMs, (abortSignal) =>
      this.client.send(new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: key, Value: value }] }), {
        abortSignal,
      }),
    );
  }

  async untag(secretId: string, key: string, timeoutMs: number): Promise<void> {
    await this.call('UntagResource', timeoutMs, (abortSignal) =>
      this.client.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [key] }), { abortSignal }),
    );
  }

  /** The other secrets of this account and Region tagged with `workspaceId` (ListSecrets). */
  holders(workspaceId: string, secretArn: string, timeoutMs: number): Promise<WorkspaceHolderSearch> {
    return this.call('ListSecrets', timeoutMs, () =>
      findWorkspaceHolders(this.client, { workspaceId, secretArn }),
    );
  }

  private call<T>(operation: string, timeoutMs: number, send: (abortSignal: AbortSignal) => Promise<T>) {
    return callWithin(`Secrets Manager ${operation}`, timeoutMs, send, this.env);
  }
}
