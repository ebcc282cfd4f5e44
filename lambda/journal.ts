import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { type JournalEntry, parseJournalEntry } from '../common/journal-entry.js';
import { callWithin } from './aws-call.js';
import type { Logger } from './logger.js';

/** What the journal parameter holds: nothing yet, a valid entry, or something that is not one. */
export type JournalRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'entry'; readonly entry: JournalEntry }
  | { readonly kind: 'unreadable'; readonly problem: string };

export interface JournalStore {
  read(name: string, timeoutMs: number): Promise<JournalRead>;
  /** Best effort: a failing write is logged, never thrown. */
  write(name: string, entry: JournalEntry, timeoutMs: number): Promise<void>;
}

/**
 * The journal in an SSM String parameter. It only informs operators and the next attempt's log; no
 * safety decision rests on it, so a read that fails or does not parse is "no progress known".
 */
export class SsmJournalStore implements JournalStore {
  constructor(
    private readonly client: SSMClient,
    private readonly log: Logger,
  ) {}

  async read(name: string, timeoutMs: number): Promise<JournalRead> {
    let text: string | undefined;
    try {
      const out = await callWithin('SSM GetParameter (journal)', timeoutMs, (abortSignal) =>
        this.client.send(new GetParameterCommand({ Name: name }), { abortSignal }),
      );
      text = out.Parameter?.Value;
    } catch (error) {
      if (error instanceof ParameterNotFound) return { kind: 'none' };
      this.log.warn('journal read failed; no progress known', { parameter: name, error: errorName(error) });
      return { kind: 'unreadable', problem: `reading it failed (${errorName(error)})` };
    }
    const parsed = parseJournalEntry(text);
    if (parsed.ok) return { kind: 'entry', entry: parsed.entry };
    this.log.warn('journal does not match its schema; no progress known', {
      parameter: name,
      problem: parsed.problem,
    });
    return { kind: 'unreadable', problem: parsed.problem };
  }

  async write(name: string, entry: JournalEntry, timeoutMs: number): Promise<void> {
    try {
      await callWithin('SSM PutParameter (journal)', timeoutMs, (abortSignal) =>
        this.client.send(
          new PutParameterCommand({
            Name: name,
            Value: JSON.stringify(entry),
            Type: 'String',
            Overwrite: true,
            Description: 'Ringg key rotation journal (no key inside)',
          }),
          { abortSignal },
        ),
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
