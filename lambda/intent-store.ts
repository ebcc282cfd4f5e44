import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { ParameterNames } from '../common/parameter-names.js';
import { callWithin } from './aws-call.js';

/**
 * A regenerate intent: created once (PutParameter with Overwrite:false) before a regenerate is sent,
 * so that at most one delivery per generation can send it, and so that a later attempt knows one may
 * have been sent even if nothing else was recorded. The owner records, as it exits, "not-regenerated"
 * (proved nothing happened) or "ended" (may have regenerated) on its own generation; a takeover
 * creates the next generation.
 */
export interface IntentRecord {
  readonly token: string;
  readonly generation: number;
  readonly recordedAt: string;
  /** When the owning invocation is certainly over (its Lambda timeout). */
  readonly expiresAt: string;
  /**
   * Written by the owner as it exits: `not-regenerated` when it proved no regenerate happened, `ended`
   * when it may have regenerated (the pending version or the rescue parameter then says where the key is).
   */
  readonly outcome?: IntentOutcome;
}

export type IntentOutcome = 'not-regenerated' | 'ended';

export type IntentObservation =
  | { readonly kind: 'none' }
  /** `record` is undefined when the parameter does not parse: someone else wrote it. */
  | { readonly kind: 'found'; readonly generation: number; readonly record: IntentRecord | undefined };

/** How many generations are looked for before a rotation gives up (each one cost a regenerate attempt). */
export const MAX_REGENERATE_INTENTS = 10;

export interface IntentStore {
  /** The highest generation recorded for `token` (up to MAX_REGENERATE_INTENTS + 1). */
  latest(names: ParameterNames, token: string, timeoutMs: () => number): Promise<IntentObservation>;
  /** `taken`: another delivery created this generation first. */
  create(name: string, record: IntentRecord, timeoutMs: number): Promise<'created' | 'taken'>;
  /** Records the owner's outcome on its own generation, so the next attempt need not wait for it to expire. */
  resolve(name: string, record: IntentRecord, timeoutMs: number): Promise<void>;
  remove(name: string, timeoutMs: number): Promise<void>;
}

export function parseIntent(
  text: string | undefined,
  token: string,
  generation: number,
): IntentRecord | undefined {
  try {
    const raw = JSON.parse(text ?? '') as Record<string, unknown>;
    if (typeof raw !== 'object' || raw === null || raw.v !== 1) return undefined;
    if (raw.token !== token || raw.generation !== generation) return undefined;
    if (typeof raw.recordedAt !== 'string' || Number.isNaN(Date.parse(raw.recordedAt))) return undefined;
    if (typeof raw.expiresAt !== 'string' || Number.isNaN(Date.parse(raw.expiresAt))) return undefined;
    const outcome = raw.outcome;
    if (outcome !== undefined && outcome !== 'not-regenerated' && outcome !== 'ended') return undefined;
    return {
      token,
      generation,
      recordedAt: raw.recordedAt,
      expiresAt: raw.expiresAt,
      ...(outcome ? { outcome } : {}),
    };
  } catch {
    return undefined;
  }
}

export class SsmIntentStore implements IntentStore {
  constructor(private readonly client: SSMClient) {}

  async latest(names: ParameterNames, token: string, timeoutMs: () => number): Promise<IntentObservation> {
    let found: IntentObservation = { kind: 'none' };
    for (let generation = 1; generation <= MAX_REGENERATE_INTENTS + 1; generation++) {
      const name = names.intent(token, generation);
      try {
        const out = await callWithin('SSM GetParameter (regenerate intent)', timeoutMs(), (abortSignal) =>
          this.client.send(new GetParameterCommand({ Name: name }), { abortSignal }),
        );
        found = { kind: 'found', generation, record: parseIntent(out.Parameter?.Value, token, generation) };
      } catch (error) {
        if (error instanceof ParameterNotFound) return found;
        throw error;
      }
    }
    return found;
  }

  async create(name: string, record: IntentRecord, timeoutMs: number): Promise<'created' | 'taken'> {
    try {
      await this.put(name, record, false, timeoutMs);
      return 'created';
    } catch (error) {
      if (error instanceof ParameterAlreadyExists) return 'taken';
      throw error;
    }
  }

  async resolve(name: string, record: IntentRecord, timeoutMs: number): Promise<void> {
    await this.put(name, record, true, timeoutMs);
  }

  async remove(name: string, timeoutMs: number): Promise<void> {
    try {
      await callWithin('SSM DeleteParameter (regenerate intent)', timeoutMs, (abortSignal) =>
        this.client.send(new DeleteParameterCommand({ Name: name }), { abortSignal }),
      );
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  }

  private async put(
    name: string,
    record: IntentRecord,
    overwrite: boolean,
    timeoutMs: number,
  ): Promise<void> {
    await callWithin('SSM PutParameter (regenerate intent)', timeoutMs, (abortSignal) =>
      this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: JSON.stringify({ v: 1, ...record }),
          Type: 'String',
          Tier: 'Standard',
          Overwrite: overwrite,
          Description:
            'Ringg key rotation: a regenerate of this rotation was about to be sent (no key inside)',
        }),
        { abortSignal },
      ),
    );
  }
}
