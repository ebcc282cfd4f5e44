import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RinggApi, RinggKeyProvider } from '../../consumer/index.js';
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

it('a dead key with nothing newer in the secret: a storm of 401s reads the secret once per pendingTtlMs, not once per request', async () => {
  const workspace = ringg.addWorkspace();
  model.createSecret({ Name: 'ringg/app', SecretString: workspace.key });
  let now = 1_000_000;
  const keys = new RinggKeyProvider({
    secretId: 'ringg/app',
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    sleep: async () => undefined,
    now: () => now,
    pendingTtlMs: 60_000,
  });
  const api = new RinggApi({ keys, baseUrl: ringg.baseUrl() });
  await api.request('/workspace');
  ringg.regenerateInDashboard(workspace.id); // the key is dead; the secret holds nothing newer
  const reads = () => smMock.commandCalls(GetSecretValueCommand).length;
  const before = reads();
  for (let i = 0; i < 20; i++) expect((await api.request('/workspace')).status).toBe(401);
  // One AWSCURRENT read and the AWSPENDING polls, for the first 401 only.
  expect(reads() - before).toBe(6);

  // Once pendingTtlMs has passed, the next 401 looks again, and finds a key stored in the meantime.
  model.putSecretValue({ SecretId: 'ringg/app', SecretString: ringg.liveKey(workspace.id) });
  now += 60_001;
  expect((await api.request('/workspace')).status).toBe(200);
  await api.close();
});
