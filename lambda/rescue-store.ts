import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';

export type RescueWhere = 'parameter' | 'memory';

/**
 * Where a new key waits when Secrets Manager would not take it: an encrypted SSM SecureString per
 * secret and rotation token, and, if SSM fails too, this container's memory as a last resort.
 */
export interface RescueStore {
  /** The rescued secret value for this parameter name, if any. */
  read(name: string): Promise<string | undefined>;
  save(name: string, secretValue: string): Promise<RescueWhere>;
  /** Removes the rescued value once it is safe in Secrets Manager; failures are the caller's to log. */
  remove(name: string): Promise<void>;
}

export class SsmRescueStore implements RescueStore {
  private readonly memory = new Map<string, string>();

  constructor(
    private readonly client: SSMClient,
    private readonly kmsKeyId: string | undefined,
  ) {}

  async read(name: string): Promise<string | undefined> {
    const inMemory = this.memory.get(name);
    if (inMemory !== undefined) return inMemory;
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value;
    } catch (error) {
      if (error instanceof ParameterNotFound) return undefined;
      throw error;
    }
  }

  async save(name: string, secretValue: string): Promise<RescueWhere> {
    try {
      await this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: secretValue,
          Type: 'SecureString',
          Overwrite: true,
          Description: 'Ringg key awaiting storage in Secrets Manager (deleted by the rotation)',
          ...(this.kmsKeyId ? { KeyId: this.kmsKeyId } : {}),
        }),
      );
      return 'parameter';
    } catch {
      this.memory.set(name, secretValue);
      return 'memory';
    }
  }

  async remove(name: string): Promise<void> {
    this.memory.delete(name);
    try {
      await this.client.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  }
}
