import { createHash } from 'node:crypto';

/**
 * SSM parameter names may have at most 15 levels ("/a/b/…/name"): PutParameter fails with
 * HierarchyLevelLimitExceededException beyond.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
 */
export const SSM_MAX_HIERARCHY_LEVELS = 15;

/**
 * SSM Standard-tier parameters per account and Region (shared with everything else in the account).
 * https://docs.aws.amazon.com/general/latest/gr/ssm.html ("Maximum number of standard parameters per account and Region")
 */
export const SSM_STANDARD_PARAMETERS_PER_REGION = 10_000;

/**
 * The parameters the rotation keeps for `secrets` secrets between rotations: a journal each, and a mirror
 * each when mirrored. An open rotation adds its intents and at most one rescue until it finishes.
 */
export function standingParameterCount(secrets: number, mirrored: boolean): number {
  return secrets * (mirrored ? 2 : 1);
}

/** Where a secret's journal and rescue parameters live in SSM Parameter Store. */
export interface ParameterNames {
  readonly journal: string;
  /** The path under which the rescue parameters of this secret live. */
  readonly rescuePath: string;
  rescue(token: string): string;
  /** The create-once record that a regenerate of this rotation is about to be sent (generation 1, 2, …). */
  intent(token: string, generation: number): string;
}

export function parameterNames(prefix: string, secretName: string): ParameterNames {
  const base = `${prefix}/${pathOf(secretName)}`;
  return {
    journal: `${base}/journal`,
    rescuePath: `${base}/rescue`,
    rescue: (token) => `${base}/rescue/${pathOf(token)}`,
    intent: (token, generation) => `${base}/intent/${pathOf(token)}.${generation}`,
  };
}

/** The SecureString that mirrors a secret's live key for services that read Parameter Store. */
export function mirrorParameterName(prefix: string, secretName: string): string {
  return `${prefix}/${pathOf(secretName)}`;
}

/**
 * Why the secret's parameters cannot exist under `prefix` (too many levels for SSM), or undefined.
 * The deepest is the intent, `<prefix>/<secret>/intent/<token>.<n>`; a rotation token has no "/".
 */
export function parameterNamesProblem(prefix: string, secretName: string): string | undefined {
  const deepest = parameterNames(prefix, secretName).intent('token', 1);
  const levels = levelsOf(deepest);
  if (levels <= SSM_MAX_HIERARCHY_LEVELS) return undefined;
  return (
    `its rotation parameters (${prefix}/${pathOf(secretName)}/intent/…) would have ${levels} levels, ` +
    `and SSM Parameter Store allows ${SSM_MAX_HIERARCHY_LEVELS}. Use a secret name with fewer "/" ` +
    'segments, or a shorter parameter prefix'
  );
}

export function levelsOf(parameterName: string): number {
  return parameterName.split('/').filter((segment) => segment !== '').length;
}

const SSM_SAFE_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * A secret name (or token) as a parameter path. Names SSM can hold as they are stay readable and
 * unchanged. Others (secret names may hold + = @, and leading, trailing or repeated slashes, which SSM
 * names may not) get their unsafe characters replaced and a hash of the exact name appended, so that
 * `ringg/team+a` and `ringg/team=a` never share a journal, an intent or a mirror.
 */
function pathOf(value: string): string {
  if (SSM_SAFE_PATH.test(value)) return value;
  const readable = value
    .replace(/[^A-Za-z0-9_.\-/]/g, '_')
    .replace(/\/{2,}/g, '/')
    .replace(/^\/|\/$/g, '');
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 10);
  return `${readable === '' ? '_' : readable}.${hash}`;
}
