import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RinggApi, RinggKeyProvider, RinggKeysRejectedError } from '../../consumer/index.js';
import { CURRENT_KEY_POLLS_MS } from '../../consumer/key-provider.js';
import { RinggStandIn } from '../../dev/ringg-stand-in.js';
import { SecretsManagerModel } from '../../dev/secrets-manager-model.js';
import { mockSecretsManager } from '../support/harness.js';

let model: SecretsManagerModel;
let ringg: RinggStandIn;
let smMock: ReturnType<typeof mockSecretsManager>;

beforeEach(async () => {
  model = new SecretsManagerModel();
  smMock = mockSecretsManager(model);
  ringg = new RinggStandIn();
  await ringg.start();
});
afterEach(async () => {
  smMock.restore();
  await ringg.stop();
});

const REFRESH_INTERVAL_MS = 60_000;
const reads = () => smMock.commandCalls(GetSecretValueCommand).length;

/**
 * A workspace whose every key in the secret is dead: AWSCURRENT, and the AWSPENDING key a failed
 * rotation left behind (Ringg has a newer key nobody stored). The library has used the first key.
 */
async function bothKeysDead() {
  const workspace = ringg.addWorkspace();
  model.createSecret({ Name: 'ringg/app', SecretString: workspace.key });
  let now = 1_000_000;
  const keys = new RinggKeyProvider({
    secretId: 'ringg/app',
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    sleep: async () => undefined,
    now: () => now,
    refreshIntervalMs: REFRESH_INTERVAL_MS,
  });
  const api = new RinggApi({ keys, baseUrl: ringg.baseUrl() });
  expect((await api.request('/workspace')).status).toBe(200);
  model.enableRotation('ringg/app', 'arn:aws:lambda:us-east-1:123456789012:function:f');
  const token = model.beginRotation({ SecretId: 'ringg/app' });
  const pending = ringg.regenerateInDashboard(workspace.id);
  model.putSecretValue({
    SecretId: 'ringg/app',
    ClientRequestToken: token,
    SecretString: pending,
    VersionStages: ['AWSPENDING'],
  });
  ringg.regenerateInDashboard(workspace.id);
  return { workspace, api, advance: (ms: number) => (now += ms) };
}

describe('every key the secret holds dead: the cost per request is bounded', () => {
  it('100 requests one after another: 100 Ringg requests, and AWSCURRENT read once and polled once, not per request', async () => {
    const { api, advance } = await bothKeysDead();
    const readsBefore = reads();
    const ringgBefore = ringg.events.length;
    for (let i = 0; i < 100; i++)
      await expect(api.request('/workspace')).rejects.toBeInstanceOf(RinggKeysRejectedError);

    // Before this library stopped taking AWSPENDING: 151 GetSecretValue and 200 Ringg requests.
    expect(ringg.events.length - ringgBefore).toBe(100);
    expect(reads() - readsBefore).toBe(1 + CURRENT_KEY_POLLS_MS.length);
    expect(smMock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.VersionStage)).not.toContain(
      'AWSPENDING',
    );

    // Every refresh interval after that: one read, however many requests.
    for (const _ of [1, 2, 3]) {
      advance(REFRESH_INTERVAL_MS + 1);
      const before = reads();
      for (let i = 0; i < 10; i++)
        await expect(api.request('/workspace')).rejects.toBeInstanceOf(RinggKeysRejectedError);
      expect(reads() - before).toBe(1);
    }
  });

  it('100 requests at once: 100 Ringg requests, one refresh shared by all', async () => {
    const { api } = await bothKeysDead();
    const readsBefore = reads();
    const ringgBefore = ringg.events.length;
    const results = await Promise.all(
      Array.from({ length: 100 }, () => api.request('/workspace').catch((e: unknown) => e)),
    );
    expect(results.every((r) => r instanceof RinggKeysRejectedError)).toBe(true);
    expect(ringg.events.length - ringgBefore).toBe(100);
    expect(reads() - readsBefore).toBe(1 + CURRENT_KEY_POLLS_MS.length);
  });

  it('once someone stores the live key, the first request after the refresh interval uses it', async () => {
    const { api, advance, workspace } = await bothKeysDead();
    await expect(api.request('/workspace')).rejects.toBeInstanceOf(RinggKeysRejectedError);
    model.putSecretValue({ SecretId: 'ringg/app', SecretString: ringg.liveKey(workspace.id) });
    await expect(api.request('/workspace')).rejects.toBeInstanceOf(RinggKeysRejectedError); // within the interval
    advance(REFRESH_INTERVAL_MS + 1);
    expect((await api.request('/workspace')).status).toBe(200);
  });
});
