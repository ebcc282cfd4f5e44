import type { JournalEntry, JournalState, PromotionState, Step } from '../common/journal-entry.js';
import type { JournalRead, JournalStore } from './journal.js';

export interface JournalUpdate {
  readonly workspaceId?: string;
  readonly regenerate?: NonNullable<JournalEntry['regenerate']>['state'];
  readonly promotion?: { readonly state: PromotionState; readonly reason?: string };
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
    previous: JournalRead,
    private readonly timeoutMs: () => number,
    private readonly now: () => number = Date.now,
  ) {
    const entry = previous.kind === 'entry' ? previous.entry : undefined;
    this.entry = entry?.secretArn === secretArn ? entry : undefined;
  }

  /**
   * A hint, never a safety decision: an earlier attempt of this rotation reports the new key saved, so
   * an empty pending read is retried (a read right after a write can briefly miss it).
   */
  get newKeySaved(): boolean {
    return (
      this.entry?.token === this.token &&
      (this.entry.state === 'pending-stored' ||
        this.entry.state === 'rescued' ||
        this.entry.state === 'promoted' ||
        this.entry.state === 'tested')
    );
  }

  /** Where this rotation's promotion stands, as last recorded (a hint for the record, never a decision). */
  get promotionState(): PromotionState | undefined {
    return this.entry?.token === this.token ? this.entry.promotion?.state : undefined;
  }

  /** Best effort; `timeoutMs` overrides the step's own budget (the failure report has its own reserve). */
  async record(state: JournalState, update: JournalUpdate = {}, timeoutMs = this.timeoutMs()): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const sameRotation = this.entry?.token === this.token ? this.entry : undefined;
    const workspaceId = update.workspaceId ?? this.entry?.workspaceId;
    const regenerate = update.regenerate ? { state: update.regenerate, at } : sameRotation?.regenerate;
    const promotion = update.promotion
      ? { ...update.promotion, step: this.step, at }
      : sameRotation?.promotion;
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
      ...(promotion ? { promotion } : {}),
      ...(lastError ? { lastError } : {}),
    };
    this.entry = entry;
    await this.store.write(this.name, entry, timeoutMs);
  }
}
