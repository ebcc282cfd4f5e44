import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import {
  expectKeyUntouched,
  expectRotatedOnce,
  failedSteps,
  harnessPerTest,
  journalOf,
  keyLeaks,
  labels,
  rescueParameters,
  stepEvent,
} from '../support/invariants.js';

/**
 * The fault matrix, continued: what an adversary tries. Hung AWS calls, a process killed at each
 * point of setSecret and re-run on a fresh instance, overlapping deliveries, SSM down, oversized
 * secrets, every bad new_api_key shape, a tampered journal, planted parameters. Every test asserts
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
const intentParameters = () => [...h.ssm.parameters.keys()].filter((n) => n.includes('/intent/'));
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
    expect(rescueParameters(h)).toEqual([`/ringg-rotation/${s.secretId}/rescue/${token}`]);
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

  it('journal writes that hang never fail a rotation', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '50' } })).seed('plain');
    h.ssm.injectFault({ operation: 'PutParameter', times: 1_000, nameContains: '/journal', hang: true });
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(
      lines().filter((l) => l.message === 'journal write failed; the rotation goes on').length,
    ).toBeGreaterThan(3);
  });
});

describe('SSM down around the regenerate', () => {
  it('the intent cannot be recorded: no regenerate is sent, nothing changed, the next attempt rotates', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    h.ssm.injectFault({ operation: 'PutParameter', times: 20, nameContains: '/intent/' });
    await expect(h.invoke(event('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'intent-not-recorded',
      retryable: true,
      message: expect.stringMatching(/so no regenerate was sent and nothing was changed/),
    });
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    expectKeyUntouched(h, s);
    h.ssm.clearFaults();
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expectRotatedOnce(h, s, report);
  });

  it('the intent cannot be read: no regenerate is sent', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    h.ssm.injectFault({ operation: 'GetParameter', times: 20, nameContains: '/intent/' });
    await expect(h.invoke(event('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'intent-not-recorded',
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

  it('before the intent is recorded: rotates with one regenerate', async () => {
    const { s, token } = await killedSetSecret({
      operation: 'PutParameter',
      when: 'before',
      nameContains: '/intent/',
    });
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expectRotatedOnce(h, s, report);
  });

  it('after the intent, before the regenerate: waits out the dead owner, then rotates with one regenerate', async () => {
    const { s, token } = await killedSetSecret({
      operation: 'PutParameter',
      when: 'after',
      nameContains: '/intent/',
    });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expect(failedSteps(report)).toEqual(['1:createSecret:RegenerateInProgressError']);
    expect(report.steps[0]?.error?.message).toMatch(/changed nothing and sent no regenerate/);
    expect(report.steps[0]?.error?.message).not.toMatch(DASHBOARD);
    expectRotatedOnce(h, s, report);
    expect(intentParameters()).toEqual([]);
  });

  it('after Ringg issued the key, before it was written: the key existed only in the dead process; new-key-lost says so', async () => {
    const { s, token } = await killedSetSecret({ operation: 'PutSecretValue', when: 'before' });
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
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
  });

  it('after the key was written, before the journal: rotates with one regenerate', async () => {
    const { s, token } = await killedSetSecret({ operation: 'PutSecretValue', when: 'after' });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expect(failedSteps(report)).toEqual([]);
    expectRotatedOnce(h, s, report);
  });

  it('after the key was rescued, before the journal: the re-run stores the rescued key', async () => {
    const s = (await harness({ env: AWS_TIMEOUT })).seed('json');
    const token = await begun(s.secretId);
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    const killed = h.killAt({ operation: 'PutParameter', when: 'after', nameContains: '/rescue/' });
    void h.invoke(event('setSecret', s.secretId, token));
    await killed;
    h.restart();
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expect(failedSteps(report)).toEqual([]);
    expectRotatedOnce(h, s, report);
    expect(rescueParameters(h)).toEqual([]);
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
      ['new-key-stored', 'promoted'],
      // its own move found AWSCURRENT already moved by the first delivery: the version is current
      ['new-key-stored-by-another-delivery', 'promoted'],
    ]);
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
    expect(
      lines()
        .filter((l) => l.step === 'createSecret')
        .at(-1)?.outcome,
    ).toBe('new-key-stored-by-another-delivery');
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
      expect(journalOf(h, s.secretId)).toMatchObject({ lastError: { code: 'new-key-lost' } });
    });
  }
});

describe('a tampered journal, a rewritten tag, planted parameters', () => {
  it('a journal that is not JSON is "no progress known": the rotation runs and the workspace check still holds', async () => {
    const s = (await harness()).seed('plain');
    h.ssm.putParameter({
      Name: `/ringg-rotation/${s.secretId}/journal`,
      Value: '{{garbage',
      Type: 'String',
      Overwrite: true,
    });
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(lines().some((l) => l.message === 'journal does not match its schema; no progress known')).toBe(
      true,
    );
    expect(h.model.describeSecret({ SecretId: s.secretId }).Tags).toEqual([
      { Key: WORKSPACE_TAG_KEY, Value: s.workspaceId },
    ]);
  });

  it("a journal rewritten to name another workspace cannot get that workspace's key promoted", async () => {
    const s = (await harness()).seed('plain');
    const other = h.ringg.addWorkspace({ name: 'Attacker' });
    const token = await begun(s.secretId);
    h.ssm.putParameter({
      Name: `/ringg-rotation/${s.secretId}/journal`,
      Value: JSON.stringify({ workspaceId: other.id, token, state: 'pending-stored' }),
      Type: 'String',
      Overwrite: true,
    });
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

  it('a planted rescue parameter that is not a rescue stops setSecret before any regenerate, without dashboard advice', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    h.ssm.putParameter({
      Name: `/ringg-rotation/${s.secretId}/rescue/${token}`,
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

  it("a planted rescue holding another workspace's key is refused; only the key would have been taken from it", async () => {
    const s = (await harness()).seed('json');
    const other = h.ringg.addWorkspace({ name: 'Attacker' });
    const token = await begun(s.secretId);
    h.ssm.putParameter({
      Name: `/ringg-rotation/${s.secretId}/rescue/${token}`,
      Value: JSON.stringify({ v: 1, token, workspaceId: s.workspaceId, apiKey: other.key }),
      Type: 'SecureString',
    });
    await expect(h.invoke(event('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'wrong-workspace',
    });
    expect(h.model.valueOf(s.secretId, token)).toBeUndefined();
    expect(h.ringg.calls('regenerate-call')).toBe(0);
  });

  it('a planted intent claiming to live for a day does not block the rotation', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    h.ssm.putParameter({
      Name: `/ringg-rotation/${s.secretId}/intent/${token}.1`,
      Value: JSON.stringify({
        v: 1,
        token,
        generation: 1,
        recordedAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      }),
      Type: 'String',
    });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expectRotatedOnce(h, s, report);
    expect(h.ssm.calls.PutParameter).toBeGreaterThan(0);
  });
});

describe('the leak check itself', () => {
  it('finds a key in a log line', async () => {
    const s = (await harness()).seed('plain');
    expect(keyLeaks(h, [`oops ${s.initialKey}`])).toHaveLength(1);
  });
});

describe('the rescue and intent writes', () => {
  it("encrypt the rescue with the secret's own customer-managed key", async () => {
    await harness();
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
    expect(rescued[0]).toBe(keyArn);
    expect(report.succeeded).toBe(true);
  });

  it('record the intent create-once (Overwrite false), holding no key, and clean it up when the rotation finishes', async () => {
    const s = (await harness()).seed('plain');
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    const intents = h.ssmMock
      .commandCalls(PutParameterCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.Name?.includes('/intent/'));
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({
      Name: `/ringg-rotation/${s.secretId}/intent/${report.token}.1`,
      Overwrite: false,
      Type: 'String',
    });
    expect(JSON.parse(intents[0]?.Value ?? '')).toMatchObject({ v: 1, token: report.token, generation: 1 });
    expect(intentParameters()).toEqual([]);
  });
});
