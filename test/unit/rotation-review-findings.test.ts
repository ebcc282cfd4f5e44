import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import {
  endedClaim,
  failureOf,
  harnessPerTest,
  labels,
  recordsOf,
  rescueParameters,
  rotationRecords,
  stepEvent,
} from '../support/invariants.js';

/**
 * Findings of an adversarial review, each reproduced with the real handler: a missed AWSPENDING read,
 * a workspace tag rewritten mid-rotation, and finishSecret delivered twice at once.
 */
let h: Harness;
const startHarness = harnessPerTest(createHarness);
async function harness(options?: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
const event = stepEvent;
const DASHBOARD = /regenerate it there|regenerate the key in the Ringg dashboard|runbook "Key lost"/i;

async function begun(secretId: string): Promise<string> {
  const token = h.model.beginRotation({ SecretId: secretId });
  await h.invoke(event('createSecret', secretId, token));
  return token;
}

/** setSecret stores the key but cannot move AWSCURRENT, so the version stays AWSPENDING for testSecret. */
async function storedNotPromoted(secretId: string, token: string): Promise<void> {
  h.model.injectFault({ operation: 'UpdateSecretVersionStage', times: 1 });
  await h.invoke(event('setSecret', secretId, token));
  h.model.clearFaults();
  expect(labels(h, secretId).AWSPENDING).toBe(token);
  expect(labels(h, secretId).AWSCURRENT).not.toBe(token);
}

/** The next `times` reads of the rotation's version miss (the read-after-write miss the contract names). */
function missPendingReads(token: string, times: number): void {
  const original = h.model.getSecretValue.bind(h.model);
  let left = times;
  h.model.getSecretValue = (input) => {
    if (left > 0 && input.VersionId === token) {
      left--;
      throw new AwsServiceError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
      );
    }
    return original(input);
  };
}

type Failure = { code: string; retryable: boolean; message: string };

describe('testSecret after a missed read of the stored key', () => {
  it('one missed read, the record unreadable: reads again, proves the pending key, no blame on the current key', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    await storedNotPromoted(s.secretId, token);
    // testSecret needs no record for this: the labels looked at again and the version read again suffice.
    h.ssm.injectFault({ operation: 'GetParametersByPath', times: 1_000, nameContains: '/rotation' });
    h.ssm.injectFault({ operation: 'GetParameter', times: 1_000, nameContains: '/r' });
    missPendingReads(token, 1);
    await h.invoke(event('testSecret', s.secretId, token));
    h.ssm.clearFaults();
    await h.invoke(event('finishSecret', s.secretId, token));
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(rotationRecords(h)).toEqual([]);
  });

  for (const later of [false, true])
    it(`the stored key stays unreadable${later ? ' after the claim ran out' : ''}: a retryable new-key-not-readable that never sends anyone to the dashboard`, async () => {
      const s = (await harness()).seed('plain');
      const token = await begun(s.secretId);
      await storedNotPromoted(s.secretId, token);
      // The claim's `until` has passed: the record alone would say "may have regenerated, not stored".
      if (later) h.advanceClock(15 * 60_000);
      missPendingReads(token, 10);
      const error = (await h
        .invoke(event('testSecret', s.secretId, token))
        .catch((e: unknown) => e)) as Failure;
      expect(error).toMatchObject({ code: 'new-key-not-readable', retryable: true });
      expect(error.message).toMatch(/Do not regenerate in the Ringg dashboard/);
      expect(error.message).not.toMatch(DASHBOARD);
      h.model.getSecretValue = Object.getPrototypeOf(h.model).getSecretValue.bind(h.model);
      const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
      expect(report.succeeded).toBe(true);
      expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
      expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    });
});

describe('a workspace tag rewritten after the regenerate', () => {
  it('key in AWSPENDING: retryable wrong-workspace naming AWSPENDING and the tag fix; restoring the tag finishes', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    await storedNotPromoted(s.secretId, token);
    h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: 'ws-typo' }] });
    const error = (await h
      .invoke(event('testSecret', s.secretId, token))
      .catch((e: unknown) => e)) as Failure;
    expect(error).toMatchObject({ code: 'wrong-workspace', retryable: true });
    expect(error.message).toMatch(/it is kept in AWSPENDING/);
    expect(error.message).toMatch(
      /tag-resource --secret-id \S+ --tags Key=ringg-rotation:workspace-id,Value=/,
    );
    expect(error.message).not.toMatch(DASHBOARD);
    h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }] });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expect(report.succeeded).toBe(true);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
  });

  it('key in the rescue parameter: the message names the parameter, not "Key lost"', async () => {
    const s = (await harness()).seed('json');
    const token = await begun(s.secretId);
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    await expect(h.invoke(event('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'new-key-rescued',
    });
    h.model.clearFaults();
    h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: 'ws-typo' }] });
    const error = (await h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e)) as Failure;
    expect(error).toMatchObject({ code: 'wrong-workspace', retryable: true });
    expect(error.message).toMatch(/it is kept in the rotation record "\/ringg-rotation\/.*\/rotation\//);
    expect(error.message).not.toMatch(DASHBOARD);
    expect(rescueParameters(h)).toHaveLength(1);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    // Restoring the tag: the next attempt stores the rescued key and finishes.
    h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }] });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expect(report.succeeded).toBe(true);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(rotationRecords(h)).toEqual([]);
  });
});

describe('finishSecret delivered twice at once', () => {
  it('both deliveries succeed, AWSCURRENT moves once, and no record or failure is left', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    await storedNotPromoted(s.secretId, token);
    await h.invoke(event('testSecret', s.secretId, token));
    const results = await Promise.allSettled([
      h.invoke(event('finishSecret', s.secretId, token)),
      h.invoke(event('finishSecret', s.secretId, token)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
    expect(h.model.currentMoves.map((m) => m.versionId)).toEqual([token]);
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });
});

describe('the rotation version written outside the rotation between the regenerate and the write', () => {
  it('the new key goes to the rotation record and the message names it, never the dashboard', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    const original = h.model.putSecretValue.bind(h.model);
    h.model.putSecretValue = (input) => {
      if (input.ClientRequestToken === token) {
        h.model.putSecretValue = original;
        original({ ...input, SecretString: 'someone-else-0000' });
      }
      return original(input);
    };
    const error = (await h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e)) as Failure;
    expect(error.code).toBe('secret-write-conflict');
    expect(error.message).toMatch(/kept in the rotation record "\/ringg-rotation\/.*\/rotation\//);
    expect(error.message).toMatch(/do not regenerate in the Ringg dashboard/);
    expect(error.message).not.toMatch(DASHBOARD);
    expect(rescueParameters(h)).toHaveLength(1);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(failureOf(h, s.secretId)).toMatchObject({
      code: 'secret-write-conflict',
      step: 'setSecret',
      token,
    });
  });
});

describe('another delivery takes the claim and ends, having regenerated, while this one creates it', () => {
  it('the current key is checked again before a next generation: new-key-lost, no second PATCH', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    const record = `/ringg-rotation/${s.secretId}/rotation/${token}.g1`;
    const arn = h.model.describeSecret({ SecretId: s.secretId }).ARN;
    const from = labels(h, s.secretId).AWSCURRENT;
    const original = h.ssm.putParameter.bind(h.ssm);
    h.ssm.putParameter = (input) => {
      if (input.Name === record) {
        h.ssm.putParameter = original;
        // The other delivery won the create, regenerated (killing the old key) and lost the answer.
        const now = new Date(h.now()).toISOString();
        original({
          Name: record,
          Type: 'SecureString',
          Value: JSON.stringify({
            v: 2,
            secretArn: arn,
            token,
            status: 'outcome-unknown',
            generation: 1,
            until: now,
            fromVersion: from,
            workspaceId: s.workspaceId,
            updatedAt: now,
          }),
        });
        h.ringg.regenerateInDashboard(s.workspaceId);
      }
      return original(input);
    };
    const error = (await h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e)) as Failure;
    expect(error.code).toBe('new-key-lost');
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    // The other delivery's record is kept as it was: the evidence of its regenerate.
    expect(recordsOf(h)).toEqual([
      expect.objectContaining({ name: record, status: 'outcome-unknown', generation: 1 }),
    ]);
  });
});

describe('two deliveries take the next claim of a rotation at once', () => {
  it('the claim is created once: one PATCH, the other delivery waits and finds the key stored', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    // An earlier attempt proved Ringg changed nothing: the next attempt may claim generation 2.
    endedClaim(h, s, token);
    // Both deliveries reach the create of generation 2 before either has made it.
    const enter = h.ssm.enter.bind(h.ssm);
    let arrived = 0;
    let release = () => {};
    const both = new Promise<void>((r) => {
      release = r;
    });
    h.ssm.enter = async (operation, name) => {
      if (operation === 'PutParameter' && name.endsWith(`${token}.g2`) && arrived < 2) {
        if (++arrived === 2) release();
        await both;
      }
      return enter(operation, name);
    };
    const results = await Promise.allSettled([
      h.invoke(event('setSecret', s.secretId, token)),
      h.invoke(event('setSecret', s.secretId, token)),
    ]);
    expect(arrived).toBe(2);
    // The stand-ins share one clock: the waiting delivery's polls may use up the other's time, which
    // then rescues the key; either way one delivery sent the one PATCH.
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Failure).code] : []));
    expect(codes).toContain('regenerate-in-progress');
    for (const code of codes) expect(['regenerate-in-progress', 'new-key-rescued']).toContain(code);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expect(report.succeeded).toBe(true);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(rotationRecords(h)).toEqual([]);
  });
});
