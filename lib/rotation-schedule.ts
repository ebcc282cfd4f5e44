import { Duration } from 'aws-cdk-lib';
import { checkRotationWindow } from './rotation-window.js';

/** Options shared by every kind of schedule. */
export interface RotationWindowOptions {
  /**
   * How long after the scheduled start Secrets Manager may run the rotation, in whole hours (1 to 24).
   *
   * @default - 1 hour for schedules in hours, the rest of the UTC day for schedules in days
   */
  readonly window?: Duration;
}

/**
 * When the key rotates: a rate of at least 4 hours, or a cron expression, each with an optional
 * window. Renders the `RotationRules` of `AWS::SecretsManager::RotationSchedule`.
 */
export class KeyRotationSchedule {
  /** Every `interval`: whole hours (at least 4) or whole days (at most 1000). */
  static rate(interval: Duration, options: RotationWindowOptions = {}): KeyRotationSchedule {
    const hours = interval.toHours({ integral: false });
    if (!Number.isInteger(hours) || hours < 4 || hours > 24_000) {
      throw new Error(
        `A rotation rate must be a whole number of hours from 4 hours to 1000 days; got ${interval.toHumanString()}. ` +
          'Use e.g. Duration.days(30) or Duration.hours(12).',
      );
    }
    const expression =
      hours % 24 === 0 ? `rate(${hours / 24} ${hours === 24 ? 'day' : 'days'})` : `rate(${hours} hours)`;
    return KeyRotationSchedule.checked(expression, options.window);
  }

  /** A Secrets Manager cron expression with six fields, e.g. `cron(0 3 ? * SUN *)`: Sundays at 03:00 UTC. */
  static cron(expression: string, options: RotationWindowOptions = {}): KeyRotationSchedule {
    const fields = /^cron\((.+)\)$/.exec(expression.trim())?.[1]?.trim().split(/\s+/);
    if (fields?.length !== 6) {
      throw new Error(
        `"${expression}" is not a Secrets Manager cron expression: write cron(minutes hours day-of-month month ` +
          'day-of-week year), six fields, e.g. cron(0 3 ? * SUN *).',
      );
    }
    return KeyRotationSchedule.checked(`cron(${fields.join(' ')})`, options.window);
  }

  /**
   * From the strings a CDK context holds: `rate(30 days)`, `rate(12 hours)` or `cron(...)`, and a
   * window such as `3h`.
   */
  static parse(expression: string, window?: string): KeyRotationSchedule {
    const windowDuration = window === undefined ? undefined : parseWindow(window);
    const rate = /^rate\((\d+)\s+(hour|hours|day|days)\)$/.exec(expression.trim());
    if (rate) {
      const amount = Number(rate[1]);
      const interval = rate[2]?.startsWith('hour') ? Duration.hours(amount) : Duration.days(amount);
      return KeyRotationSchedule.rate(interval, { window: windowDuration });
    }
    if (expression.trim().startsWith('cron('))
      return KeyRotationSchedule.cron(expression, { window: windowDuration });
    throw new Error(`Schedule "${expression}" must be rate(N days), rate(N hours) or cron(...).`);
  }

  private static checked(expression: string, window: Duration | undefined): KeyRotationSchedule {
    const rendered = renderWindow(window);
    checkRotationWindow(expression, window?.toHours());
    return new KeyRotationSchedule(expression, rendered);
  }

  private constructor(
    /** The `ScheduleExpression`. */
    readonly expression: string,
    /** The `Duration`, e.g. `3h`, or undefined for the service's default. */
    readonly window: string | undefined,
  ) {}
}

function renderWindow(window: Duration | undefined): string | undefined {
  if (window === undefined) return undefined;
  const hours = window.toHours({ integral: false });
  if (!Number.isInteger(hours) || hours < 1 || hours > 24) {
    throw new Error(`A rotation window must be whole hours from 1 to 24; got ${window.toHumanString()}.`);
  }
  return `${hours}h`;
}

function parseWindow(window: string): Duration {
  const match = /^(\d{1,2})h$/.exec(window.trim());
  if (!match) throw new Error(`Rotation window "${window}" must be whole hours written like 3h (1h to 24h).`);
  return Duration.hours(Number(match[1]));
}
