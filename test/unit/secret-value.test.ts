import { describe, expect, it } from 'vitest';
import {
  formatWithKey,
  MAX_API_KEY_LENGTH,
  newValueFits,
  normalizeApiKey,
  parseSecretValue,
  SECRET_STRING_MAX_BYTES,
} from '../../common/secret-value.js';

describe('parseSecretValue', () => {
  it('reads a plain key, trimmed', () => {
    expect(parseSecretValue(' abc-123\n')).toEqual({
      ok: true,
      value: { format: 'plain', apiKey: 'abc-123' },
    });
  });

  it('reads a JSON object with apiKey and keeps the other fields', () => {
    const parsed = parseSecretValue('{"username":"ops","apiKey":"abc-123","n":1}');
    expect(parsed).toEqual({
      ok: true,
      value: { format: 'json', apiKey: 'abc-123', fields: { username: 'ops', apiKey: 'abc-123', n: 1 } },
    });
  });

  it.each([
    [undefined, 'it holds no string value (SecretBinary is not supported)'],
    ['', 'it is empty or blank'],
    ['null', 'it is a JSON null, not an object'],
    ['true', 'it is a JSON boolean, not an object'],
    ['"abc"', 'it is a JSON string, not an object'],
    ['[1]', 'it is a JSON array, not an object'],
    ['{}', 'the JSON object has no "apiKey" field'],
    ['{"apiKey":null}', 'its "apiKey" field is not a string'],
    ['{"apiKey":"a b"}', 'its "apiKey" field contains white space (a key is a single token)'],
    ['{"apiKey":"a\\u0000b"}', 'its "apiKey" field contains control characters'],
    ['a\u0007b', 'the plain value contains control characters'],
    ['[broken', 'it starts like JSON but is not valid JSON'],
    ['x'.repeat(513), 'the plain value is longer than 512 characters'],
  ])('refuses %j: %s', (raw, problem) => {
    expect(parseSecretValue(raw)).toEqual({ ok: false, problem });
  });
});

describe('formatWithKey', () => {
  it('keeps the plain format', () => {
    const parsed = parseSecretValue('old');
    if (!parsed.ok) throw new Error('unreachable');
    expect(formatWithKey(parsed.value, 'new')).toBe('new');
  });

  it('keeps every JSON field and its position, replacing only apiKey', () => {
    const parsed = parseSecretValue('{"a":1,"apiKey":"old","z":{"deep":[true]}}');
    if (!parsed.ok) throw new Error('unreachable');
    expect(formatWithKey(parsed.value, 'new')).toBe('{"a":1,"apiKey":"new","z":{"deep":[true]}}');
  });
});

describe('normalizeApiKey: the one rule for a usable key', () => {
  it('trims surrounding white space, in the secret format as at Ringg', () => {
    expect(normalizeApiKey('  k-1\r\n')).toEqual({ ok: true, key: 'k-1' });
    expect(parseSecretValue('{"apiKey":" k-1\\n"}')).toMatchObject({ ok: true, value: { apiKey: 'k-1' } });
  });

  it('accepts exactly the documented bound and refuses one more', () => {
    expect(normalizeApiKey('k'.repeat(MAX_API_KEY_LENGTH))).toMatchObject({ ok: true });
    expect(normalizeApiKey('k'.repeat(MAX_API_KEY_LENGTH + 1))).toEqual({
      ok: false,
      problem: 'is longer than 512 characters',
    });
  });

  it.each([
    [undefined, 'is not a string'],
    [' ', 'is empty or blank'],
    ['a\u007fb', 'contains control characters'],
    ['a\u00a0b', 'contains white space (a key is a single token)'],
    ['ключ', 'contains characters outside printable ASCII'],
  ])('refuses %j: %s', (raw, problem) => {
    expect(normalizeApiKey(raw)).toEqual({ ok: false, problem });
  });
});

describe('newValueFits: refuse before regenerating when the new value could not be stored', () => {
  it('sizes the JSON value with the longest key of characters JSON escapes', () => {
    const parsed = parseSecretValue(
      JSON.stringify({ apiKey: 'k', pad: 'x'.repeat(SECRET_STRING_MAX_BYTES - 1_000) }),
    );
    if (!parsed.ok) throw new Error('unreachable');
    const fit = newValueFits(parsed.value);
    expect(fit.fits).toBe(false);
    expect(fit.worstCaseBytes).toBeGreaterThan(SECRET_STRING_MAX_BYTES);
  });

  it('a value with room for any accepted key fits, and the limit is counted in bytes', () => {
    const small = parseSecretValue(JSON.stringify({ apiKey: 'k', pad: 'x'.repeat(60_000) }));
    const wide = parseSecretValue(JSON.stringify({ apiKey: 'k', pad: 'é'.repeat(32_500) }));
    if (!small.ok || !wide.ok) throw new Error('unreachable');
    expect(newValueFits(small.value).fits).toBe(true);
    expect(newValueFits(wide.value).fits).toBe(false);
  });
});
