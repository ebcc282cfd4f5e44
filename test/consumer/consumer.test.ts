import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../common/fingerprint.js';
import {
  type ConsumerEvent,
  RinggApi,
  RinggKeyProvider,
  RinggKeysRejectedError,
} from '../../consumer/index.js';
import { RinggStandIn } from '../../dev/ringg-stand-in.js';
import { SecretsManagerModel } from '../../dev/secrets-manager-model.js';
import { mockSecretsManager } from '../support/harness.js';

let model: SecretsManagerModel;
let ringg: RinggStandIn;
let smMock: ReturnType<typeof mockSecretsManager>;
let events: ConsumerEvent[];
let workspace: { id: string; key: string };

beforeEach(async () => {
  model = new SecretsManagerModel();
  smMock = mockSecretsManager(model);
  ringg = new RinggStandIn();
  await ringg.start();
  events = [];
  workspace = ringg.addWorkspace();
});

afterEach(async () => {
  smMock.restore();
  await ringg.stop();
  const text = JSON.stringify(events);
  for (const key of ringg.issuedKeys) expect(text).not.toContain(key);
});

function consumer(
  secretValue: string,
  options: {
    ttlMs?: number;
    refreshIntervalMs?: number;
    sleep?: () => Promise<void>;
    now?: () => number;
  } = {},
) {
  model.createSecret({ Name: 'ringg/app', SecretString: secretValue });
  const keys = new RinggKeyProvider({
    secretId: 'ringg/app',
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    onEvent: (e) => events.push(e),
    sleep: async () => undefined,
    ...options,
  });
  return { keys, api: new RinggApi({ keys, baseUrl: ringg.baseUrl() }) };
}

const reads = () => smMock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.VersionStage);

/** What a rotation does to the secret in setSecret: the new key in AWSPENDING, not yet promoted. */
function regenerateAndStorePending(key?: string): { token: string; newKey: string } {
  model.enableRotation('ringg/app', 'arn:aws:lambda:us-east-1:123456789012:function:f');
  const token = model.beginRotation({ SecretId: 'ringg/app' });
  const newKey = key ?? ringg.regenerateInDashboard(workspace.id);
  model.putSecretValue({
    SecretId: 'ringg/app',
    ClientRequestToken: token,
    SecretString: newKey,
    VersionStages: ['AWSPENDING'],
  });
  return { token, newKey };
}

/** setSecret's move of AWSCURRENT once Ringg accepted the new key. */
function promote(token: string): void {
  model.updateSecretVersionStage({
    SecretId: 'ringg/app',
    VersionStage: 'AWSCURRENT',
    MoveToVersionId: token,
    RemoveFromVersionId: Object.entries(model.stagesOf('ringg/app')).find(([, s]) =>
      s.includes('AWSCURRENT'),
    )?.[0],
  });
}

describe('the consumer library', () => {
  it('calls Ringg with the key and caches it', async () => {
    const { api } = consumer(workspace.key);
    const first = await api.request<{ workspace_info: { id: string } }>('/workspace');
    const second = await api.request('/workspace');
    expect(first.status).toBe(200);
    expect(first.body.workspace_info.id).toBe(workspace.id);
    expect(second.status).toBe(200);
    expect(reads()).toEqual(['AWSCURRENT']);
  });

  it('reads the JSON format too', async () => {
    const { keys } = consumer(JSON.stringify({ apiKey: workspace.key, region: 'eu' }));
    expect(await keys.getKey()).toBe(workspace.key);
  });

  it('while a rotation promotes the new key: after a 401 it reads AWSCURRENT again until it moved, and repeats once', async () => {
    let polls = 0;
    let token = '';
    const { api } = consumer(workspace.key, {
      sleep: async () => {
        if (++polls === 2) promote(token); // setSecret moves AWSCURRENT during the second pause
      },
    });
    await api.request('/workspace');
    ({ token } = regenerateAndStorePending());
    const before = ringg.calls('workspace-call');
    const response = await api.request('/workspace');
    expect(response.status).toBe(200);
    expect(ringg.calls('workspace-call') - before).toBe(2); // the 401, and the one repeat
    // The load, the refresh, and two polls; AWSPENDING, which holds a key nobody proved yet, never.
    expect(reads()).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSCURRENT', 'AWSCURRENT']);
    expect(events.filter((e) => e.type === 'key-loaded')).toEqual(
      Array(2).fill({ type: 'key-loaded', stage: 'AWSCURRENT' }),
    );
  });

  it('after the rotation finished picks up the new AWSCURRENT on the first 401', async () => {
    const { api } = consumer(workspace.key);
    await api.request('/workspace');
    const { token } = regenerateAndStorePending();
    promote(token);
    model.completeRotation('ringg/app', token);
    expect((await api.request('/workspace')).status).toBe(200);
    expect(reads()).toEqual(['AWSCURRENT', 'AWSCURRENT']);
  });

  it('coalesces concurrent refreshes into one Secrets Manager read', async () => {
    const { api } = consumer(workspace.key);
    await api.request('/workspace');
    model.enableRotation('ringg/app', 'arn:aws:lambda:us-east-1:123456789012:function:f');
    const newKey = ringg.regenerateInDashboard(workspace.id);
    model.putSecretValue({ SecretId: 'ringg/app', SecretString: newKey });
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.request('/workspace')));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(reads()).toEqual(['AWSCURRENT', 'AWSCURRENT']);
  });

  it('a pending key of another workspace is never sent: no request reaches that workspace', async () => {
    const other = ringg.addWorkspace({ name: 'Someone else' });
    const { api } = consumer(workspace.key);
    await api.request('/workspace');
    ringg.regenerateInDashboard(workspace.id); // the rotation's regenerate killed the old key...
    regenerateAndStorePending(other.key); // ...and Ringg answered with another workspace's key
    for (let i = 0; i < 5; i++)
      await expect(api.request('/workspace')).rejects.toBeInstanceOf(RinggKeysRejectedError);
    expect(ringg.events.filter((e) => e.workspaceId === other.id)).toEqual([]);
    expect(reads()).not.toContain('AWSPENDING');
  });

  it('a dead AWSCURRENT key is kept for the refresh interval, not the full TTL', async () => {
    let now = 1_000_000;
    const { api } = consumer(workspace.key, { ttlMs: 600_000, refreshIntervalMs: 5_000, now: () => now });
    await api.request('/workspace');
    ringg.regenerateInDashboard(workspace.id);
    await expect(api.request('/workspace')).rejects.toMatchObject({ code: 'all-keys-rejected' });
    // Someone stores the live key; the library sees it once the refresh interval has passed, not
    // after the ten minutes a working key is cached for.
    model.putSecretValue({ SecretId: 'ringg/app', SecretString: ringg.liveKey(workspace.id) });
    now += 5_001;
    const before = ringg.calls('workspace-call');
    expect((await api.request('/workspace')).status).toBe(200);
    expect(ringg.calls('workspace-call') - before).toBe(1);
  });

  it('every key dead: one Ringg request per caller request, and a typed error that says so', async () => {
    const { api } = consumer(workspace.key);
    await api.request('/workspace');
    ringg.regenerateInDashboard(workspace.id);
    const before = ringg.calls('workspace-call');
    const failure = (await api.request('/workspace?x=1').catch((e: unknown) => e)) as RinggKeysRejectedError;
    expect(failure).toBeInstanceOf(RinggKeysRejectedError);
    expect(failure).toMatchObject({
      code: 'all-keys-rejected',
      secretId: 'ringg/app',
      method: 'GET',
      path: '/workspace',
      status: 401,
      keyFingerprints: [fingerprint(workspace.key)],
    });
    expect(failure.message).toMatch(
      /^Ringg rejects every key secret ringg\/app holds \(sha256:[0-9a-f]{8}; HTTP 401 to GET \/workspace\)/,
    );
    expect(failure.message).not.toContain(workspace.key);
    expect(ringg.calls('workspace-call') - before).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'key-rejected', outcome: 'no-newer-key' }));
  });
});
