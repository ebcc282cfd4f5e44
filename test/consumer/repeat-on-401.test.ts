import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Dispatcher, errors, MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../common/fingerprint.js';
import {
  type ConsumerEvent,
  RinggApi,
  RinggKeyProvider,
  RinggKeysRejectedError,
  type RinggMethod,
  RinggRequestError,
  RinggSecretError,
} from '../../consumer/index.js';
import { SecretsManagerModel } from '../../dev/secrets-manager-model.js';
import { mockSecretsManager } from '../support/harness.js';

const ORIGIN = 'https://ringg.test';
const BASE = '/ca/api/v0';
const OLD_KEY = 'old-0e6f-4c1b-9f7a-key';
const NEW_KEY = 'new-5d2c-4a8e-b1f3-key';
const CALL = `${BASE}/calling/outbound/individual`;

let agent: MockAgent;
let model: SecretsManagerModel;
let smMock: ReturnType<typeof mockSecretsManager>;
let events: ConsumerEvent[];
/** What reached "Ringg": method and the key each request carried. */
let seen: { method: string; key: string }[];

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  model = new SecretsManagerModel();
  smMock = mockSecretsManager(model);
  events = [];
  seen = [];
  promoting = undefined;
  model.createSecret({ Name: 'ringg/app', SecretString: OLD_KEY });
});

afterEach(async () => {
  smMock.restore();
  await agent.close();
  const text = JSON.stringify(events);
  expect(text).not.toContain(OLD_KEY);
  expect(text).not.toContain(NEW_KEY);
});

function client(options: { repeatOnKeyRejected?: boolean; dispatcher?: Dispatcher } = {}) {
  const keys = new RinggKeyProvider({
    secretId: 'ringg/app',
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    onEvent: (e) => events.push(e),
    sleep: promoteWhileWaiting,
  });
  return new RinggApi({ keys, baseUrl: `${ORIGIN}${BASE}`, dispatcher: agent, ...options });
}

/** Ringg after the rotation: only NEW_KEY is accepted. */
function ringgAccepts(liveKey: string, method: string, path: string, times = 2) {
  agent
    .get(ORIGIN)
    .intercept({ path, method })
    .reply<object>((opts) => {
      const key = String((opts.headers as Record<string, string>)['x-api-key']);
      seen.push({ method: opts.method, key });
      return key === liveKey
        ? { statusCode: 200, data: { ok: true } }
        : { statusCode: 401, data: { detail: 'Invalid API key' } };
    })
    .times(times);
}

/** A rotation in setSecret: the new key in AWSPENDING, to be promoted during the library's first pause. */
let promoting: string | undefined;
function newKeyPending() {
  model.enableRotation('ringg/app', 'arn:aws:lambda:us-east-1:123456789012:function:f');
  promoting = model.beginRotation({ SecretId: 'ringg/app' });
  model.putSecretValue({
    SecretId: 'ringg/app',
    ClientRequestToken: promoting,
    SecretString: NEW_KEY,
    VersionStages: ['AWSPENDING'],
  });
}

/** setSecret moves AWSCURRENT once Ringg accepted the new key: while the library waits to read again. */
async function promoteWhileWaiting(): Promise<void> {
  if (promoting === undefined) return;
  const current = Object.entries(model.stagesOf('ringg/app')).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
  model.updateSecretVersionStage({
    SecretId: 'ringg/app',
    VersionStage: 'AWSCURRENT',
    MoveToVersionId: promoting,
    RemoveFromVersionId: current,
  });
  promoting = undefined;
}

const METHODS: RinggMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

describe('after a 401 the library repeats the request once with the newer key', () => {
  it.each(METHODS)('%s: rejected with the old key, answered with the new one', async (method) => {
    const api = client();
    newKeyPending();
    ringgAccepts(NEW_KEY, method, CALL);
    const response = await api.request('/calling/outbound/individual', {
      method,
      body: method === 'GET' || method === 'HEAD' ? undefined : { to: '+15550100' },
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      { method, key: OLD_KEY },
      { method, key: NEW_KEY },
    ]);
    expect(events).toContainEqual({
      type: 'key-rejected',
      status: 401,
      method,
      path: '/calling/outbound/individual',
      keyFingerprint: fingerprint(OLD_KEY),
      outcome: 'repeated',
    });
  });

  it('sends the same body both times', async () => {
    const api = client();
    newKeyPending();
    const bodies: string[] = [];
    agent
      .get(ORIGIN)
      .intercept({ path: CALL, method: 'POST' })
      .reply((opts) => {
        bodies.push(String(opts.body));
        const key = (opts.headers as Record<string, string>)['x-api-key'];
        return { statusCode: key === NEW_KEY ? 200 : 401, data: {} };
      })
      .times(2);
    await api.request('/calling/outbound/individual', { method: 'POST', body: { to: '+15550100' } });
    expect(bodies).toEqual(['{"to":"+15550100"}', '{"to":"+15550100"}']);
  });

  it('twenty POSTs rejected at once share one refresh', async () => {
    const api = client();
    newKeyPending();
    ringgAccepts(NEW_KEY, 'POST', CALL, 40);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.request('/calling/outbound/individual', { method: 'POST' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    // One load, then one refresh: AWSCURRENT still the old key, and again once it moved.
    expect(smMock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.VersionStage)).toEqual([
      'AWSCURRENT',
      'AWSCURRENT',
      'AWSCURRENT',
    ]);
  });

  it('does not repeat when the secret holds nothing newer, and says all its keys are rejected', async () => {
    const api = client();
    ringgAccepts(NEW_KEY, 'POST', CALL, 1);
    const failure = await api
      .request('/calling/outbound/individual', { method: 'POST' })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RinggKeysRejectedError);
    expect(failure).toMatchObject({
      code: 'all-keys-rejected',
      method: 'POST',
      keyFingerprints: [fingerprint(OLD_KEY)],
    });
    expect(seen).toHaveLength(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'key-rejected', outcome: 'no-newer-key' }));
  });

  it('when the secret cannot be read again, the caller gets why, and the request is not repeated', async () => {
    const api = client();
    await api.request('/workspace').catch(() => undefined); // caches the old key
    smMock
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    ringgAccepts(NEW_KEY, 'POST', CALL, 1);
    const failure = await api
      .request('/calling/outbound/individual', { method: 'POST' })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RinggSecretError);
    expect(failure).toMatchObject({
      code: 'secret-read-failed',
      retryable: true,
      secretId: 'ringg/app',
      region: 'us-east-1',
    });
    expect(seen).toHaveLength(1);
    expect(events).toContainEqual({
      type: 'refresh-failed',
      error: 'ThrottlingException',
      code: 'secret-read-failed',
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'key-rejected', outcome: 'refresh-failed' }),
    );
  });

  it('repeats at most once: a newer key that is rejected too means every key is rejected', async () => {
    const api = client();
    newKeyPending();
    ringgAccepts('a-third-key', 'POST', CALL, 2);
    const failure = await api
      .request('/calling/outbound/individual', { method: 'POST' })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RinggKeysRejectedError);
    expect((failure as RinggKeysRejectedError).keyFingerprints).toEqual([
      fingerprint(OLD_KEY),
      fingerprint(NEW_KEY),
    ]);
    expect(seen.map((s) => s.key)).toEqual([OLD_KEY, NEW_KEY]);
  });
});

describe('the repeat can be turned off', () => {
  it('for the client: the caller gets the 401 and the next request uses the newer key', async () => {
    const api = client({ repeatOnKeyRejected: false });
    newKeyPending();
    ringgAccepts(NEW_KEY, 'POST', CALL, 2);
    const first = await api.request('/calling/outbound/individual', { method: 'POST' });
    const second = await api.request('/calling/outbound/individual', { method: 'POST' });
    expect([first.status, second.status]).toEqual([401, 200]);
    expect(seen.map((s) => s.key)).toEqual([OLD_KEY, NEW_KEY]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'key-rejected', outcome: 'not-repeated' }));
  });

  it('for one request, and back on for one request', async () => {
    const api = client();
    newKeyPending();
    ringgAccepts(NEW_KEY, 'POST', CALL, 1);
    const off = await api.request('/calling/outbound/individual', {
      method: 'POST',
      repeatOnKeyRejected: false,
    });
    expect(off.status).toBe(401);
    expect(seen).toHaveLength(1);

    const other = client({ repeatOnKeyRejected: false });
    ringgAccepts(NEW_KEY, 'POST', CALL, 2);
    const on = await other.request('/calling/outbound/individual', {
      method: 'POST',
      repeatOnKeyRejected: true,
    });
    expect(on.status).toBe(200);
  });
});

describe('nothing but a 401 is ever repeated', () => {
  it.each([500, 502, 503])('a POST answered %i is returned once, not repeated', async (status) => {
    const api = client();
    agent
      .get(ORIGIN)
      .intercept({ path: CALL, method: 'POST' })
      .reply(() => {
        seen.push({ method: 'POST', key: '' });
        return { statusCode: status, data: { detail: 'upstream' } };
      })
      .persist();
    const response = await api.request('/calling/outbound/individual', { method: 'POST' });
    expect(response.status).toBe(status);
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['a response timeout', new errors.HeadersTimeoutError()],
    ['a body timeout', new errors.BodyTimeoutError()],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
  ])('a POST that gets %s throws a RinggRequestError and is sent once', async (_label, error) => {
    let sent = 0;
    const counting = agent.compose((dispatch) => (opts, handler) => {
      sent++;
      return dispatch(opts, handler);
    });
    const api = client({ dispatcher: counting });
    agent.get(ORIGIN).intercept({ path: CALL, method: 'POST' }).replyWithError(error).persist();
    const failure = await api
      .request('/calling/outbound/individual', { method: 'POST', body: { to: '+15550100' } })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RinggRequestError);
    const e = failure as RinggRequestError;
    expect(e.method).toBe('POST');
    expect(e.path).toBe('/calling/outbound/individual');
    expect(e.mayHaveBeenProcessed).toBe(true);
    expect(e.message).toContain('did not repeat');
    expect(e.message).toMatch(/may or may not have processed it/);
    expect(e.message).not.toContain(OLD_KEY);
    expect(sent).toBe(1);
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('an aborted GET is an error that says GET is safe to call again', async () => {
    const api = client();
    agent
      .get(ORIGIN)
      .intercept({ path: `${BASE}/workspace`, method: 'GET' })
      .reply(200, {})
      .delay(5_000);
    const controller = new AbortController();
    const pending = api.request('/workspace', { signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 10);
    const failure = (await pending) as RinggRequestError;
    expect(failure).toBeInstanceOf(RinggRequestError);
    expect(failure.mayHaveBeenProcessed).toBe(false);
    expect(failure.message).toContain('safe to call again');
  });
});

describe('configuration', () => {
  const keys = () => new RinggKeyProvider({ secretId: 'ringg/app', client: new SecretsManagerClient({}) });

  it('takes RINGG_BASE_URL from the environment, by the same rule as the function and the CLI', () => {
    expect(
      new RinggApi({ keys: keys(), env: { RINGG_BASE_URL: 'https://eu.ringg.example/api/' } }).baseUrl,
    ).toBe('https://eu.ringg.example/api');
    expect(new RinggApi({ keys: keys(), env: {} }).baseUrl).toBe('https://prod-api.ringg.ai/ca/api/v0');
    expect(new RinggApi({ keys: keys(), env: { RINGG_BASE_URL: 'http://127.0.0.1:8080/x' } }).baseUrl).toBe(
      'http://127.0.0.1:8080/x',
    );
  });

  it('refuses a base URL that would send the key in clear text, naming the setting', () => {
    expect(() => new RinggApi({ keys: keys(), env: { RINGG_BASE_URL: 'http://ringg.example' } })).toThrow(
      /RINGG_BASE_URL "http:\/\/ringg.example" must use https:\/\//,
    );
    expect(() => new RinggApi({ keys: keys(), baseUrl: 'not a url' })).toThrow(
      /option baseUrl.*is not a URL/,
    );
  });

  it('refuses a negative or non-numeric interval, naming the option (pendingTtlMs being the old name)', () => {
    const make = (options: { ttlMs?: number; refreshIntervalMs?: number; pendingTtlMs?: number }) =>
      new RinggKeyProvider({ secretId: 'ringg/app', client: new SecretsManagerClient({}), ...options });
    expect(() => make({ refreshIntervalMs: -1 })).toThrow(
      /option refreshIntervalMs must be a number of milliseconds ≥ 0, not -1/,
    );
    expect(() => make({ pendingTtlMs: Number.NaN })).toThrow(/option pendingTtlMs must be/);
    expect(() => make({ ttlMs: Number.POSITIVE_INFINITY })).toThrow(/option ttlMs must be/);
    expect(() => make({ refreshIntervalMs: 0, pendingTtlMs: 10 })).not.toThrow();
  });

  it('refuses a missing secret id and a bad timeout with what to do', () => {
    expect(() => new RinggKeyProvider({ secretId: ' ' })).toThrow(/needs `secretId`.*e\.g\. "ringg\/prod"/);
    expect(() => new RinggApi({ keys: keys(), timeoutMs: 0 })).toThrow(/timeoutMs must be a whole number/);
  });

  it('a secret read without permission is named as such, with the secret and the Region', async () => {
    smMock.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: secretsmanager:GetSecretValue'), {
        name: 'AccessDeniedException',
      }),
    );
    const api = client();
    const failure = (await api.request('/workspace').catch((e: unknown) => e)) as RinggSecretError;
    expect(failure).toBeInstanceOf(RinggSecretError);
    expect(failure.code).toBe('secret-access-denied');
    expect(failure.message).toMatch(
      /^These AWS credentials may not read secret ringg\/app in us-east-1 \(AccessDeniedException: .*\)\. Allow secretsmanager:GetSecretValue/,
    );
    expect(events).toContainEqual({
      type: 'refresh-failed',
      error: 'AccessDeniedException',
      code: 'secret-access-denied',
    });
  });
});
