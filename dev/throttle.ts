/**
 * A token bucket: `perSecond` requests a second on average, bursts up to `burst`. The stand-ins use
 * it to answer like a rate-limited Ringg (429) or a throttled AWS API (ThrottlingException).
 */
export class RateLimit {
  private tokens: number;
  private last: number;
  /** Requests refused so far. */
  refused = 0;

  constructor(
    readonly perSecond: number,
    readonly burst = perSecond,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** True if the request may pass; false (and counted) if it is over the rate. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.refused++;
    return false;
  }
}
