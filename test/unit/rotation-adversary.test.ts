import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import {
  expectKeyUntouched,
  expectRotatedOnce,
  failedSteps,
  failureOf,
  harnessPerTest,
  keyLeaks,
  labels,
  plantRecord as plantOne,
  recordsOf,
  rescueParameters,
  rotationRecords,
  stepEvent,
  tamperRecord,
} from '../support/invariants.js';

/**
 * The fault matrix, continued: what an adversary tries. Hung AWS calls, a process killed at each
 * point of setSecret and re-run on a fresh instance, overlapping deliveries, SSM down, oversized
 * secrets, every bad new_api_key shape, a tampered rotation record, planted records. Every test asserts
 * the regenerate count, the labels, where the live key is, and the exact error code and advice.
 */
let h: Harness;
const startHarness = harnessPerTest(createHarness);

async function harness(options?: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

const event = stepEvent;
const lines = () => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
const recordName = (secretId: string, token: string, generation = 1) =>
  `/ringg-rotation/${secretId}/rotation/${token}.g${generation}`;

const plantRecord = (secretId: string, token: string, fields: Record<string, unknown>) =>
  plantOne(h, secretId, token, fields);
const DASHBOARD = /regenerate the key in the Ringg dashboard|Regenerate the key in the Ringg dashboard/;

/** createSecret done; returns the token of the open rotation. */
async function begun(secretId: string): Promise<string> {
  const token = h.model.beginRotation({ SecretId: secretId });
  await h.invoke(event('createSecret', secretId, token));
  return token;
}

describe('deadlines on every AWS call', () => {
  it('a PutSecretValue that hangs cannot hold the key past the Lambda timeout: it is rescued in time', async () => {
    const remainingMs = 1_300;
    const s = (
      await harness({
        remainingMs,
        env: { ROTATION_SAFETY_MARGIN_MS: '100', ROTATION_RESCUE_RESERVE_MS: '300' },
      })
    ).seed('json');
    const token = await begun(s.secretId);
    h.model.injectFault({ operation: 'PutSecretValue', times: 100, hang: true });
    const started = performance.now();
    await expect(h.invoke(event('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'new-key-rescued',
    });
    expect(performance.now() - started).toBeLessThan(remainingMs);
    expect(rescueParameters(h)).toEqual([recordName(s.secretId, token)]);
    h.model.clearFaults();
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expectRotatedOnce(h, s, report);
    expect(rescueParameters(h)).toEqual([]);
  });

  it('a DescribeSecret that hangs fails the step within the AWS call timeout, nothing changed', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '200' } })).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    h.model.injectFault({ operation: 'DescribeSecret', times: 1, hang: true });
    await expect(h.invoke(event('createSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'aws-call-timeout',
      retryable: true,
      message: expect.stringMatching(/Secrets Manager DescribeSecret did not answer within 200 ms/),
    });
    expect(h.ringg.events).toEqual([]);
    expectKeyUntouched(h, s);
  });

  it('record deletions and failure-tag removals that hang never fail a rotation', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '50' } })).seed('plain');
    h.ssm.injectFault({ operation: 'DeleteParameter', times: 1_000, nameContains: '/rotation/', hang: true });
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(
      lines().filter(
        (l) =>
          l.message === 'the rotation ended, but deleting its records failed; the next rotation deletes them',
      ).length,
    ).toBeGreaterThan(0);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });
});

describe('SSM down around the regenerate', () => {
  it('the record cannot be created: no regenerate is sent, nothing changed, the next attempt rotates', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    h.ssm.injectFault({ operation: 'PutParameter', times: 20, nameContains: '/rotation/' });
    await expect(h.invoke(event('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'record-not-written',
      retryable: true,
      message: expect.stringMatching(/so no regenerate was sent and nothing was changed/),
    });
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    expectKeyUntouched(h, s);
    expect(failureOf(h, s.secretId)).toMatchObject({
      code: 'record-not-written',
      step: 'setSecret',
      retryable: true,
      token,
    });
    h.ssm.clearFaults();
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expectRotatedOnce(h, s, report);
    expect(failureOf(h, s.secretId)).toBeUndefined();
    expect(rotationRecords(h)).toEqual([]);
  });

  it('a claim taken by a dead delivery whose record cannot be read: no regenerate is sent', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('plain');
    const token = await begun(s.secretId);
    const killed = h.killAt({ operation: 'PutParameter', when: 'after', nameContains: '/rotation/' });
    void h.invoke(event('setSecret', s.secretId, token));
    await killed;
    h.restart();
    h.ssm.injectFault({ operation: 'GetParametersByPath', times: 20, nameContains: '/rotation' });
    h.ssm.injectFault({ operation: 'GetParameter', times: 20, nameContains: '/rotation' });
    await expect(h.invoke(event('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'record-not-written',
      message: expect.stringMatching(/so no regenerate was sent/),
    });
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    expectKeyUntouched(h, s);
  });
});

describe('the process dies inside setSecret; Lambda re-runs the rotation on a fresh instance', () => {
  const AWS_TIMEOUT = { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' };

  async function killedSetSecret(point: Parameters<Harness['killAt']>[0]) {
    const s = (await harness({ env: AWS_TIMEOUT })).seed('json');
    const token = await begun(s.secretId);
    const killed = h.killAt(point);
    void h.invoke(event('setSecret', s.secretId, token));
    await killed;
    h.restart();
    return { s, token };
  }

  it('before the record is created: rotates with one regenerate', async () => {
    const { s, token } = await killedSetSecret({
      operation: 'PutParameter',
      when: 'before',
      nameContains: '/rotation/',
    });
    expect(rotationRecords(h)).toEqual([]);
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expectRotatedOnce(h, s, report);
  });

  it('after the record is created, before the regenerate: waits out the dead owner, then rotates with one regenerate', async () => {
    const { s, token } = await killedSetSecret({
      operation: 'PutParameter',
      when: 'after',
      nameContains: '/rotation/',
    });
    expect(recordsOf(h)).toEqual([expect.objectContaining({ token, status: 'regenerating' })]);
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expect(failedSteps(report)).toEqual(['1:setSecret:RegenerateInProgressError']);
    expect(report.steps.find((r) => !r.ok)?.error?.message).toMatch(/changed nothing and sent no regenerate/);
    expect(report.steps.find((r) => !r.ok)?.error?.message).not.toMatch(DASHBOARD);
    expectRotatedOnce(h, s, report);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    expect(rotationRecords(h)).toEqual([]);
  });

  it('after Ringg issued the key, before it was written: the key existed only in the dead process; new-key-lost says so', async () => {
    const { s, token } = await killedSetSecret({ operation: 'PutSecretValue', when: 'before' });
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    // Secrets Manager retries a failed rotation later: past the dead owner's claim (its Lambda timeout).
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, {
      onStep: (step) => {
        if (!step.ok) h.advanceClock(61_000);
      },
    });
    expect(failedSteps(report)).toEqual([
      '1:createSecret:RegenerateInProgressError',
      '2:createSecret:NewKeyLostError',
      '3:createSecret:NewKeyLostError',
    ]);
    expect(report.steps.at(-1)?.error?.message).toMatch(
      /ringg-rotate recover --secret-id ringg\/workspace-1/,
    );
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(labels(h, s.secretId).AWSPENDING).toBe(token);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(s.initialKey);
    expect(failureOf(h, s.secretId)).toMatchObject({ code: 'new-key-lost', retryable: false, token });
    // The record stays: the evidence that this rotation regenerated, so no attempt regenerates again.
    expect(recordsOf(h)).toEqual([expect.objectContaining({ token, status: 'regenerating' })]);
  });

  it('after the key was written, before the promotion: rotates with one regenerate', async () => {
    const { s, token } = await killedSetSecret({ operation: 'PutSecretValue', when: 'after' });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expect(failedSteps(report)).toEqual([]);
    expectRotatedOnce(h, s, report);
  });

  it('after the key was rescued, before the step failed: the re-run stores the rescued key', async () => {
    const s = (await harness({ env: AWS_TIMEOUT })).seed('json');
    const token = await begun(s.secretId);
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    // The first PutParameter on the record is the claim, the second the rescue.
    const killed = h.killAt({
      operation: 'PutParameter',
      when: 'after',
      nameContains: '/rotation/',
      skip: 1,
    });
    void h.invoke(event('setSecret', s.secretId, token));
    await killed;
    expect(rescueParameters(h)).toEqual([recordName(s.secretId, token)]);
    h.restart();
    h.model.clearFaults();
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expect(failedSteps(report)).toEqual([]);
    expectRotatedOnce(h, s, report);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    expect(rescueParameters(h)).toEqual([]);
    expect(rotationRecords(h)).toEqual([]);
  });
});

describe('overlapping deliveries', () => {
  it('a second setSecret while the first waits for Ringg waits for it and reports the truth', async () => {
    const s = (await harness({ realTime: true })).seed('plain');
    const token = await begun(s.secretId);
    h.ringg.inject('regenerate-slow-after');
    const results = await Promise.allSettled([
      h.invoke(event('setSecret', s.secretId, token)),
      new Promise((r) => setTimeout(r, 50)).then(() => h.invoke(event('setSecret', s.secretId, token))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(
      lines()
        .filter((l) => l.step === 'setSecret' && l.message === 'step succeeded')
        .map((l) => [l.outcome, l.promotion]),
    ).toEqual([
      ['promoted', 'promoted'],
      // it waited for the first delivery's claim, proved the stored key, and its move (naming the version
      // it replaces) was refused: looked at again, the version is AWSCURRENT, moved by the first delivery
      ['promoted', undefined],
    ]);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    expect(h.model.currentMoves.filter((m) => m.versionId === token)).toHaveLength(1);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expectRotatedOnce(h, s, report);
  });

  it('a re-run createSecret during the regenerate neither calls the key changed outside nor lost', async () => {
    const s = (await harness({ realTime: true })).seed('plain');
    const token = await begun(s.secretId);
    h.ringg.inject('regenerate-slow-after');
    const set = h.invoke(event('setSecret', s.secretId, token));
    await new Promise((r) => setTimeout(r, 100));
    await h.invoke(event('createSecret', s.secretId, token));
    await set;
    // The 401 for the old key is looked at again (the labels, after a settle) before anything is concluded:
    // by then the first delivery has stored (and promoted) the new key.
    expect(['new-key-already-promoted', 'new-key-already-stored']).toContain(
      lines()
        .filter((l) => l.step === 'createSecret')
        .at(-1)?.outcome,
    );
    expect(lines().filter((l) => l.message === 'step failed')).toEqual([]);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expectRotatedOnce(h, s, report);
  });
});

describe('secrets at the size limit', () => {
  it('refuses before regenerating when the new value could not fit Secrets Manager', async () => {
    await harness();
    const ws = h.ringg.addWorkspace();
    h.model.createSecret({
      Name: 'big',
      SecretString: JSON.stringify({ apiKey: ws.key, pad: 'x'.repeat(65_000) }),
    });
    h.model.enableRotation('big', 'arn:aws:lambda:us-east-1:123456789012:function:f');
    const report = await h.rotate('big', { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:createSecret:SecretTooLargeError']);
    expect(report.steps[0]?.error?.message).toMatch(
      /over Secrets Manager's limit of 65536 bytes, so the key was not regenerated/,
    );
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    expect(h.ringg.liveKey(ws.id)).toBe(ws.key);
  });

  it('a 60 KB secret whose write fails is rescued (the rescue holds only the key) and stored with every field', async () => {
    const s = (await harness()).seed('json', { pad: 'x'.repeat(60_000) });
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    const report = await h.rotate(s.secretId);
    expect(failedSteps(report)).toEqual(['1:setSecret:NewKeyRescuedError']);
    expectRotatedOnce(h, s, report);
    expect(JSON.parse(h.model.valueAt(s.secretId, 'AWSCURRENT') ?? '').pad).toHaveLength(60_000);
    const rescueWrites = h.ssm.calls.PutParameter ?? 0;
    expect(rescueWrites).toBeGreaterThan(0);
  });
});

describe('every bad new_api_key shape', () => {
  it('a key with a trailing newline is stored trimmed and rotates', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.newKeyAs = (key) => `${key}\n`;
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(h.model.valueAt(s.secretId, 'AWSCURRENT')).toBe(h.ringg.liveKey(s.workspaceId));
  });

  for (const [what, shape, problem] of [
    [
      'a control character',
      (key: string) => `${key.slice(0, 8)}\u0007${key.slice(8)}`,
      'contains control characters',
    ],
    ['over 512 characters', (key: string) => key.repeat(15), 'is longer than 512 characters'],
  ] as const) {
    it(`${what}: new-key-unusable at once, with the recovery command; never stored, never regenerated again`, async () => {
      const s = (await harness()).seed('plain');
      h.ringg.newKeyAs = shape;
      const report = await h.rotate(s.secretId);
      expect(failedSteps(report)).toEqual([
        '1:setSecret:NewKeyUnusableError',
        '2:createSecret:NewKeyLostError',
        '3:createSecret:NewKeyLostError',
      ]);
      expect(report.steps[1]?.error?.message).toContain(problem);
      expect(report.steps[1]?.error?.message).toMatch(/ringg-rotate recover --secret-id ringg\/workspace-1/);
      expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
      expect(h.model.valueOf(s.secretId, report.token)).toBeUndefined();
      expect(failureOf(h, s.secretId)).toMatchObject({ code: 'new-key-lost', retryable: false });
    });
  }
});

describe('a tampered record, a rewritten tag, planted records', () => {
  it("a parameter under the record path that is not a record (not this rotation's) blocks nothing and is deleted when the rotation ends", async () => {
    const s = (await harness()).seed('plain');
    h.ssm.putParameter({
      Name: `/ringg-rotation/${s.secretId}/rotation/someone-elses`,
      Value: '{{garbage',
      Type: 'String',
    });
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(rotationRecords(h)).toEqual([]);
    expect(h.model.describeSecret({ SecretId: s.secretId }).Tags).toEqual([
      { Key: WORKSPACE_TAG_KEY, Value: s.workspaceId },
    ]);
  });

  it("a record rewritten to name another workspace cannot get that workspace's key promoted", async () => {
    const s = (await harness()).seed('plain');
    const other = h.ringg.addWorkspace({ name: 'Attacker' });
    const token = await begun(s.secretId);
    plantRecord(s.secretId, token, { workspaceId: other.id });
    h.model.putSecretValue({
      SecretId: s.secretId,
      ClientRequestToken: token,
      SecretString: other.key,
      VersionStages: ['AWSPENDING'],
    });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:testSecret:WrongWorkspaceError']);
    expect(report.steps.at(-1)?.error?.message).toContain(
      `tag ringg-rotation:workspace-id says ${s.workspaceId}`,
    );
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(s.initialKey);
    expect(h.model.calls.UpdateSecretVersionStage).toBeUndefined();
  });

  it('a secret whose tag was removed after setSecret promoted fails testSecret: the workspace cannot be established', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    await h.invoke(event('setSecret', s.secretId, token));
    // setSecret proved the key against the tag as it was, and promoted it.
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
    h.model.untag(s.secretId, WORKSPACE_TAG_KEY);
    await expect(h.invoke(event('testSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'workspace-unknown',
      message: expect.stringMatching(/tag-resource --secret-id "ringg\/workspace-1"/),
    });
  });

  it("a tag naming another workspace than the current key's: nothing regenerated", async () => {
    const s = (await harness()).seed('plain');
    h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: 'someone-else' }] });
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:createSecret:WrongWorkspaceError']);
    expect(report.steps[0]?.error?.message).toMatch(/Nothing was regenerated or changed/);
    expectKeyUntouched(h, s);
  });

  for (const [what, tamper] of [
    ['not a record', () => 'not-a-record'],
    [
      "another secret's record",
      (r: Record<string, unknown>) => ({
        ...r,
        secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf',
      }),
    ],
    ["another token's record", (r: Record<string, unknown>) => ({ ...r, token: 'other-token' })],
    ['a record of an unknown schema', (r: Record<string, unknown>) => ({ ...r, v: 3 })],
    ['a record with an unknown status', (r: Record<string, unknown>) => ({ ...r, status: 'done' })],
    ['a record holding a key but not rescued', (r: Record<string, unknown>) => ({ ...r, apiKey: 'k-123' })],
  ] as const) {
    it(`the rotation's record tampered (${what}) stops setSecret before any regenerate, without dashboard advice`, async () => {
      const s = (await harness()).seed('plain');
      const token = await begun(s.secretId);
      plantRecord(s.secretId, token, {});
      tamperRecord(h, recordName(s.secretId, token), tamper);
      const error = await h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'rescue-unreadable',
        message: expect.stringMatching(/Nothing was regenerated or stored/),
      });
      expect((error as Error).message).toContain(recordName(s.secretId, token));
      expect((error as Error).message).not.toMatch(DASHBOARD);
      expect(h.ringg.calls('regenerate-call')).toBe(0);
      expect(h.model.valueOf(s.secretId, token)).toBeUndefined();
      expectKeyUntouched(h, s);
    });
  }

  it('a planted record that is not a record stops setSecret before any regenerate, without dashboard advice', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    h.ssm.putParameter({
      Name: recordName(s.secretId, token),
      Value: 'not-a-rescue',
      Type: 'SecureString',
    });
    const error = await h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'rescue-unreadable',
      message: expect.stringMatching(/Nothing was regenerated or stored/),
    });
    expect((error as Error).message).not.toMatch(DASHBOARD);
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    expectKeyUntouched(h, s);
  });

  it("a planted rescued record holding another workspace's key is refused; only the key would have been taken from it", async () => {
    const s = (await harness()).seed('json');
    const other = h.ringg.addWorkspace({ name: 'Attacker' });
    const token = await begun(s.secretId);
    plantRecord(s.secretId, token, { status: 'rescued', workspaceId: other.id, apiKey: other.key });
    await expect(h.invoke(event('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'wrong-workspace',
    });
    expect(h.model.valueOf(s.secretId, token)).toBeUndefined();
    expect(h.ringg.calls('regenerate-call')).toBe(0);
  });

  it('a planted claim saying it lives for a day does not block the rotation past a Lambda timeout', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    plantRecord(s.secretId, token, {
      status: 'regenerating',
      until: new Date(h.now() + 86_400_000).toISOString(),
    });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 3 });
    expectRotatedOnce(h, s, report);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
  });
});

describe('the leak check itself', () => {
  it('finds a key in a log line', async () => {
    const s = (await harness()).seed('plain');
    expect(keyLeaks(h, [`oops ${s.initialKey}`])).toHaveLength(1);
  });
});

describe('the record writes', () => {
  it("encrypt the rescued key with the rotation's own KMS key, never the secret's customer-managed key", async () => {
    const rotationKey = 'arn:aws:kms:us-east-1:123456789012:key/rotation-0000';
    await harness({ env: { ROTATION_PARAMETER_KMS_KEY_ID: rotationKey } });
    const ws = h.ringg.addWorkspace();
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    h.model.createSecret({ Name: 'cmk', SecretString: ws.key, KmsKeyId: keyArn });
    h.model.enableRotation('cmk', 'arn:aws:lambda:us-east-1:123456789012:function:f');
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    const rescued: unknown[] = [];
    const report = await h.rotate('cmk', {
      onStep: () => {
        for (const name of rescueParameters(h)) rescued.push(h.ssm.parameters.get(name)?.keyId);
      },
    });
    expect(failedSteps(report)).toEqual(['1:setSecret:NewKeyRescuedError']);
    expect(rescued[0]).toBe(rotationKey);
    expect(rescued).not.toContain(keyArn);
    expect(report.succeeded).toBe(true);
  });

  it('create the record once (Overwrite false) as a SecureString holding no key, and delete it when the rotation finishes', async () => {
    const rotationKey = 'arn:aws:kms:us-east-1:123456789012:key/rotation-0000';
    const s = (await harness({ env: { ROTATION_PARAMETER_KMS_KEY_ID: rotationKey } })).seed('plain');
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    const writes = h.ssmMock
      .commandCalls(PutParameterCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.Name?.includes('/rotation/'));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      Name: recordName(s.secretId, report.token),
      Overwrite: false,
      Type: 'SecureString',
      Tier: 'Standard',
      KeyId: rotationKey,
    });
    const record = JSON.parse(writes[0]?.Value ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({
      v: 2,
      token: report.token,
      status: 'regenerating',
      generation: 1,
      workspaceId: s.workspaceId,
      secretArn: h.model.describeSecret({ SecretId: s.secretId }).ARN,
    });
    expect(record).not.toHaveProperty('apiKey');
    expect(rotationRecords(h)).toEqual([]);
  });
});
