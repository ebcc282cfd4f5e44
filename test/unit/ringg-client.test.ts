import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRetryAfter, RinggClient } from '../../common/ringg-client.js';

const ORIGIN = 'https://ringg.test';
let agent: MockAgent;
let client: RinggClient;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  client = new RinggClient(`${ORIGIN}/ca/api/v0`, agent, () => Date.parse('2026-11-26T00:00:00Z'));
});

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

const pool = () => agent.get(ORIGIN);

describe('getWorkspace', () => {
  it('sends the key in X-API-KEY and reads the workspace id and key', async () => {
    pool()
      .intercept({ path: '/ca/api/v0/workspace', method: 'GET', headers: { 'x-api-key': 'key-1' } })
      .reply(200, { workspace_info: { id: 'ws-1', name: 'Acme', credits: 3025.0, api_key: 'key-1' } });
    expect(await client.getWorkspace('key-1', 1000)).toEqual({
      kind: 'ok',
      workspaceId: 'ws-1',
      apiKey: 'key-1',
    });
  });

  it('takes a 200 with a body that is not JSON as valid, with nothing known', async () => {
    pool().intercept({ path: '/ca/api/v0/workspace', method: 'GET' }).reply(200, 'OK');
    expect(await client.getWorkspace('k', 1000)).toEqual({
      kind: 'ok',
      workspaceId: undefined,
      apiKey: undefined,
    });
  });

  it('returns the status of a failure, never its body', async () => {
    pool()
      .intercept({ path: '/ca/api/v0/workspace', method: 'GET' })
      .reply(401, '<html>secret-bearing page</html>');
    const result = await client.getWorkspace('k', 1000);
    expect(result).toEqual({ kind: 'status', status: 401, retryAfterMs: undefined });
    expect(JSON.stringify(result)).not.toContain('secret-bearing');
  });

  it('reads Retry-After in seconds', async () => {
    pool()
      .intercept({ path: '/ca/api/v0/workspace', method: 'GET' })
      .reply(429, {}, { headers: { 'retry-after': '3' } });
    expect(await client.getWorkspace('k', 1000)).toEqual({ kind: 'status', status: 429, retryAfterMs: 3000 });
  });
});

describe('regenerateKey', () => {
  it('returns the new key', async () => {
    pool()
      .intercept({ path: '/ca/api/v0/workspace/api-key', method: 'PATCH', headers: { 'x-api-key': 'old' } })
      .reply(200, { new_api_key: 'new-key' });
    expect(await client.regenerateKey('old', 1000)).toEqual({ kind: 'ok', newKey: 'new-key' });
  });

  it.each([
    ['no field', { message: 'ok' }],
    ['an empty key', { new_api_key: '' }],
    ['a number', { new_api_key: 42 }],
    ['the old key again', { new_api_key: 'old' }],
    ['only white space', { new_api_key: ' \n' }],
  ])('treats a 200 with %s as no key', async (_what, body) => {
    pool().intercept({ path: '/ca/api/v0/workspace/api-key', method: 'PATCH' }).reply(200, body);
    expect(await client.regenerateKey('old', 1000)).toEqual({ kind: 'no-key' });
  });

  it('applies the key rule the moment Ringg answers: surrounding white space is trimmed', async () => {
    pool()
      .intercept({ path: '/ca/api/v0/workspace/api-key', method: 'PATCH' })
      .reply(200, { new_api_key: ' \tnew-key-1\r\n' });
    expect(await client.regenerateKey('old', 1000)).toEqual({ kind: 'ok', newKey: 'new-key-1' });
  });

  it.each([
    ['a space inside', 'new key', 'contains white space (a key is a single token)'],
    ['a control character', 'new\u0007key', 'contains control characters'],
    ['a newline inside', 'new\nkey', 'contains control characters'],
    ['a non-ASCII character', 'new-kéy', 'contains characters outside printable ASCII'],
    ['513 characters', 'k'.repeat(513), 'is longer than 512 characters'],
  ])('reports a 200 with %s as an unusable key, without quoting it', async (_what, key, problem) => {
    pool()
      .intercept({ path: '/ca/api/v0/workspace/api-key', method: 'PATCH' })
      .reply(200, { new_api_key: key });
    const result = await client.regenerateKey('old', 1000);
    expect(result).toEqual({ kind: 'unusable-key', problem });
    expect(JSON.stringify(result)).not.toContain(key);
  });

  it('never sends a key that breaks the rule (undici would refuse it as a header)', async () => {
    expect(await client.getWorkspace('bad\nkey', 1000)).toEqual({
      kind: 'network',
      sent: false,
      code: 'UNUSABLE_KEY',
    });
  });

  it('treats a 200 whose body is not JSON as no usable key', async () => {
    pool().intercept({ path: '/ca/api/v0/workspace/api-key', method: 'PATCH' }).reply(200, 'not json');
    expect(await client.regenerateKey('old', 1000)).toEqual({ kind: 'no-key' });
  });

  it('tells a request that never left from one whose answer was lost', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    pool().intercept({ path: '/ca/api/v0/workspace/api-key', method: 'PATCH' }).replyWithError(refused);
    expect(await client.regenerateKey('old', 1000)).toEqual({
      kind: 'network',
      sent: false,
      code: 'ECONNREFUSED',
    });

    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    pool().intercept({ path: '/ca/api/v0/workspace/api-key', method: 'PATCH' }).replyWithError(reset);
    expect(await client.regenerateKey('old', 1000)).toEqual({
      kind: 'network',
      sent: true,
      code: 'ECONNRESET',
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T00:00:00Z');
  it('reads seconds and HTTP dates, ignores junk', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('takes 0 and a date already past as no hint, so the caller backs off instead of retrying at once', () => {
    expect(parseRetryAfter('0', now)).toBeUndefined();
    expect(parseRetryAfter('Thu, 25 Nov 2026 00:00:05 GMT', now)).toBeUndefined();
  });
});
