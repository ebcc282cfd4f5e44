import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import { harnessPerTest, labels, rescueParameters, stepEvent } from '../support/invariants.js';

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
  it('one missed read, journal writes lost: reads again, proves the pending key, no blame on the current key', async () => {
    const s = (await harness()).seed('plain');
    h.ssm.injectFault({ operation: 'PutParameter', times: 1_000, nameContains: '/journal' });
    const token = await begun(s.secretId);
    await storedNotPromoted(s.secretId, token);
    missPendingReads(token, 1);
    await h.invoke(event('testSecret', s.secretId, token));
    await h.invoke(event('finishSecret', s.secretId, token));
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
  });

  it('the stored key stays unreadable: a retryable new-key-not-readable that never sends anyone to the dashboard', async () => {
    const s = (await harness()).seed('plain');
    h.ssm.injectFault({ operation: 'PutParameter', times: 1_000, nameContains: '/journal' });
    const token = await begun(s.secretId);
    await storedNotPromoted(s.secretId, token);
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
    expect(error.message).toMatch(/it is kept in the rescue parameter "\/ringg-rotation\/.*\/rescue\//);
    expect(error.message).not.toMatch(DASHBOARD);
    expect(rescueParameters(h)).toHaveLength(1);
  });
});

describe('finishSecret delivered twice at once', () => {
  it('both deliveries succeed and the journal says finished', async () => {
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
    const journal = JSON.parse(h.ssm.parameters.get(`/ringg-rotation/${s.secretId}/journal`)?.value ?? '{}');
    expect(journal.state).toBe('finished');
  });
});

describe('the rotation version written outside the rotation between the regenerate and the write', () => {
  it('the new key goes to the rescue parameter and the message names it, never the dashboard', async () => {
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
    expect(error.message).toMatch(/kept in the SecureString parameter "\/ringg-rotation\/.*\/rescue\//);
    expect(error.message).toMatch(/do not regenerate in the Ringg dashboard/);
    expect(error.message).not.toMatch(DASHBOARD);
    expect(rescueParameters(h)).toHaveLength(1);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
  });
});

describe('another delivery takes the intent and ends, having regenerated, while this one creates it', () => {
  it('the current key is checked again before a next generation: new-key-lost, no second PATCH', async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    const intent = `/ringg-rotation/${s.secretId}/intent/${token}.1`;
    const original = h.ssm.putParameter.bind(h.ssm);
    h.ssm.putParameter = (input) => {
      if (input.Name === intent) {
        h.ssm.putParameter = original;
        // The other delivery won the create, regenerated (killing the old key) and lost the answer.
        original({
          Name: intent,
          Type: 'String',
          Value: JSON.stringify({
            v: 1,
            token,
            generation: 1,
            recordedAt: new Date().toISOString(),
            expiresAt: new Date().toISOString(),
            outcome: 'ended',
          }),
        });
        h.ringg.regenerateInDashboard(s.workspaceId);
      }
      return original(input);
    };
    const error = (await h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e)) as Failure;
    expect(error.code).toBe('new-key-lost');
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    expect([...h.ssm.parameters.keys()].filter((n) => n.includes('/intent/'))).toEqual([intent]);
  });
});
