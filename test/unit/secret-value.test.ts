import { describe, expect, it } from 'vitest';
import { formatWithKey, parseSecretValue } from '../../common/secret-value.js';

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
