import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretDescription } from './version-guard.js';

export type PutOutcome = 'written' | 'conflict';

/** The Secrets Manager calls the rotation makes; nothing else in the function talks to Secrets Manager. */
export interface SecretsStore {
  describe(secretId: string): Promise<SecretDescription>;
  /** The value labelled AWSCURRENT. */
  getCurrent(secretId: string): Promise<string | undefined>;
  /** The value of the rotation's version, or undefined while it is still the empty AWSPENDING stub. */
  getPending(secretId: string, token: string): Promise<string | undefined>;
  /** Fills the rotation's version, keeping it AWSPENDING. `conflict`: it already holds another value. */
  putPending(
    secretId: string,
    token: string,
    value: string,
    rotationToken: string | undefined,
  ): Promise<PutOutcome>;
  /** Moves AWSCURRENT to `token`'s version; AWSPREVIOUS follows on its own. */
  promote(secretId: string, token: string, currentVersionId: string | undefined): Promise<void>;
}

export class AwsSecretsStore implements SecretsStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string): Promise<SecretDescription> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    const versions: Record<string, string[]> = {};
    for (const [id, stages] of Object.entries(out.VersionIdsToStages ?? {})) versions[id] = [...stages];
    return {
      arn: out.ARN ?? secretId,
      name: out.Name ?? secretId,
      rotationEnabled: out.RotationEnabled === true,
      versions,
    };
  }

  async getCurrent(secretId: string): Promise<string | undefined> {
    const out = await this.client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
    );
    return out.SecretString;
  }

  async getPending(secretId: string, token: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }),
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
  ): Promise<PutOutcome> {
    try {
      await this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: value,
          VersionStages: ['AWSPENDING'],
          ...(rotationToken ? { RotationToken: rotationToken } : {}),
        }),
      );
      return 'written';
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceExistsException') return 'conflict';
      throw error;
    }
  }

  async promote(secretId: string, token: string, currentVersionId: string | undefined): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        ...(currentVersionId ? { RemoveFromVersionId: currentVersionId } : {}),
      }),
    );
  }
}
