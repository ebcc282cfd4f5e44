import { afterEach, describe, expect, it } from 'vitest';
import { runConfigurationTest } from '../../dev/rotation-driver.js';
import { createHarness, type Harness, keyOf } from '../support/harness.js';
import { failedSteps, rotateWithForeignPendingKey } from '../support/invariants.js';

let h: Harness;
afterEach(async () => {
  const output = h.logs.join('\n');
  for (const key of h.ringg.issuedKeys) expect(output).not.toContain(key);
  await h.close();
});

const MIRROR = { MIRROR_PARAMETER_PREFIX: '/ringg-mirror', MIRROR_KMS_KEY_ID: 'alias/ringg' };
const mirrorOf = (secretId: string) => h.ssm.parameters.get(`/ringg-mirror/${secretId}`);

describe('the Parameter Store mirror', () => {
  it('holds the new key as a SecureString with the configured KMS key from the moment AWSCURRENT moves', async () => {
    h = await createHarness({ env: MIRROR });
    const s = h.seed('json');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke({ Step: 'createSecret', SecretId: s.secretId, ClientRequestToken: token });
    expect(mirrorOf(s.secretId)).toBeUndefined();
    await h.invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: token });
    expect(h.model.stagesOf(s.secretId)[token]).toContain('AWSCURRENT');
    expect(mirrorOf(s.secretId)).toMatchObject({
      type: 'SecureString',
      keyId: 'alias/ringg',
      value: h.ringg.liveKey(s.workspaceId),
    });
    for (const step of ['testSecret', 'finishSecret'])
      await h.invoke({ Step: step, SecretId: s.secretId, ClientRequestToken: token });
    expect(mirrorOf(s.secretId)?.value).toBe(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')));
  });

  it('is written by finishSecret when setSecret could not promote', async () => {
    h = await createHarness({ env: MIRROR });
    const s = h.seed('plain');
    h.model.injectFault({ operation: 'UpdateSecretVersionStage', times: 1 });
    const token = h.model.beginRotation({ SecretId: s.secretId });
    for (const step of ['createSecret', 'setSecret', 'testSecret'])
      await h.invoke({ Step: step, SecretId: s.secretId, ClientRequestToken: token });
    // setSecret wrote it before its move failed: the key it holds is the live one either way.
    expect(mirrorOf(s.secretId)?.value).toBe(h.ringg.liveKey(s.workspaceId));
    h.ssm.parameters.delete(`/ringg-mirror/${s.secretId}`);
    await h.invoke({ Step: 'finishSecret', SecretId: s.secretId, ClientRequestToken: token });
    expect(mirrorOf(s.secretId)?.value).toBe(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')));
  });

  it('is not written for a key that is not proven, nor by the configuration test', async () => {
    h = await createHarness({ env: MIRROR });
    const s = h.seed('plain');
    await runConfigurationTest(h.model, s.secretId, h.invoke);
    expect(mirrorOf(s.secretId)).toBeUndefined();
    const report = await rotateWithForeignPendingKey(h, s.secretId);
    expect(failedSteps(report)).toEqual(['1:testSecret:WrongWorkspaceError']);
    expect(mirrorOf(s.secretId)).toBeUndefined();
  });

  it('a failing mirror write is logged for the alarm and never fails the rotation', async () => {
    h = await createHarness({ env: MIRROR });
    const s = h.seed('plain');
    h.ssm.injectFault({ operation: 'PutParameter', times: 100, nameContains: '/ringg-mirror/' });
    const report = await h.rotate(s.secretId);
    expect(report.succeeded).toBe(true);
    expect(mirrorOf(s.secretId)).toBeUndefined();
    const warning = h.logs.map((l) => JSON.parse(l)).find((l) => l.message === 'mirror write failed');
    expect(warning).toMatchObject({
      level: 'WARN',
      parameter: `/ringg-mirror/${s.secretId}`,
      error: 'InternalServerError',
    });
    expect(h.logs.map((l) => JSON.parse(l)).find((l) => l.step === 'setSecret' && l.promotion)).toMatchObject(
      {
        promotion: 'promoted',
        mirror: 'failed',
      },
    );
  });

  it('is off unless configured', async () => {
    h = await createHarness();
    const s = h.seed('plain');
    await h.rotate(s.secretId);
    expect([...h.ssm.parameters.keys()].filter((k) => !k.startsWith('/ringg-rotation/'))).toEqual([]);
  });
});
