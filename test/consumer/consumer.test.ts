import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConsumerEvent, RinggApi, RinggKeyProvider } from '../../consumer/index.js';
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

function consumer(secretValue: string, options: { ttlMs?: number; pendingTtlMs?: number } = {}) {
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

/** What a rotation does to the secret between setSecret and finishSecret, and after it. */
function regenerateAndStorePending(): { token: string; newKey: string } {
  model.enableRotation('ringg/app', 'arn:aws:lambda:us-east-1:123456789012:function:f');
  const token = model.beginRotation({ SecretId: 'ringg/app' });
  const newKey = ringg.regenerateInDashboard(workspace.id);
  model.putSecretValue({
    SecretId: 'ringg/app',
    ClientRequestToken: token,
    SecretString: newKey,
    VersionStages: ['AWSPENDING'],
  });
  return { token, newKey };
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

  it('during a rotation window falls back to AWSPENDING after a 401 and retries once', async () => {
    const { api } = consumer(workspace.key);
    await api.request('/workspace');
    regenerateAndStorePending();
    const response = await api.request('/workspace');
    expect(response.status).toBe(200);
    expect(reads()).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSPENDING']);
    expect(events).toContainEqual({ type: 'key-loaded', stage: 'AWSPENDING' });
  });

  it('after the rotation finished picks up the new AWSCURRENT on the first 401', async () => {
    const { api } = consumer(workspace.key);
    await api.request('/workspace');
    const { token } = regenerateAndStorePending();
    model.updateSecretVersionStage({
      SecretId: 'ringg/app',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      RemoveFromVersionId: Object.entries(model.stagesOf('ringg/app')).find(([, s]) =>
        s.includes('AWSCURRENT'),
      )?.[0],
    });
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

  it('a key the secret no longer holds is not cached for the full TTL again', async () => {
    const { api } = consumer(workspace.key, { ttlMs: 60_000, pendingTtlMs: 0 });
    await api.request('/workspace');
    regenerateAndStorePending();
    expect((await api.request('/workspace')).status).toBe(200); // 401, AWSPENDING, repeated
    // The pending key's short TTL has run out and AWSCURRENT still holds the rejected key: the
    // library goes on with AWSPENDING instead of caching the dead key for a minute.
    const before = ringg.calls('workspace-call');
    expect((await api.request('/workspace')).status).toBe(200);
    expect(ringg.calls('workspace-call') - before).toBe(1);
  });

  it('retries at most once per request: a key that is rejected everywhere returns the 401', async () => {
    const { api } = consumer(workspace.key);
    await api.request('/workspace');
    ringg.regenerateInDashboard(workspace.id);
    const before = ringg.calls('workspace-call');
    const response = await api.request('/workspace');
    expect(response.status).toBe(401);
    expect(ringg.calls('workspace-call') - before).toBe(1);
  });
});
