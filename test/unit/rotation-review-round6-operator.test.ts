import { describe, expect, it } from 'vitest';
import { continueRotation } from '../../dev/rotation-driver.js';
import { createHarness, type Harness, keyOf } from '../support/harness.js';
import {
  harnessPerTest,
  labels,
  rescueParameters,
  stepEvent,
  strandedRotation,
} from '../support/invariants.js';

/**
 * The sixth adversarial review, the operator's side: what a failure says, how long a step waits on
 * Ringg, and where the key is when a step stops. Each case reproduced with the real handler.
 */
let h: Harness;
const startHarness = harnessPerTest(createHarness);
type Failure = { code: string; message: string };
const failureOf = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as Failure);

async function begun(secretId: string): Promise<string> {
  const token = h.model.beginRotation({ SecretId: secretId });
  await h.invoke(stepEvent('createSecret', secretId, token));
  return token;
}

describe('Ringg answers 429 with Retry-After: 0, or an HTTP date already past', () => {
  it('setSecret backs off between PATCHes instead of sending them in a tight loop', async () => {
    h = await startHarness({ remainingMs: 10_000 });
    const s = h.seed('plain');
    const token = await begun(s.secretId);
    h.ringg.retryAfter = '0';
    h.ringg.inject('regenerate-429', 10_000);
    const error = await failureOf(h.invoke(stepEvent('setSecret', s.secretId, token)));
    expect(error?.code).toBe('ringg-unavailable');
    // 1,924 PATCHes in 1.4 s before: each 429 took no pause and used up no attempt.
    expect(h.ringg.calls('regenerate-call')).toBeLessThanOrEqual(10);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(0);
  });

  it("the check of the current key backs off too (the CLI's check is the same code)", async () => {
    h = await startHarness({ remainingMs: 10_000 });
    const s = h.seed('plain');
    h.ringg.retryAfter = 'Wed, 21 Oct 2015 07:28:00 GMT';
    h.ringg.inject('workspace-429', 10_000);
    const token = h.model.beginRotation({ SecretId: s.secretId });
    expect((await failureOf(h.invoke(stepEvent('createSecret', s.secretId, token))))?.code).toBe(
      'ringg-unavailable',
    );
    expect(h.ringg.calls('workspace-call')).toBeLessThanOrEqual(10);
  });
});

describe('403 to GET /workspace for a key waiting outside AWSCURRENT', () => {
  it("this rotation's rescued key: the failure names the record and says not to regenerate", async () => {
    h = await startHarness();
    const s = h.seed('plain');
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    const first = await h.rotate(s.secretId, { maxAttempts: 1 });
    const [record] = rescueParameters(h);
    expect(record).toBeDefined();
    h.ringg.inject('workspace-403', 10);
    const second = await continueRotation(h.model, s.secretId, first.token, h.invoke, { maxAttempts: 1 });
    const error = second.steps.find((r) => !r.ok)?.error;
    expect(error?.name).toBe('PermissionDeniedError');
    expect(error?.message).toContain(record);
    expect(error?.message).toContain('do not regenerate');
  });

  it('a stranded key: the failure names its version', async () => {
    h = await startHarness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } });
    const s = h.seed('json');
    const { t1 } = await strandedRotation(h, s.secretId, () =>
      JSON.stringify({ username: 'x', apiKey: s.initialKey }),
    );
    h.ringg.inject('workspace-403', 10);
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    const error = await failureOf(h.invoke(stepEvent('createSecret', s.secretId, t2)));
    expect(error?.code).toBe('permission-denied');
    expect(error?.message).toContain(t1);
    expect(error?.message).not.toContain('Store a key of a workspace administrator');
  });
});

describe('GET /workspace answers 200 without workspace_info after the PATCH', () => {
  it('workspace-unknown about the new key says it waits in AWSPENDING and not to regenerate', async () => {
    h = await startHarness();
    const s = h.seed('json');
    const token = await begun(s.secretId);
    // The proof in setSecret and the one in testSecret get no workspace id: the promotion is deferred.
    h.ringg.inject('workspace-200-without-info', 20);
    await h.invoke(stepEvent('setSecret', s.secretId, token));
    expect(labels(h, s.secretId).AWSPENDING).toBe(token);
    expect(keyOf(h.model.valueOf(s.secretId, token))).toBe(h.ringg.liveKey(s.workspaceId));
    const error = await failureOf(h.invoke(stepEvent('testSecret', s.secretId, token)));
    expect(error?.code).toBe('workspace-unknown');
    expect(error?.message).toContain(`AWSPENDING (version ${token})`);
    expect(error?.message).toContain('do not regenerate');
  });
});

describe('an AWS call hangs after the PATCH until the step deadline', () => {
  it('UpdateSecretVersionStage hangs in setSecret: the timeout names the version that holds the live key', async () => {
    const env = {
      ROTATION_SAFETY_MARGIN_MS: '300',
      ROTATION_RESCUE_RESERVE_MS: '300',
      ROTATION_AWS_CALL_TIMEOUT_MS: '60000',
    };
    h = await startHarness({ env, remainingMs: 3_000 });
    const s = h.seed('json');
    const token = await begun(s.secretId);
    h.model.injectFault({ operation: 'UpdateSecretVersionStage', times: 100, hang: true });
    const error = await failureOf(h.invoke(stepEvent('setSecret', s.secretId, token)));
    expect(keyOf(h.model.valueOf(s.secretId, token))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).not.toBe(h.ringg.liveKey(s.workspaceId));
    expect(error?.code).toBe('aws-call-timeout');
    expect(error?.message).toContain(`stored in version ${token}`);
    expect(error?.message).toContain('do not regenerate');
    expect(error?.message).toContain('ringg-rotate recover');
  });
});
