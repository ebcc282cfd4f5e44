import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_SECRETS_FILE,
  type AllowedSecretsList,
  parseAllowedSecrets,
  serializeAllowedSecrets,
} from '../../common/allowed-secrets-file.js';
import {
  allowedSecrets,
  allowedSecretsPath,
  loadAllowedSecrets,
  secretAllowed,
} from '../../lambda/allowed-secrets.js';
import { createHarness, type Harness, LAMBDA_ARN } from '../support/harness.js';
import { harnessPerTest, stepEvent } from '../support/invariants.js';

const ARN = (resource: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${resource}`;
const list = allowedSecrets({ arns: [ARN('ringg/by-arn-AbCdEf')], names: ['ringg/prod'] });

describe('secretAllowed', () => {
  it('allows a listed name in any of its ARNs spellings, and a listed complete ARN exactly', () => {
    const arn = ARN('ringg/prod-Q1w2E3');
    expect(secretAllowed(list, arn, arn, 'ringg/prod')).toBe(true);
    expect(secretAllowed(list, 'ringg/prod', arn, 'ringg/prod')).toBe(true);
    expect(secretAllowed(list, ARN('ringg/prod'), arn, 'ringg/prod')).toBe(true);
    const byArn = ARN('ringg/by-arn-AbCdEf');
    expect(secretAllowed(list, byArn, byArn, 'ringg/by-arn')).toBe(true);
  });

  it('refuses what is not listed: another name, a name that only starts like one, another ARN of a name listed by ARN', () => {
    expect(secretAllowed(list, ARN('ringg/other-Q1w2E3'), ARN('ringg/other-Q1w2E3'), 'ringg/other')).toBe(
      false,
    );
    expect(secretAllowed(list, ARN('ringg/prod-2-Q1w2E3'), ARN('ringg/prod-2-Q1w2E3'), 'ringg/prod-2')).toBe(
      false,
    );
    // A secret re-created under the name listed by complete ARN has another suffix: another secret.
    expect(secretAllowed(list, ARN('ringg/by-arn-ZzZzZz'), ARN('ringg/by-arn-ZzZzZz'), 'ringg/by-arn')).toBe(
      false,
    );
  });

  it('refuses when the description is not of the secret asked for, or the name is not the one in the ARN', () => {
    const arn = ARN('ringg/prod-Q1w2E3');
    expect(secretAllowed(list, ARN('ringg/other-Q1w2E3'), arn, 'ringg/prod')).toBe(false);
    expect(secretAllowed(list, 'ringg/other', arn, 'ringg/prod')).toBe(false);
    expect(secretAllowed(list, arn, ARN('ringg/elsewhere-Q1w2E3'), 'ringg/prod')).toBe(false);
    expect(secretAllowed(list, 'ringg/prod', 'ringg/prod', 'ringg/prod')).toBe(false);
  });
});

describe('the allow-list file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringg-allowed-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips what the construct writes, and is found beside the code or where the variable says', () => {
    const text = serializeAllowedSecrets({ arns: [ARN('b-AbCdEf'), ARN('a-AbCdEf')], names: ['z', 'y'] });
    expect(parseAllowedSecrets(text)).toEqual({
      ok: true,
      list: { arns: [ARN('a-AbCdEf'), ARN('b-AbCdEf')], names: ['y', 'z'] },
    });
    writeFileSync(join(dir, ALLOWED_SECRETS_FILE), text);
    expect(allowedSecretsPath({ LAMBDA_TASK_ROOT: dir })).toBe(join(dir, ALLOWED_SECRETS_FILE));
    expect(allowedSecretsPath({ LAMBDA_TASK_ROOT: dir, ROTATION_ALLOWED_SECRETS_FILE: '/x.json' })).toBe(
      '/x.json',
    );
    expect(allowedSecretsPath({})).toBeUndefined();
    expect([...loadAllowedSecrets(join(dir, ALLOWED_SECRETS_FILE)).names]).toEqual(['y', 'z']);
  });

  it('refuses everything, with a configuration error that says what to do, when missing or malformed', () => {
    expect(() => loadAllowedSecrets(undefined)).toThrow(
      expect.objectContaining({
        code: 'invalid-configuration',
        message: expect.stringMatching(/RinggKeyRotation construct/),
      }),
    );
    expect(() => loadAllowedSecrets(join(dir, 'absent.json'))).toThrow(/cannot be read \(ENOENT\): redeploy/);
    writeFileSync(join(dir, 'bad.json'), '{"v":1,"arns":"x"}');
    expect(() => loadAllowedSecrets(join(dir, 'bad.json'))).toThrow(/is unusable: it is not \{"v":1/);
    writeFileSync(join(dir, 'notjson.json'), 'ringg/prod');
    expect(() => loadAllowedSecrets(join(dir, 'notjson.json'))).toThrow(/it is not JSON/);
  });
});

describe('the real handler with an allow-list', () => {
  let h: Harness;
  const startHarness = harnessPerTest(createHarness);

  it('refuses a secret bound to it but not listed before reading anything: typed, not retryable, says what to do', async () => {
    h = await startHarness({ allowedSecrets: () => ({ arns: [], names: ['ringg/listed'] }) });
    const workspace = h.ringg.addWorkspace({ name: 'other team' });
    h.model.createSecret({ Name: 'ringg/unlisted', SecretString: workspace.key });
    // Whoever may call RotateSecret and invoke the function can bind any secret to it.
    h.model.enableRotation('ringg/unlisted', LAMBDA_ARN);
    const arn = h.model.arnOf('ringg/unlisted');
    const token = h.model.beginRotation({ SecretId: arn });
    const reads = { ...h.model.calls };

    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await expect(h.invoke(stepEvent(step, arn, token))).rejects.toMatchObject({
        name: 'SecretNotAllowedError',
        code: 'secret-not-allowed',
        retryable: false,
        message: expect.stringMatching(
          /^Secret "ringg\/unlisted" \(arn:aws:secretsmanager:us-east-1:123456789012:secret:ringg\/unlisted-\w{6}\) is not one of the secrets this function's deployment names.*nothing was read or changed\. To rotate it, add it to the construct's `secrets`/,
        ),
      });
    }
    const calls = Object.fromEntries(
      Object.entries(h.model.calls).map(([op, n]) => [op, n - (reads[op] ?? 0)]),
    );
    expect(calls).toEqual({ DescribeSecret: 4 });
    expect(h.ringg.events).toEqual([]);
    expect([...h.ssm.parameters.keys()]).toEqual([]);
    expect(h.model.valueAt('ringg/unlisted', 'AWSCURRENT')).toBe(workspace.key);
    const failures = h.logs.map((line) => JSON.parse(line)).filter((line) => line.level === 'ERROR');
    expect(failures.map((line) => [line.errorCode, line.retryable])).toEqual(
      Array(4).fill(['secret-not-allowed', false]),
    );
  });

  it('rotates a listed secret, by name or by complete ARN, and refuses it once it is no longer listed', async () => {
    let listed: AllowedSecretsList = { arns: [], names: [] };
    h = await startHarness({ allowedSecrets: () => listed });
    const byName = h.seed('plain');
    const byArn = h.seed('json');
    listed = { arns: [h.model.arnOf(byArn.secretId)], names: [byName.secretId] };
    expect((await h.rotate(byName.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
    expect((await h.rotate(byArn.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
    listed = { arns: [], names: [byName.secretId] };
    const report = await h.rotate(byArn.secretId, { maxAttempts: 1 });
    expect(report.steps.map((step) => step.error?.name)).toEqual(['SecretNotAllowedError']);
  });
});
