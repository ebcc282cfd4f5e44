import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import { harnessPerTest, labels, rotationRecords, stepEvent } from '../support/invariants.js';

/**
 * A second adversarial round on the stranded-key rescue: each finding reproduced with the real
 * handler, asserting what must hold.
 */
let h: Harness;
const startHarness = harnessPerTest(createHarness);
async function harness(options?: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
const event = stepEvent;
type Failure = { code: string; retryable: boolean; message: string };

async function begun(secretId: string): Promise<string> {
  const token = h.model.beginRotation({ SecretId: secretId });
  await h.invoke(event('createSecret', secretId, token));
  return token;
}

/** As in rotation-stranded-key.test.ts: t1 stored the new key, died, and a person's write abandoned it. */
async function strandedRotation(
  secretId: string,
  written: (live: string) => string,
): Promise<{ t1: string; k1: string }> {
  const t1 = await begun(secretId);
  const killed = h.killAt({ operation: 'PutSecretValue', when: 'after' });
  void h.invoke(event('setSecret', secretId, t1));
  await killed;
  h.restart();
  const k1 = keyOf(h.model.valueOf(secretId, t1)) ?? '';
  h.model.putSecretValue({ SecretId: secretId, ClientRequestToken: randomUUID(), SecretString: written(k1) });
  expect(h.model.describeSecret({ SecretId: secretId }).VersionIdsToStages?.[t1]).toBeUndefined();
  expect(rotationRecords(h)).toHaveLength(1);
  return { t1, k1 };
}

describe('a next claim whose check of the current key is rejected looks at the labels, its version and the records again', () => {
  it("B read claim 1 (not-regenerated); A claims 2 and regenerates, its store in flight when B's check of the old key returns: B sees A's live claim, no false current-key-rejected", async () => {
    const s = (await harness()).seed('plain');
    const token = await begun(s.secretId);
    const arn = h.model.describeSecret({ SecretId: s.secretId }).ARN;
    const now = new Date(h.now()).toISOString();
    h.ssm.putParameter({
      Name: `/ringg-rotation/${s.secretId}/rotation/${token}.g1`,
      Type: 'SecureString',
      Value: JSON.stringify({
        v: 2,
        secretArn: arn,
        token,
        status: 'not-regenerated',
        generation: 1,
        until: now,
        fromVersion: labels(h, s.secretId).AWSCURRENT,
        workspaceId: s.workspaceId,
        updatedAt: now,
      }),
    });
    // B's check of the current key (before its claim of generation 2) is delayed in flight.
    const hold = h.ringg.holdNext('workspace-call');
    const b = h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e);
    await hold.arrived;
    // A claims generation 2 and regenerates; its PutSecretValue is slow (still in flight).
    let patched = () => {};
    const aPatched = new Promise<void>((resolve) => {
      patched = resolve;
    });
    let letStore = () => {};
    const storeMayGo = new Promise<void>((resolve) => {
      letStore = resolve;
    });
    h.model.onceBefore('PutSecretValue', async () => {
      patched();
      await storeMayGo;
    });
    const a = h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e);
    await aPatched;
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    hold.release();
    const error = (await b) as Failure | undefined;
    letStore();
    const aResult = await a;
    expect(aResult).toBeUndefined();
    // A stored the new key (the shared clock may leave its promotion to the later steps): the rotation is fine.
    expect((await continueRotation(h.model, s.secretId, token, h.invoke)).succeeded).toBe(true);
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    // B saw A's live claim only if it read the records again: a retryable regenerate-in-progress,
    // not a non-retryable current-key-rejected whose dashboard advice kills A's new key.
    expect(error?.code).not.toBe('current-key-rejected');
  });
});

describe('a stranded key the proof cannot place (no tag) is not passed over as if dead', () => {
  it('the workspace tag was removed (IaC tag drift) while the live key waits in t1: no current-key-rejected with dashboard advice', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
    const { t1, k1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    // Terraform/CloudFormation re-applies the secret's tags and drops the function's tag.
    h.model.untagResource({ SecretId: s.secretId, TagKeys: [WORKSPACE_TAG_KEY] });
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    const error = (await h.invoke(event('createSecret', s.secretId, t2)).catch((e: unknown) => e)) as
      | Failure
      | undefined;
    // Not "the key was changed outside Secrets Manager ... regenerate it in the Ringg dashboard" (non-retryable):
    // the live key is in version t1. (9cc3e69 took it: createSecret passed with the key waiting in rescue.)
    expect(error?.code).not.toBe('current-key-rejected');
    if (error) expect(error.message).toContain(t1);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
  });
});

describe('a stranded version that cannot be read this once is not passed over as if it held nothing', () => {
  it('the read of t1 is throttled past its call time: a retryable failure, not current-key-rejected, while the live key is in t1', async () => {
    const s = (await harness()).seed('json');
    const { t1, k1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    // Secrets Manager throttles the read of t1 for longer than the call's time (a rotation storm).
    for (let i = 0; i < 200; i++) {
      h.model.onceBefore(
        'GetSecretValue',
        () => {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        },
        (input: { VersionId?: string }) => input.VersionId === t1,
      );
    }
    const error = (await h.invoke(event('createSecret', s.secretId, t2)).catch((e: unknown) => e)) as
      | Failure
      | undefined;
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    // Retryable (the version could not be read), not current-key-rejected with dashboard advice.
    expect(error?.code).not.toBe('current-key-rejected');
    expect(error === undefined || error.retryable).toBe(true);
  });
});

/**
 * A rotation 0.1.x left open: its PATCH went through (the old key is dead) and the new key waits in
 * the 0.1.x rescue parameter; the version is still empty. The service retries the rotation on 0.2.
 */
function openedBy01x(tagged: boolean): { secretId: string; workspaceId: string; token: string; k1: string } {
  const s = h.seed('json');
  if (tagged) {
    h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }] });
  }
  const token = h.model.beginRotation({ SecretId: s.secretId });
  const k1 = h.ringg.regenerateInDashboard(s.workspaceId);
  h.ssm.putParameter({
    Name: `/ringg-rotation/${s.secretId}/rescue/${token}`,
    Type: 'SecureString',
    Value: JSON.stringify({ v: 1, token, apiKey: k1 }),
  });
  return { secretId: s.secretId, workspaceId: s.workspaceId, token, k1 };
}

describe('a rotation 0.1.x left open, its key in the 0.1.x rescue parameter', () => {
  it('setSecret looks before it claims: no PATCH with the dead key (a 500 to it was a false new-key-lost on every retry)', async () => {
    await harness();
    const o = openedBy01x(true);
    await h.invoke(event('createSecret', o.secretId, o.token));
    // Ringg answers this one PATCH with a 500 (a blip); the probe that follows finds the old key dead.
    h.ringg.inject('regenerate-500-before', 1);
    const first = (await h.invoke(event('setSecret', o.secretId, o.token)).catch((e: unknown) => e)) as
      | Failure
      | undefined;
    const retried = (await h.invoke(event('setSecret', o.secretId, o.token)).catch((e: unknown) => e)) as
      | Failure
      | undefined;
    expect(h.ringg.liveKey(o.workspaceId)).toBe(o.k1);
    // The new key waits in the rescue parameter: never "lost, regenerate in the dashboard".
    expect([first?.code, retried?.code]).not.toContain('new-key-lost');
    // And the destructive call is never used as a probe while a rescued key waits.
    expect(h.ringg.calls('regenerate-call')).toBe(0);
  });

  it('an untagged secret: createSecret finds the key waiting in the rescue, setSecret does not say current-key-rejected', async () => {
    await harness();
    const o = openedBy01x(false);
    const report = await continueRotation(h.model, o.secretId, o.token, h.invoke, { maxAttempts: 1 });
    const failed = report.steps.filter((r) => !r.ok).map((r) => `${r.step}:${r.error?.name}`);
    // 9cc3e69 failed WorkspaceUnknownError about the rescued key; e9018be never reads the rescue in setSecret.
    expect(failed).not.toContain('setSecret:CurrentKeyRejectedError');
    expect(h.ringg.liveKey(o.workspaceId)).toBe(o.k1);
  });
});
