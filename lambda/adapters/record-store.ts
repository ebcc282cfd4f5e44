import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { type CallEnv, callWithin, REAL_CALL_ENV } from './aws-call.js';

/**
 * GetParametersByPath answers at most 10 parameters a page.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html
 */
export const SSM_PATH_PAGE_SIZE = 10;
/** Records one secret can have at once: the open rotation's and a few left by abandoned ones. */
export const MAX_RECORD_PAGES = 5;

export interface StoredRecord {
  readonly name: string;
  readonly text: string | undefined;
}

/**
 * The rotation records in Parameter Store: SecureStrings under the rotation's own KMS key (`kmsKeyId`;
 * undefined only where the deployment gives none, e.g. local runs), Standard tier.
 */
export class RecordStore {
  /** Last resort for a rescued key when SSM will not take it: the next attempt on this container finds it. */
  private readonly memory = new Map<string, string>();

  constructor(
    private readonly client: SSMClient,
    private readonly kmsKeyId: string | undefined,
    private readonly env: CallEnv = REAL_CALL_ENV,
  ) {}

  /** Create-once: `exists` when any record of that name is there already. */
  async create(name: string, text: string, timeoutMs: number): Promise<'created' | 'exists'> {
    try {
      await this.put(name, text, false, timeoutMs);
      return 'created';
    } catch (error) {
      if (error instanceof ParameterAlreadyExists) return 'exists';
      throw error;
    }
  }

  /** Only a record's owner overwrites it. `keepInMemory`: on failure, the container keeps it. */
  async overwrite(name: string, text: string, timeoutMs: number, keepInMemory = false): Promise<void> {
    try {
      await this.put(name, text, true, timeoutMs);
      this.memory.delete(name);
    } catch (error) {
      if (keepInMemory) this.memory.set(name, text);
      throw error;
    }
  }

  async read(name: string, timeoutMs: number): Promise<StoredRecord | undefined> {
    try {
      const out = await this.call('GetParameter', timeoutMs, (abortSignal) =>
        this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), { abortSignal }),
      );
      return { name, text: out.Parameter?.Value };
    } catch (error) {
      if (error instanceof ParameterNotFound) return undefined;
      throw error;
    }
  }

  /** Every record under `path` (one secret's), decrypted. */
  async list(path: string, timeoutMs: () => number): Promise<StoredRecord[]> {
    const found: StoredRecord[] = [];
    let next: string | undefined;
    for (let page = 0; page < MAX_RECORD_PAGES; page++) {
      const out = await this.call('GetParametersByPath', timeoutMs(), (abortSignal) =>
        this.client.send(
          new GetParametersByPathCommand({
            Path: path,
            Recursive: false,
            WithDecryption: true,
            MaxResults: SSM_PATH_PAGE_SIZE,
            ...(next ? { NextToken: next } : {}),
          }),
          { abortSignal },
        ),
      );
      for (const p of out.Parameters ?? []) if (p.Name) found.push({ name: p.Name, text: p.Value });
      next = out.NextToken;
      if (!next) break;
    }
    // A record kept in memory is always newer than the one SSM refused to overwrite.
    const fresh = [...this.memory].filter(([name]) => name.startsWith(`${path}/`));
    return [
      ...found.filter((r) => !fresh.some(([name]) => name === r.name)),
      ...fresh.map(([name, text]) => ({ name, text })),
    ];
  }

  async delete(name: string, timeoutMs: number): Promise<void> {
    this.memory.delete(name);
    try {
      await this.call('DeleteParameter', timeoutMs, (abortSignal) =>
        this.client.send(new DeleteParameterCommand({ Name: name }), { abortSignal }),
      );
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  }

  private async put(name: string, text: string, overwrite: boolean, timeoutMs: number): Promise<void> {
    await this.call('PutParameter', timeoutMs, (abortSignal) =>
      this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: text,
          Type: 'SecureString',
          Tier: 'Standard',
          Overwrite: overwrite,
          Description: 'Ringg key rotation: the record of one rotation (deleted when it ends)',
          ...(this.kmsKeyId ? { KeyId: this.kmsKeyId } : {}),
        }),
        { abortSignal },
      ),
    );
  }

  private call<T>(operation: string, timeoutMs: number, send: (abortSignal: AbortSignal) => Promise<T>) {
    return callWithin(`SSM ${operation} (rotation record)`, timeoutMs, send, this.env);
  }
}
