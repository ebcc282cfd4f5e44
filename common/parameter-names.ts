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
 * The parameters the rotation keeps for `secrets` secrets between rotations: a mirror each when
 * mirrored. A rotation's record exists only while it runs (one per open rotation).
 */
export function standingParameterCount(secrets: number, mirrored: boolean): number {
  return mirrored ? secrets : 0;
}

/**
 * Where a secret's rotation records live in SSM Parameter Store: `<prefix>/<secret path>/rotation/<one
 * token segment>.g<claim>`, and nothing else under `<prefix>/<secret path>/rotation`, so a grant on that path
 * reaches this secret's records and nothing of another secret's, whatever the names and tokens.
 */
export interface ParameterNames {
  /** The path that holds this secret's records and nothing else. */
  readonly recordPath: string;
  /**
   * The record of claim `generation` of the rotation to version `token`: each claim is a parameter of
   * its own, created once, so two deliveries can never both take the same claim.
   */
  record(token: string, generation: number): string;
  /** The claim `name` holds if it is a record of the rotation to `token`, else undefined. */
  generationOf(name: string, token: string): number | undefined;
  /** Before 0.2.0: where a new key waited when Secrets Manager would not take it (read once, on upgrade). */
  legacyRescue(token: string): string;
}

export function parameterNames(prefix: string, secretName: string): ParameterNames {
  const base = `${prefix}/${pathOf(secretName)}`;
  return {
    recordPath: `${base}/rotation`,
    record: (token, generation) => `${base}/rotation/${tokenSegment(token)}.g${generation}`,
    generationOf: (name, token) => {
      const prefix = `${base}/rotation/${tokenSegment(token)}.g`;
      const rest = name.startsWith(prefix) ? name.slice(prefix.length) : '';
      return /^[1-9]\d{0,5}$/.test(rest) ? Number(rest) : undefined;
    },
    legacyRescue: (token) => `${base}/rescue/${pathOf(token)}`,
  };
}

/** The SecureString that mirrors a secret's live key for services that read Parameter Store. */
export function mirrorParameterName(prefix: string, secretName: string): string {
  return `${prefix}/${pathOf(secretName)}`;
}

/**
 * Why the secret's parameters cannot exist under `prefix` (too many levels for SSM), or undefined.
 * The deepest is the record, `<prefix>/<secret>/rotation/<token>.g<claim>`.
 */
export function parameterNamesProblem(prefix: string, secretName: string): string | undefined {
  const deepest = parameterNames(prefix, secretName).record('token', 1);
  const levels = levelsOf(deepest);
  if (levels <= SSM_MAX_HIERARCHY_LEVELS) return undefined;
  return (
    `its rotation records (${prefix}/${pathOf(secretName)}/rotation/…) would have ${levels} levels, ` +
    `and SSM Parameter Store allows ${SSM_MAX_HIERARCHY_LEVELS}. Use a secret name with fewer "/" ` +
    'segments, or a shorter parameter prefix'
  );
}

/** The last segment of a parameter name of each kind: a token may never be one of them. */
export const PARAMETER_KINDS = ['journal', 'rotation', 'rescue', 'intent'] as const;

/**
 * Why `prefix` cannot be a parameter path (`parameterPrefix`, `parameterStoreMirror.prefix`), or
 * undefined. The function applies the same rule to its environment.
 */
export function parameterPrefixProblem(prefix: string): string | undefined {
  if (!/^\/[A-Za-z0-9_.\-/]+$/.test(prefix) || prefix.endsWith('/') || /^\/(aws|ssm)/i.test(prefix)) {
    return (
      'must be an SSM parameter path: start with "/", use only letters, digits and _ . - /, ' +
      'not end with "/", and not start with aws or ssm'
    );
  }
  if (prefix.includes('//')) return 'must not hold an empty segment ("//")';
  return undefined;
}

/**
 * Whether a grant on one path can reach a parameter of the other: the same path, or one under the
 * other, segment by segment (`/ringg` and `/ringg-mirror` are apart, `/ringg` and `/ringg/mirror` not).
 */
export function prefixesOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

export function levelsOf(parameterName: string): number {
  return parameterName.split('/').filter((segment) => segment !== '').length;
}

const SSM_SAFE_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const SSM_SAFE_SEGMENT = /^[A-Za-z0-9_.-]+$/;

/**
 * A rotation token as exactly one path segment. The caller of RotateSecret chooses the token
 * (ClientRequestToken, 32 to 64 characters, any), so one that would add segments (`…/journal`),
 * hold characters SSM refuses, be only dots, or spell a kind is hashed: `a/journal` becomes
 * `a_journal.<hash>`, never a name another kind of parameter could have.
 */
export function tokenSegment(token: string): string {
  const kind = (PARAMETER_KINDS as readonly string[]).includes(token);
  if (SSM_SAFE_SEGMENT.test(token) && !/^\.+$/.test(token) && !kind) return token;
  const readable = token.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+$/, '_');
  return `${readable}.${hash(token)}`;
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 10);
}

/**
 * A secret name as a parameter path. Names SSM can hold as they are stay readable and
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
  return `${readable === '' ? '_' : readable}.${hash(value)}`;
}
