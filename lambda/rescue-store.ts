import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { normalizeApiKey } from '../common/secret-value.js';
import { callWithin } from './aws-call.js';

/**
 * SSM Standard-tier parameter values hold at most 4,096 characters.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 */
export const SSM_STANDARD_MAX_VALUE_CHARS = 4_096;

/** What a rescue parameter holds: just enough to finish the rotation. Never the rest of the secret. */
export interface RescueRecord {
  readonly token: string;
  readonly workspaceId: string;
  readonly apiKey: string;
}

export type RescueRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'found'; readonly record: RescueRecord }
  /** The parameter exists but is not a rescue of this rotation (tampered, or another token). */
  | { readonly kind: 'unreadable'; readonly problem: string };

export type RescueWhere = 'parameter' | 'memory';

/**
 * Where a new key waits when Secrets Manager would not take it: an encrypted SSM SecureString per
 * secret and rotation token, and, if SSM fails too, this container's memory as a last resort.
 */
export interface RescueStore {
  read(name: string, token: string, timeoutMs: number): Promise<RescueRead>;
  /** `kmsKeyId`: the secret's own customer-managed key, when it has one. */
  save(
    name: string,
    record: RescueRecord,
    kmsKeyId: string | undefined,
    timeoutMs: number,
  ): Promise<RescueWhere>;
  /** Removes the rescued value once it is safe in Secrets Manager; failures are the caller's to log. */
  remove(name: string, timeoutMs: number): Promise<void>;
}

export function serializeRescue(record: RescueRecord): string {
  return JSON.stringify({
    v: 1,
    token: record.token,
    workspaceId: record.workspaceId,
    apiKey: record.apiKey,
  });
}

/**
 * Reads a rescue parameter's value. The key is the only thing taken from it; it must pass the key rule
 * and belong to `token`. Anything else is not a rescue this function wrote.
 */
export function parseRescue(text: string | undefined, token: string): RescueRead {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    raw = undefined;
  }
  if (typeof raw === 'object' && raw !== null && (raw as { v?: unknown }).v === 1) {
    const r = raw as Record<string, unknown>;
    if (r.token !== token) return { kind: 'unreadable', problem: 'it names another rotation token' };
    const key = normalizeApiKey(r.apiKey);
    if (!key.ok) return { kind: 'unreadable', problem: `its key ${key.problem}` };
    const workspaceId = typeof r.workspaceId === 'string' ? r.workspaceId : '';
    return { kind: 'found', record: { token, workspaceId, apiKey: key.key } };
  }
  return { kind: 'unreadable', problem: 'its value is not a rescue record' };
}

export class SsmRescueStore implements RescueStore {
  private readonly memory = new Map<string, RescueRecord>();

  constructor(
    private readonly client: SSMClient,
    /** Used when the secret has no customer-managed key of its own; undefined: aws/ssm. */
    private readonly fallbackKmsKeyId: string | undefined,
  ) {}

  async read(name: string, token: string, timeoutMs: number): Promise<RescueRead> {
    const inMemory = this.memory.get(name);
    if (inMemory !== undefined) return { kind: 'found', record: inMemory };
    try {
      const out = await callWithin('SSM GetParameter (rescue)', timeoutMs, (abortSignal) =>
        this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), { abortSignal }),
      );
      return parseRescue(out.Parameter?.Value, token);
    } catch (error) {
      if (error instanceof ParameterNotFound) return { kind: 'none' };
      throw error;
    }
  }

  async save(
    name: string,
    record: RescueRecord,
    kmsKeyId: string | undefined,
    timeoutMs: number,
  ): Promise<RescueWhere> {
    const keyId = kmsKeyId ?? this.fallbackKmsKeyId;
    try {
      await callWithin('SSM PutParameter (rescue)', timeoutMs, (abortSignal) =>
        this.client.send(
          new PutParameterCommand({
            Name: name,
            Value: serializeRescue(record),
            Type: 'SecureString',
            Tier: 'Standard',
            Overwrite: true,
            Description: 'Ringg key awaiting storage in Secrets Manager (deleted by the rotation)',
            ...(keyId ? { KeyId: keyId } : {}),
          }),
          { abortSignal },
        ),
      );
      return 'parameter';
    } catch {
      this.memory.set(name, record);
      return 'memory';
    }
  }

  async remove(name: string, timeoutMs: number): Promise<void> {
    this.memory.delete(name);
    try {
      await callWithin('SSM DeleteParameter (rescue)', timeoutMs, (abortSignal) =>
        this.client.send(new DeleteParameterCommand({ Name: name }), { abortSignal }),
      );
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  }
}
