import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { WORKSPACE_TAG_KEY } from '../common/workspace-tag.js';
import { callWithin } from './aws-call.js';
import type { SecretDescription } from './version-guard.js';

export type PutOutcome = 'written' | 'conflict';

/**
 * The Secrets Manager calls the rotation makes; nothing else in the function talks to Secrets Manager.
 * Every call takes the time it may spend, the SDK's retries included.
 */
export interface SecretsStore {
  describe(secretId: string, timeoutMs: number): Promise<SecretDescription>;
  /** The value labelled AWSCURRENT. */
  getCurrent(secretId: string, timeoutMs: number): Promise<string | undefined>;
  /** The value of the rotation's version, or undefined while it is still the empty AWSPENDING stub. */
  getPending(secretId: string, token: string, timeoutMs: number): Promise<string | undefined>;
  /** Fills the rotation's version, keeping it AWSPENDING. `conflict`: it already holds another value. */
  putPending(
    secretId: string,
    token: string,
    value: string,
    rotationToken: string | undefined,
    timeoutMs: number,
  ): Promise<PutOutcome>;
  /** Moves AWSCURRENT to `token`'s version; AWSPREVIOUS follows on its own. */
  promote(
    secretId: string,
    token: string,
    currentVersionId: string | undefined,
    timeoutMs: number,
  ): Promise<void>;
  /** Records the workspace the secret's key belongs to, in the tag WORKSPACE_TAG_KEY. */
  tagWorkspace(secretId: string, workspaceId: string, timeoutMs: number): Promise<void>;
}

export class AwsSecretsStore implements SecretsStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string, timeoutMs: number): Promise<SecretDescription> {
    const out = await callWithin('Secrets Manager DescribeSecret', timeoutMs, (abortSignal) =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId }), { abortSignal }),
    );
    const versions: Record<string, string[]> = {};
    for (const [id, stages] of Object.entries(out.VersionIdsToStages ?? {})) versions[id] = [...stages];
    return {
      arn: out.ARN ?? secretId,
      name: out.Name ?? secretId,
      rotationEnabled: out.RotationEnabled === true,
      versions,
      kmsKeyId: out.KmsKeyId || undefined,
      workspaceTag: out.Tags?.find((tag) => tag.Key === WORKSPACE_TAG_KEY)?.Value,
    };
  }

  async getCurrent(secretId: string, timeoutMs: number): Promise<string | undefined> {
    const out = await callWithin('Secrets Manager GetSecretValue (AWSCURRENT)', timeoutMs, (abortSignal) =>
      this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }), {
        abortSignal,
      }),
    );
    return out.SecretString;
  }

  async getPending(secretId: string, token: string, timeoutMs: number): Promise<string | undefined> {
    try {
      const out = await callWithin('Secrets Manager GetSecretValue (AWSPENDING)', timeoutMs, (abortSignal) =>
        this.client.send(
          // By version only: its value never changes, and a version that lost its AWSPENDING label since
          // the step began (the rotation completed or was superseded) still says it was stored.
          new GetSecretValueCommand({ SecretId: secretId, VersionId: token }),
          { abortSignal },
        ),
      );
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async putPending(
    secretId: string,
    token: string,
    value: string,
    rotationToken: string | undefined,
    timeoutMs: number,
  ): Promise<PutOutcome> {
    try {
      await callWithin('Secrets Manager PutSecretValue', timeoutMs, (abortSignal) =>
        this.client.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            ClientRequestToken: token,
            SecretString: value,
            VersionStages: ['AWSPENDING'],
            ...(rotationToken ? { RotationToken: rotationToken } : {}),
          }),
          { abortSignal },
        ),
      );
      return 'written';
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceExistsException') return 'conflict';
      throw error;
    }
  }

  async promote(
    secretId: string,
    token: string,
    currentVersionId: string | undefined,
    timeoutMs: number,
  ): Promise<void> {
    await callWithin('Secrets Manager UpdateSecretVersionStage', timeoutMs, (abortSignal) =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          ...(currentVersionId ? { RemoveFromVersionId: currentVersionId } : {}),
        }),
        { abortSignal },
      ),
    );
  }

  async tagWorkspace(secretId: string, workspaceId: string, timeoutMs: number): Promise<void> {
    await callWithin('Secrets Manager TagResource', timeoutMs, (abortSignal) =>
      this.client.send(
        new TagResourceCommand({
          SecretId: secretId,
          Tags: [{ Key: WORKSPACE_TAG_KEY, Value: workspaceId }],
        }),
        { abortSignal },
      ),
    );
  }
}
