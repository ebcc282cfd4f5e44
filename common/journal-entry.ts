/**
 * The journal: one SSM String parameter per secret describing its latest rotation, for operators and
 * the CLI. Never holds a key. It is informational only: no safety decision rests on it, because a
 * principal who can write the parameter prefix can rewrite it.
 */
export const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type Step = (typeof STEPS)[number];

export const JOURNAL_STATES = [
  'current-key-verified',
  'regenerating',
  'pending-stored',
  'rescued',
  'promoted',
  'tested',
  'finished',
  'failed',
] as const;
export type JournalState = (typeof JOURNAL_STATES)[number];

export const REGENERATE_STATES = ['in-flight', 'succeeded', 'not-regenerated'] as const;
export type RegenerateState = (typeof REGENERATE_STATES)[number];

/** Where AWSCURRENT moved: `promoted` (by `step`), or `deferred` by setSecret to finishSecret, with why. */
export const PROMOTION_STATES = ['promoted', 'deferred'] as const;
export type PromotionState = (typeof PROMOTION_STATES)[number];

export interface JournalEntry {
  readonly secretArn: string;
  readonly token: string;
  readonly step: Step;
  readonly state: JournalState;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** The Ringg workspace of the secret's key, as last seen; for display (the check uses the secret's tag). */
  readonly workspaceId?: string;
  readonly regenerate?: { readonly state: RegenerateState; readonly at: string };
  readonly promotion?: {
    readonly state: PromotionState;
    readonly step: Step;
    readonly at: string;
    /** Why setSecret left the version pending (`deferred` only). Never a key. */
    readonly reason?: string;
  };
  readonly lastError?: {
    readonly code: string;
    readonly message: string;
    readonly step: Step;
    readonly at: string;
    /** Whether the service's next attempt can succeed without a person doing anything. */
    readonly retryable: boolean;
  };
}

export type JournalParse = { ok: true; entry: JournalEntry } | { ok: false; problem: string };

/** Validates a journal parameter's text against the schema above; anything else is "no progress known". */
export function parseJournalEntry(text: string | undefined): JournalParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    return { ok: false, problem: 'it is not JSON' };
  }
  if (!isObject(raw)) return { ok: false, problem: 'it is not a JSON object' };
  const problems: string[] = [];
  const str = (name: string, value: unknown, optional = false) => {
    if (value === undefined && optional) return;
    if (typeof value !== 'string' || value === '' || value.length > 2_048)
      problems.push(`"${name}" is not a non-empty string`);
  };
  const oneOf = (name: string, value: unknown, allowed: readonly string[]) => {
    if (typeof value !== 'string' || !allowed.includes(value))
      problems.push(`"${name}" is not one of ${allowed.join(', ')}`);
  };
  str('secretArn', raw.secretArn);
  str('token', raw.token);
  oneOf('step', raw.step, STEPS);
  oneOf('state', raw.state, JOURNAL_STATES);
  str('startedAt', raw.startedAt);
  str('updatedAt', raw.updatedAt);
  str('workspaceId', raw.workspaceId, true);
  if (raw.regenerate !== undefined) {
    if (!isObject(raw.regenerate)) problems.push('"regenerate" is not an object');
    else {
      oneOf('regenerate.state', raw.regenerate.state, REGENERATE_STATES);
      str('regenerate.at', raw.regenerate.at);
    }
  }
  if (raw.promotion !== undefined) {
    const p = raw.promotion;
    if (!isObject(p)) problems.push('"promotion" is not an object');
    else {
      oneOf('promotion.state', p.state, PROMOTION_STATES);
      oneOf('promotion.step', p.step, STEPS);
      str('promotion.at', p.at);
      str('promotion.reason', p.reason, true);
    }
  }
  if (raw.lastError !== undefined) {
    const e = raw.lastError;
    if (!isObject(e)) problems.push('"lastError" is not an object');
    else {
      str('lastError.code', e.code);
      str('lastError.message', e.message);
      oneOf('lastError.step', e.step, STEPS);
      str('lastError.at', e.at);
      if (typeof e.retryable !== 'boolean') problems.push('"lastError.retryable" is not a boolean');
    }
  }
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  return { ok: true, entry: raw as unknown as JournalEntry };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
