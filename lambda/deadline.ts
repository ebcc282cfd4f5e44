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

export type Sleep = (ms: number) => Promise<void>;

export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with equal jitter: attempt n waits between half and all of min(cap, base * 2^(n-1)). */
export function backoffMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
