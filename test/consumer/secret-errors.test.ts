import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RinggApi, RinggKeyProvider, RinggSecretError } from '../../consumer/index.js';
import { readFailure } from '../../consumer/read-failure.js';
import { AwsStandIn } from '../../dev/aws-stand-in.js';
import { RinggStandIn } from '../../dev/ringg-stand-in.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';

// A service's first day: the library against Secrets Manager over HTTP (the stand-in answers per
// Region, by the request's signature) with a typo in the secret id, the wrong Region, or no
// permission. Each is named as such at the first call, with the secret id and the Region, and the
// secret is not read again before the refresh interval.
let aws: AwsStandIn;
let ringg: RinggStandIn;
let workspace: { id: string; key: string };
let now = 1_000_000;
const REFRESH_INTERVAL_MS = 5_000;

beforeAll(async () => {
  aws = new AwsStandIn({ invoke: async () => undefined });
  await aws.start();
  ringg = new RinggStandIn();
  await ringg.start();
  workspace = ringg.addWorkspace();
  aws.secretsManager.createSecret({ Name: 'ringg/app', SecretString: workspace.key });
});
afterAll(async () => {
  await aws.stop();
  await ringg.stop();
});
beforeEach(() => aws.secretsManager.clearFaults());

function service(secretId: string, region = 'us-east-1') {
  const client = new SecretsManagerClient({
    region,
    endpoint: aws.endpoint(),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const keys = new RinggKeyProvider({
    secretId,
    client,
    now: () => now,
    sleep: async () => undefined,
    refreshIntervalMs: REFRESH_INTERVAL_MS,
  });
  return new RinggApi({ keys, baseUrl: ringg.baseUrl() });
}

const readsIn = (region: string) =>
  (region === 'us-east-1' ? aws.secretsManager : aws.otherRegions.get(region))?.calls.GetSecretValue ?? 0;

async function firstError(api: RinggApi): Promise<RinggSecretError> {
  const failure = await api.request('/workspace').catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(RinggSecretError);
  return failure as RinggSecretError;
}

describe('a secret the library cannot read is named as such at the first call', () => {
  it('a typo in the secret id: secret-not-found, naming the id and the Region, one read, no Ringg request', async () => {
    const api = service('ringg/ap');
    const reads = readsIn('us-east-1');
    const ringgBefore = ringg.events.length;
    const error = await firstError(api);
    expect(error).toMatchObject({
      code: 'secret-not-found',
      secretId: 'ringg/ap',
      region: 'us-east-1',
      retryable: false,
    });
    expect(error.message).toMatch(
      /^Secrets Manager has no secret ringg\/ap in us-east-1 \(ResourceNotFoundException\)\. Check the name or ARN/,
    );
    expect(error.message).not.toMatch(/holds no Ringg key|Store the workspace's key/);
    expect(readsIn('us-east-1') - reads).toBe(1);

    // The next calls within the refresh interval get the same answer without reading again.
    for (let i = 0; i < 10; i++) await expect(api.request('/workspace')).rejects.toBe(error);
    expect(readsIn('us-east-1') - reads).toBe(1);
    now += REFRESH_INTERVAL_MS + 1;
    await expect(api.request('/workspace')).rejects.toMatchObject({ code: 'secret-not-found' });
    expect(readsIn('us-east-1') - reads).toBe(2);
    expect(ringg.events.length).toBe(ringgBefore);
  });

  it('the right name in the wrong Region: secret-not-found in that Region, saying which Region the client reads from', async () => {
    const error = await firstError(service('ringg/app', 'eu-west-1'));
    expect(error).toMatchObject({ code: 'secret-not-found', region: 'eu-west-1' });
    expect(error.message).toContain('has no secret ringg/app in eu-west-1');
    expect(error.message).toContain('this client reads from eu-west-1');
    expect(readsIn('eu-west-1')).toBe(1);
  });

  it("an ARN of another Region than the client's: wrong-region, and nothing read", async () => {
    const arn = aws.secretsManager.arnOf('ringg/app');
    const before = readsIn('eu-west-1');
    const error = await firstError(service(arn, 'eu-west-1'));
    expect(error).toMatchObject({ code: 'wrong-region', secretId: arn, region: 'eu-west-1' });
    expect(error.message).toBe(
      `Secret ${arn} is in Region us-east-1, but the Secrets Manager client reads from eu-west-1. Set AWS_REGION=us-east-1 for this service (or pass a client for us-east-1), or use the ARN of a replica in eu-west-1. Nothing was read.`,
    );
    expect(readsIn('eu-west-1')).toBe(before);
    expect((await service(arn, 'us-east-1').request('/workspace')).status).toBe(200);
  });

  it("no permission: secret-access-denied with AWS's words, and one read", async () => {
    aws.secretsManager.injectFault({
      operation: 'GetSecretValue',
      times: 100,
      error: new AwsServiceError(
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/app/task is not authorized to perform: secretsmanager:GetSecretValue on resource: ringg/app',
      ),
    });
    const api = service('ringg/app');
    const reads = readsIn('us-east-1');
    const error = await firstError(api);
    expect(error.code).toBe('secret-access-denied');
    expect(error.message).toContain(
      'may not read secret ringg/app in us-east-1 (AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/app/task is not authorized',
    );
    await expect(api.request('/workspace')).rejects.toBe(error);
    expect(readsIn('us-east-1') - reads).toBe(1);
  });

  it('a secret with no value yet: secret-has-no-key, not "not found"', async () => {
    aws.secretsManager.createSecret({ Name: 'ringg/empty' });
    const error = await firstError(service('ringg/empty'));
    expect(error.code).toBe('secret-has-no-key');
    expect(error.message).toContain('Secret ringg/empty in us-east-1 has no value in AWSCURRENT');
  });

  it('a passing failure (throttled after the SDK retried) is retryable and read again at the next call', async () => {
    aws.secretsManager.injectFault({
      operation: 'GetSecretValue',
      times: 3,
      error: new AwsServiceError('ThrottlingException', 'Rate exceeded'),
    });
    const api = new RinggApi({
      keys: new RinggKeyProvider({
        secretId: 'ringg/app',
        client: new SecretsManagerClient({
          region: 'us-east-1',
          endpoint: aws.endpoint(),
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 1,
        }),
      }),
      baseUrl: ringg.baseUrl(),
    });
    const error = await firstError(api);
    expect(error).toMatchObject({ code: 'secret-read-failed', retryable: true });
    await expect(api.request('/workspace')).rejects.toMatchObject({ code: 'secret-read-failed' });
    await expect(api.request('/workspace')).rejects.toMatchObject({ code: 'secret-read-failed' });
    expect((await api.request('/workspace')).status).toBe(200);
  });
});

describe('readFailure: what an SDK error means for a service', () => {
  const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });
  it.each([
    [new Error('Region is missing'), 'aws-configuration', /No AWS Region is set, so secret s cannot be read/],
    [
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      'aws-configuration',
      /no usable credentials/,
    ],
    [named('ExpiredTokenException'), 'aws-configuration', /no usable credentials/],
    [named('DecryptionFailure', 'KMS denied'), 'secret-decryption-failed', /kms:Decrypt/],
    [
      named('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
      'secret-not-found',
      /has no secret s in eu-west-1/,
    ],
    [
      named(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      ),
      'secret-has-no-key',
      /has no value in AWSCURRENT/,
    ],
    [named('InternalServiceError'), 'secret-read-failed', /the AWS SDK retried it already/],
  ])('%s → %s', (error, code, message) => {
    const result = readFailure(error, 's', 'eu-west-1');
    expect(result.code).toBe(code);
    expect(result.message).toMatch(message);
    expect(result.retryable).toBe(code === 'secret-read-failed');
  });
});
