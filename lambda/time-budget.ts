import { MIN_CHECK_ATTEMPT_MS } from '../common/key-check.js';

/**
 * Every reserve a step keeps, in one place. A step's budget is the Lambda's remaining time less the
 * safety margin (ROTATION_SAFETY_MARGIN_MS); only the failure report may run into that margin, and
 * FINAL_LOG_MS of it stays free even from the report.
 */
export const FINAL_LOG_MS = 250;
/** Without a Lambda context (local runs), a step gets the time a 60 s function would give it. */
export const DEFAULT_BUDGET_MS = 60_000;
/** The least time a regenerate request is sent with. */
export const MIN_PATCH_MS = 500;
/** The least time a PutSecretValue is sent with while the new key exists only in memory. */
export const MIN_WRITE_ATTEMPT_MS = 200;
/** Kept after a proof in setSecret, for the mirror and the AWSCURRENT move. */
export const MOVE_RESERVE_MS = 1_500;
/** How often a delivery that waits for another delivery's regenerate looks for its outcome. */
export const WAIT_POLL_MS = 500;
/** A wait is only worth starting with this much time left after it. */
export const MIN_WAIT_LEFT_MS = 1_000;
/** Before labels are looked at again: long enough for a read right after a move to catch up. */
export const RELOOK_SETTLE_MS = 1_000;
/**
 * Lambda's longest function timeout: no claim's owner can run longer.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
 */
export const LAMBDA_MAX_TIMEOUT_MS = 900_000;
/** Clocks of two Lambda hosts may differ a little: a claim counts as live this much past its end. */
export const CLAIM_CLOCK_GRACE_MS = 2_000;
/** Throttled AWS calls are retried after backoffs from this base up to this cap, within the call's time. */
export const THROTTLE_BACKOFF_BASE_MS = 200;
export const THROTTLE_BACKOFF_CAP_MS = 3_000;

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

export interface StepBudget {
  /** The step's own deadline. */
  readonly step: Deadline;
  /** The failure report's: the step's plus the safety margin, less FINAL_LOG_MS. */
  readonly report: Deadline;
}

export function stepBudget(remainingMs: number, safetyMarginMs: number, now: () => number): StepBudget {
  return {
    step: new Deadline(remainingMs - safetyMarginMs, now),
    report: new Deadline(remainingMs - FINAL_LOG_MS, now),
  };
}

/** What the decider may start with the time left (see Facts.time). */
export function timeFacts(step: Deadline, rescueReserveMs: number) {
  return {
    wait: step.allows(WAIT_POLL_MS + MIN_WAIT_LEFT_MS),
    regenerate: step.allows(MIN_PATCH_MS + MIN_WRITE_ATTEMPT_MS, rescueReserveMs),
    prove: step.allows(MIN_CHECK_ATTEMPT_MS, MOVE_RESERVE_MS),
  };
}

/**
 * What a write of the new key to the rotation record gets after the step's own time ran out: the
 * rescue reserve in full where the failure report has it, else half of the report's time; the
 * failure tag that follows is best effort, the key is not.
 */
export function recordWriteMs(report: Deadline, rescueReserveMs: number, awsCallTimeoutMs: number): number {
  const left = report.remainingMs();
  return Math.min(awsCallTimeoutMs, left, Math.max(rescueReserveMs, left / 2));
}
