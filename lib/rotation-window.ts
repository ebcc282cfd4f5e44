/**
 * Checks a rotation window against the schedule it belongs to, with the rule Secrets Manager documents
 * for `RotationRules.Duration` (RotationRulesType in the Secrets Manager API reference, and
 * AWS::SecretsManager::RotationSchedule RotationRules in CloudFormation).
 */
export const WINDOW_RULE =
  '"The window must not extend into the next rotation window or the next UTC day." ' +
  '(Secrets Manager API reference, RotationRulesType: Duration)';

const DAY_MINUTES = 24 * 60;

/**
 * Throws when a window of `windowHours` cannot be used with `expression`; returns nothing otherwise.
 * Without a window (`undefined`) Secrets Manager picks a valid one, so there is nothing to check.
 */
export function checkRotationWindow(expression: string, windowHours: number | undefined): void {
  if (windowHours === undefined) return;
  const rate = /^rate\((\d+) (hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const intervalHours = Number(rate[1]) * (rate[2]?.startsWith('day') ? 24 : 1);
    if (windowHours > intervalHours) {
      refuse(
        expression,
        windowHours,
        `it runs into the next rotation window, which opens ${intervalHours} hours after this one`,
      );
    }
    return;
  }
  const cron = /^cron\((\S+) (\S+) \S+ \S+ \S+ \S+\)$/.exec(expression);
  if (!cron) return;
  const minutes = expandField(cron[1] ?? '', 0, 59, 'minutes', expression);
  const hours = expandField(cron[2] ?? '', 0, 23, 'hours', expression);
  const starts = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  const windowMinutes = windowHours * 60;
  const last = starts.at(-1) ?? 0;
  for (let i = 1; i < starts.length; i++) {
    const gap = (starts[i] ?? 0) - (starts[i - 1] ?? 0);
    if (gap < windowMinutes) {
      refuse(
        expression,
        windowHours,
        `the window opening at ${clock(starts[i - 1] ?? 0)} UTC runs into the next one at ${clock(starts[i] ?? 0)} UTC`,
      );
    }
  }
  if (last + windowMinutes > DAY_MINUTES) {
    refuse(
      expression,
      windowHours,
      `a window opening at ${clock(last)} UTC closes at ${clock(last + windowMinutes - DAY_MINUTES)} on the next UTC day`,
    );
  }
}

function refuse(expression: string, windowHours: number, why: string): never {
  throw new Error(
    `Rotation window ${windowHours}h does not fit the schedule ${expression}: ${why}. AWS rule: ${WINDOW_RULE}. ` +
      'Shorten the window or move the start earlier in the day.',
  );
}

function clock(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** The values a cron field matches: `*`, `5`, `1,5`, `1-5`, `*\/4`, `2/4`, `1-10/3`. */
function expandField(field: string, min: number, max: number, name: string, expression: string): number[] {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const match = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!match) {
      throw new Error(
        `Cannot read the ${name} field "${field}" of ${expression}: use numbers, lists (1,5), ranges (1-5) or steps (*/4, 2/4).`,
      );
    }
    const from = match[1] === '*' ? min : Number(match[1]);
    const to = match[2] !== undefined ? Number(match[2]) : match[1] === '*' || match[3] ? max : from;
    const step = match[3] !== undefined ? Number(match[3]) : 1;
    if (from < min || to > max || from > to || step < 1) {
      throw new Error(`The ${name} field "${field}" of ${expression} must stay within ${min}-${max}.`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values];
}
