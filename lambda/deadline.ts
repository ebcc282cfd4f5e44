/** The time a step may still spend, taken from the Lambda context, minus a margin to report failure. */
export class Deadline {
  private readonly endsAt: number;

  constructor(
    budgetMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + Math.max(0, budgetMs);
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - this.now());
  }

  /** Whether `ms` more can be spent and still leave `reserveMs`. */
  allows(ms: number, reserveMs = 0): boolean {
    return this.remainingMs() - reserveMs >= ms;
  }
}

export { backoffMs, type Sleep, sleep } from '../common/backoff.js';
