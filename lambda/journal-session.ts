import type { Step } from './event.js';
import type { JournalEntry, JournalState, JournalStore } from './journal.js';

export interface JournalUpdate {
  readonly workspaceId?: string;
  readonly regenerate?: NonNullable<JournalEntry['regenerate']>['state'];
  readonly error?: { readonly code: string; readonly message: string; readonly retryable: boolean };
}

/** The journal as one invocation sees it: the entry read at its start, and the writes it makes. */
export class JournalSession {
  private entry: JournalEntry | undefined;

  constructor(
    private readonly store: JournalStore,
    private readonly name: string,
    private readonly secretArn: string,
    private readonly token: string,
    private readonly step: Step,
    previous: JournalEntry | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.entry = previous?.secretArn === secretArn ? previous : undefined;
  }

  /** The secret's workspace as last recorded, by this rotation or an earlier one. */
  get workspaceId(): string | undefined {
    return this.entry?.workspaceId;
  }

  /** An earlier attempt of this rotation sent a regenerate whose outcome was never recorded. */
  get regenerateInFlight(): boolean {
    return this.entry?.token === this.token && this.entry.regenerate?.state === 'in-flight';
  }

  /** The new key of this rotation reached Secrets Manager or the rescue parameter. */
  get newKeySaved(): boolean {
    return (
      this.entry?.token === this.token &&
      (this.entry.state === 'pending-stored' ||
        this.entry.state === 'rescued' ||
        this.entry.state === 'tested')
    );
  }

  async record(state: JournalState, update: JournalUpdate = {}): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const sameRotation = this.entry?.token === this.token ? this.entry : undefined;
    const workspaceId = update.workspaceId ?? this.entry?.workspaceId;
    const regenerate = update.regenerate ? { state: update.regenerate, at } : sameRotation?.regenerate;
    const lastError = update.error ? { ...update.error, step: this.step, at } : sameRotation?.lastError;
    const entry: JournalEntry = {
      secretArn: this.secretArn,
      token: this.token,
      step: this.step,
      state,
      startedAt: sameRotation?.startedAt ?? at,
      updatedAt: at,
      ...(workspaceId ? { workspaceId } : {}),
      ...(regenerate ? { regenerate } : {}),
      ...(lastError ? { lastError } : {}),
    };
    this.entry = entry;
    await this.store.write(this.name, entry);
  }
}
