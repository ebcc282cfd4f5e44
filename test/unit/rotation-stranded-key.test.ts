import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { createHarness, type Harness, type HarnessOptions, keyOf, LAMBDA_ARN } from '../support/harness.js';
import { failureOf, harnessPerTest, labels, rotationRecords, stepEvent } from '../support/invariants.js';

/**
 * A key an abandoned rotation left in a version nothing labels (a person's write abandoned it between
 * the store and the promotion), and the next claim of a rotation taken on a stale view: the findings
 * of an adversarial review, each reproduced with the real handler.
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

/**
 * Rotation t1 regenerates, stores the new key in its version and dies before promoting it (the old
 * key is dead); then a person's PutSecretValue (`written`) abandons t1: the live key is in t1's
 * version, which nothing labels, and t1's `regenerating` record is the only pointer to it.
 */
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

describe('a stranded key that is dead, while the current key is dead too', () => {
  it('reports current-key-rejected naming the secret that holds the live key, not a pass in createSecret and new-key-lost in setSecret', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
    await strandedRotation(s.secretId, () => JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }));
    // Later someone regenerated in the dashboard and keeps the live key in another secret of the
    // workspace: the key in t1's version is dead now, and so is AWSCURRENT's.
    const live = h.ringg.regenerateInDashboard(s.workspaceId);
    const copy = 'ringg/team-b-copy';
    h.model.createSecret({ Name: copy, SecretString: live });
    h.model.enableRotation(copy, LAMBDA_ARN);
    h.model.tagResource({ SecretId: copy, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }] });

    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    const failed = report.steps.filter((r) => !r.ok);
    // Nothing of this rotation regenerated anything: the truth is "your key was changed outside,
    // the live key is in ringg/team-b-copy, do NOT regenerate in the dashboard".
    expect(failed.map((r) => `${r.step}:${r.error?.name}`)).toEqual(['createSecret:CurrentKeyRejectedError']);
    expect(failed[0]?.error?.message).toContain('Do not regenerate the key in the Ringg dashboard');
    expect(h.ringg.liveKey(s.workspaceId)).toBe(live);
  });
});

describe('a stranded key of the workspace the secret no longer uses', () => {
  it('the secret moved to another workspace: the next rotation ignores the old workspace key and rotates', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
    const w2 = h.ringg.addWorkspace({ name: 'New workspace' });
    // The abandoning write is a deliberate move to workspace w2, tag included.
    const { k1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops', apiKey: w2.key }),
    );
    h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: w2.id }] });

    const report = await h.rotate(s.secretId, { maxAttempts: 3 });
    const errors = report.steps.filter((r) => !r.ok).map((r) => `${r.attempt}:${r.step}:${r.error?.name}`);
    // Not wrong-workspace on every attempt, advising to set the tag back to the old workspace
    // (which would make the next attempt store the old workspace's key over the move).
    expect(report.steps.find((r) => !r.ok)?.error?.message ?? '').not.toContain(`Value=${s.workspaceId}`);
    expect(errors).toEqual([]);
    expect(h.ringg.regenerations(w2.id)).toBe(1);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(w2.id));
    // The old workspace's key is never promoted over the move.
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).not.toBe(k1);
  });
});

describe('a failure about a stranded key names where the key is', () => {
  it('Ringg unavailable while proving the stranded key: the record the message names exists', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
    const { t1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    const t2 = await begun(s.secretId);
    h.ringg.inject('workspace-500', 1_000);
    const error = (await h.invoke(event('setSecret', s.secretId, t2)).catch((e: unknown) => e)) as Failure;
    h.ringg.clearFaults();
    expect(error.code).toBe('ringg-unavailable');
    const named = /rotation record "([^"]+)"/.exec(error.message)?.[1];
    // Not a record that was never written: the key is in version t1.
    expect(named === undefined || h.ssm.parameters.has(named), `names ${named}`).toBe(true);
    expect(error.message).toContain(t1);
  });
});

describe('setSecret reads the record first (S2): SSM down blocks a stored key', () => {
  it('the key is stored in AWSPENDING, the old key dead, SSM unreadable: setSecret still promotes it', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('plain');
    const token = await begun(s.secretId);
    const killed = h.killAt({ operation: 'PutSecretValue', when: 'after' });
    void h.invoke(event('setSecret', s.secretId, token));
    await killed;
    h.restart();
    expect(keyOf(h.model.valueOf(s.secretId, token))).toBe(h.ringg.liveKey(s.workspaceId));
    // Consumers are down (AWSCURRENT holds the dead key) and SSM is unavailable for a while.
    h.ssm.injectFault({ operation: 'GetParametersByPath', times: 1_000 });
    const result = await h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e);
    h.ssm.clearFaults();
    expect((result as Failure | undefined)?.code).toBeUndefined();
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
  });
});

describe("the abandoned rotation's own late step deletes the pointer to its stranded key", () => {
  it("t1's late finishSecret ('superseded') runs while t2 is open: t2 still stores t1's live key, no dead-key PATCH", async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
    const { t1, k1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    const t2 = await begun(s.secretId);
    // A late delivery of the abandoned rotation's finishSecret (the contract: any step may arrive again).
    await h.invoke(event('finishSecret', s.secretId, t1));
    const report = await continueRotation(h.model, s.secretId, t2, h.invoke, { maxAttempts: 1 });
    const errors = report.steps.filter((r) => !r.ok).map((r) => `${r.step}:${r.error?.name}`);
    expect(errors).toEqual([]);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(k1);
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });
});

describe('a next claim decided on a stale view of the records', () => {
  it("B read generation 1, A claims generation 2 and stores the key before B's check of the old key returns: B is no false current-key-rejected", async () => {
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
    await h.invoke(event('setSecret', s.secretId, token));
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
    hold.release();
    const error = (await b) as Failure | undefined;
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    // Not current-key-rejected, whose advice (the dashboard) would kill the new key.
    expect(error?.code).toBeUndefined();
  });
});
