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
    const apiKey = fields.apiKey;
    if (typeof apiKey !== 'string') return { ok: false, problem: 'its "apiKey" field is not a string' };
    const keyProblem = checkKey(apiKey);
    if (keyProblem) return { ok: false, problem: `its "apiKey" field ${keyProblem}` };
    return { ok: true, value: { format: 'json', apiKey, fields } };
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    return { ok: false, problem: 'it starts like JSON but is not valid JSON' };
  }
  const keyProblem = checkKey(text);
  if (keyProblem) return { ok: false, problem: `the plain value ${keyProblem}` };
  return { ok: true, value: { format: 'plain', apiKey: text } };
}

/** The string to store for `newKey`, in the same format as `previous`. */
export function formatWithKey(previous: SecretValue, newKey: string): string {
  if (previous.format === 'plain') return newKey;
  return JSON.stringify({ ...previous.fields, apiKey: newKey });
}

export function checkKey(key: string): string | undefined {
  if (key.trim() === '') return 'is empty or blank';
  if (/\s/.test(key)) return 'contains white space (a key is a single token)';
  if (key.length > 512) return 'is longer than 512 characters';
  return undefined;
}

function tryJson(text: string): { isJson: true; value: unknown } | { isJson: false } {
  try {
    return { isJson: true, value: JSON.parse(text) };
  } catch {
    return { isJson: false };
  }
}
