import { describe, expect, it } from 'vitest';
import { Deadline, FINAL_LOG_MS, recordWriteMs, stepBudget } from '../../lambda/time-budget.js';

describe('the time a write of the new key to the rotation record gets once the step ran out', () => {
  const at = (ms: number) => () => ms;

  it('is the rescue reserve in full when the failure report has it, even with a small safety margin', () => {
    // 1 s margin, 3 s reserve: the step ends with 3 s left in the Lambda; the report has 3.75 s.
    const budget = stepBudget(4_000, 1_000, at(0));
    expect(budget.report.remainingMs()).toBe(4_000 - FINAL_LOG_MS);
    expect(recordWriteMs(budget.report, 3_000, 10_000)).toBe(3_000);
  });

  it('is half the report time when that is more, never past the call timeout or the report deadline', () => {
    expect(recordWriteMs(new Deadline(20_000, at(0)), 3_000, 10_000)).toBe(10_000);
    expect(recordWriteMs(new Deadline(12_000, at(0)), 3_000, 30_000)).toBe(6_000);
    expect(recordWriteMs(new Deadline(2_000, at(0)), 3_000, 10_000)).toBe(2_000);
  });
});
