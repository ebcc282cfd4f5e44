import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { KeyRotationSchedule } from '../../lib/rotation-schedule.js';
import { checkRotationWindow } from '../../lib/rotation-window.js';

describe('rotation windows', () => {
  it.each([
    ['cron(0 23 ? * SUN *)', 3, /a window opening at 23:00 UTC closes at 02:00 on the next UTC day/],
    ['cron(30 21 * * ? *)', 3, /opening at 21:30 UTC closes at 00:30 on the next UTC day/],
    ['cron(0 0,12 * * ? *)', 13, /the window opening at 00:00 UTC runs into the next one at 12:00 UTC/],
    ['cron(0 */4 * * ? *)', 5, /runs into the next one/],
    ['rate(4 hours)', 6, /runs into the next rotation window, which opens 4 hours after this one/],
    ['rate(12 hours)', 13, /opens 12 hours after this one/],
  ])('refuses %s with a %ih window, quoting the rule', (expression, hours, why) => {
    expect(() => checkRotationWindow(expression, hours)).toThrow(why);
    expect(() => checkRotationWindow(expression, hours)).toThrow(
      /"The window must not extend into the next rotation window or the next UTC day\."/,
    );
  });

  it.each([
    ['cron(0 21 ? * SUN *)', 3],
    ['cron(0 0 1 * ? *)', 24],
    ['cron(0 0,12 * * ? *)', 12],
    ['cron(0 2-20/6 * * ? *)', 4],
    ['rate(4 hours)', 4],
    ['rate(1 day)', 24],
    ['rate(30 days)', undefined],
  ])('accepts %s with a %sh window', (expression, hours) => {
    expect(() => checkRotationWindow(expression, hours)).not.toThrow();
  });

  it('is checked where a schedule is made, from props and from context', () => {
    expect(() => KeyRotationSchedule.cron('cron(0 23 ? * SUN *)', { window: Duration.hours(3) })).toThrow(
      /next UTC day/,
    );
    expect(() => KeyRotationSchedule.parse('rate(4 hours)', '6h')).toThrow(/next rotation window/);
    expect(() => KeyRotationSchedule.parse('cron(0 25 * * ? *)', '1h')).toThrow(/must stay within 0-23/);
    expect(() => KeyRotationSchedule.parse('cron(0 L * * ? *)', '1h')).toThrow(
      /Cannot read the hours field "L"/,
    );
  });
});
