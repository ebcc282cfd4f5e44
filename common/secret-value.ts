/**
 * The two shapes a secret value may take: the key itself, or a JSON object whose "apiKey" field holds
 * it. A new version keeps the shape, and every other JSON field, of the version it replaces.
 */
export type SecretFormat = 'plain' | 'json';

export interface SecretValue {
  readonly format: SecretFormat;
  readonly apiKey: string;
  /** For the JSON format: the whole object, other fields included. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

export type ParseResult = { ok: true; value: SecretValue } | { ok: false; problem: string };

/**
 * The longest key this product accepts. Ringg documents no bound (its keys are 36-character UUIDs);
 * 512 keeps a header, a log-free error and the rescue parameter comfortably small.
 */
export const MAX_API_KEY_LENGTH = 512;

/**
 * Secrets Manager's limit on a SecretString.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html ("Secret value size")
 */
export const SECRET_STRING_MAX_BYTES = 65_536;

export type KeyResult = { ok: true; key: string } | { ok: false; problem: string };

/**
 * The one rule for a usable key, wherever a key enters (a secret value, Ringg's answer, the CLI):
 * surrounding white space is dropped; what remains must be 1 to MAX_API_KEY_LENGTH printable ASCII
 * characters, because it travels as an HTTP header value. Problems never quote the key.
 */
export function normalizeApiKey(raw: unknown): KeyResult {
  if (typeof raw !== 'string') return { ok: false, problem: 'is not a string' };
  const key = raw.trim();
  if (key === '') return { ok: false, problem: 'is empty or blank' };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(key)) return { ok: false, problem: 'contains control characters' };
  if (/\s/.test(key)) return { ok: false, problem: 'contains white space (a key is a single token)' };
  if (/[^\u0021-\u007e]/.test(key)) {
    return { ok: false, problem: 'contains characters outside printable ASCII' };
  }
  if (key.length > MAX_API_KEY_LENGTH) {
    return { ok: false, problem: `is longer than ${MAX_API_KEY_LENGTH} characters` };
  }
  return { ok: true, key };
}

/** What is wrong with `key` under the rule above, or undefined when it is usable as it stands. */
export function keyRuleProblem(key: string): string | undefined {
  const result = normalizeApiKey(key);
  return result.ok ? undefined : result.problem;
}

export function parseSecretValue(raw: string | undefined): ParseResult {
  if (raw === undefined)
    return { ok: false, problem: 'it holds no string value (SecretBinary is not supported)' };
  const text = raw.trim();
  if (text === '') return { ok: false, problem: 'it is empty or blank' };

  const parsed = tryJson(text);
  if (parsed.isJson) {
    const json = parsed.value;
    if (Array.isArray(json)) return { ok: false, problem: 'it is a JSON array, not an object' };
    if (typeof json !== 'object' || json === null) {
      return { ok: false, problem: `it is a JSON ${json === null ? 'null' : typeof json}, not an object` };
    }
    const fields = json as Record<string, unknown>;
    if (!Object.hasOwn(fields, 'apiKey'))
      return { ok: false, problem: 'the JSON object has no "apiKey" field' };
    if (typeof fields.apiKey !== 'string')
      return { ok: false, problem: 'its "apiKey" field is not a string' };
    const key = normalizeApiKey(fields.apiKey);
    if (!key.ok) return { ok: false, problem: `its "apiKey" field ${key.problem}` };
    return { ok: true, value: { format: 'json', apiKey: key.key, fields } };
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    return { ok: false, problem: 'it starts like JSON but is not valid JSON' };
  }
  const key = normalizeApiKey(text);
  if (!key.ok) return { ok: false, problem: `the plain value ${key.problem}` };
  return { ok: true, value: { format: 'plain', apiKey: key.key } };
}

/** The string to store for `newKey`, in the same format as `previous`. */
export function formatWithKey(previous: SecretValue, newKey: string): string {
  if (previous.format === 'plain') return newKey;
  return JSON.stringify({ ...previous.fields, apiKey: newKey });
}

/**
 * Whether the value that replaces `current` fits Secrets Manager whatever key Ringg issues: sized
 * with the longest accepted key made of the character JSON escapes to two bytes.
 */
export function newValueFits(current: SecretValue): { fits: boolean; worstCaseBytes: number } {
  const worstKey = '"'.repeat(MAX_API_KEY_LENGTH);
  const worstCaseBytes = Buffer.byteLength(formatWithKey(current, worstKey), 'utf8');
  return { fits: worstCaseBytes <= SECRET_STRING_MAX_BYTES, worstCaseBytes };
}

function tryJson(text: string): { isJson: true; value: unknown } | { isJson: false } {
  try {
    return { isJson: true, value: JSON.parse(text) };
  } catch {
    return { isJson: false };
  }
}
