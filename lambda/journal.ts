import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Step } from './event.js';
import type { Logger } from './logger.js';

export type JournalState =
  | 'current-key-verified'
  | 'regenerating'
  | 'pending-stored'
  | 'rescued'
  | 'tested'
  | 'finished'
  | 'failed';

/**
 * One secret's latest rotation, as an operator or a later attempt needs to see it. Never holds a key.
 * `regenerate` is kept apart from `state` so that a failure after an in-flight regenerate still
 * tells the next attempt that a new key may exist.
 */
export interface JournalEntry {
  readonly secretArn: string;
  readonly token: string;
  readonly step: Step;
  readonly state: JournalState;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** The Ringg workspace the secret's key belongs to, carried over from rotation to rotation. */
  readonly workspaceId?: string;
  readonly regenerate?: {
    readonly state: 'in-flight' | 'succeeded' | 'not-regenerated';
    readonly at: string;
  };
  readonly lastError?: {
    readonly code: string;
    readonly message: string;
    readonly step: Step;
    readonly at: string;
    /** Whether the service's next attempt can succeed without a person doing anything. */
    readonly retryable: boolean;
  };
}

export interface JournalStore {
  read(name: string): Promise<JournalEntry | undefined>;
  /** Best effort: a failing write is logged, never thrown. */
  write(name: string, entry: JournalEntry): Promise<void>;
}

export class SsmJournalStore implements JournalStore {
  constructor(
    private readonly client: SSMClient,
    private readonly log: Logger,
  ) {}

  async read(name: string): Promise<JournalEntry | undefined> {
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: name }));
      const parsed: unknown = JSON.parse(out.Parameter?.Value ?? '');
      return typeof parsed === 'object' && parsed !== null ? (parsed as JournalEntry) : undefined;
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) {
        this.log.warn('journal read failed; continuing without it', {
          parameter: name,
          error: errorName(error),
        });
      }
      return undefined;
    }
  }

  async write(name: string, entry: JournalEntry): Promise<void> {
    try {
      await this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: JSON.stringify(entry),
          Type: 'String',
          Overwrite: true,
          Description: 'Ringg key rotation journal (no key inside)',
        }),
      );
    } catch (error) {
      this.log.warn('journal write failed; the rotation goes on', {
        parameter: name,
        error: errorName(error),
      });
    }
  }
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
