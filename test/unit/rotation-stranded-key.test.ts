import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf, LAMBDA_ARN } from '../support/harness.js';
import {
  strandedRotation as abandonedWithKeyStored,
  endedClaim,
  failedSteps,
  failureOf,
  harnessPerTest,
  labels,
  plantRecord,
  rotationRecords,
  stepEvent,
} from '../support/invariants.js';

/**
 * A key an abandoned rotation left in a version nothing labels (a person's write abandoned it between
 * the store and the promotion), a rotation 0.1.x left open, and the next claim of a rotation taken on
 * a stale view: the findings of five adversarial reviews, each reproduced with the real handler.
 */
let h: Harness;
const startHarness = harnessPerTest(createHarness);
async function harness(options?: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
const event = stepEvent;
type Failure = { code: string; retryable: boolean; message: string };
const failureOfStep = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as Failure);

async function begun(secretId: string): Promise<string> {
  const token = h.model.beginRotation({ SecretId: secretId });
  await h.invoke(event('createSecret', secretId, token));
  return token;
}

const strandedRotation = (secretId: string, written: (live: string) => string) =>
  abandonedWithKeyStored(h, secretId, written);

/** createSecret of a new rotation: its failure, if any. */
async function nextCreateSecret(secretId: string): Promise<Failure | undefined> {
  const token = h.model.beginRotation({ SecretId: secretId });
  return (await h.invoke(event('createSecret', secretId, token)).catch((e: unknown) => e)) as
    | Failure
    | undefined;
}

describe("a person's write abandons a rotation whose key was stored, before anything promoted it", () => {
  it('the next rotation finds the live key in the version nothing labels, proves it and makes it AWSCURRENT with the edit kept', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
    // A person edits the secret (the old key, a field changed): the service abandons t1.
    const { t1, k1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    expect(keyOf(h.model.valueOf(s.secretId, t1))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(labels(h, s.secretId)).not.toHaveProperty('AWSPENDING');

    const report = await h.rotate(s.secretId);
    expect(report.steps.filter((r) => !r.ok).map((r) => `${r.step}:${r.error?.name}`)).toEqual([]);
    const current = JSON.parse(h.model.valueAt(s.secretId, 'AWSCURRENT') ?? '{}') as Record<string, unknown>;
    expect(current).toEqual({ username: 'ops-2', apiKey: k1 });
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
    expect(
      h.logs.some((l) => l.includes('an abandoned rotation left a key in a version nothing labels')),
    ).toBe(true);
  });

  it('a key in such a version that AWSCURRENT holds too is left alone: the next rotation regenerates with it', async () => {
    const s = (await harness()).seed('json');
    // The person stores the live key themselves, a field changed: the key in t1 is AWSCURRENT's.
    await strandedRotation(s.secretId, (live) => JSON.stringify({ username: 'ops-2', apiKey: live }));
    const report = await h.rotate(s.secretId);
    expect(report.steps.filter((r) => !r.ok)).toEqual([]);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(2);
    const current = JSON.parse(h.model.valueAt(s.secretId, 'AWSCURRENT') ?? '{}') as Record<string, unknown>;
    expect(current).toEqual({ username: 'ops-2', apiKey: h.ringg.liveKey(s.workspaceId) });
    expect(rotationRecords(h)).toEqual([]);
  });
});

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

describe('setSecret with the key stored while SSM cannot be read', () => {
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

describe("the abandoned rotation's own late step keeps the pointer to its stranded key", () => {
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

/**
 * Claim 1 ended (Ringg unchanged); delivery B of setSecret read it and its check of the current key,
 * before its claim of generation 2, is held in flight.
 */
async function delayedNextClaim() {
  const s = (await harness()).seed('plain');
  const token = await begun(s.secretId);
  endedClaim(h, s, token);
  const hold = h.ringg.holdNext('workspace-call');
  const b = h.invoke(event('setSecret', s.secretId, token)).catch((e: unknown) => e);
  await hold.arrived;
  return { s, token, hold, b };
}

describe('a next claim taken on a stale view of the records: a rejected check of the current key looks at the labels, the version and the records again', () => {
  it("B read generation 1, A claims generation 2 and stores the key before B's check of the old key returns: B is no false current-key-rejected", async () => {
    const { s, token, hold, b } = await delayedNextClaim();
    await h.invoke(event('setSecret', s.secretId, token));
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
    hold.release();
    const error = (await b) as Failure | undefined;
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    // Not current-key-rejected, whose advice (the dashboard) would kill the new key.
    expect(error?.code).toBeUndefined();
  });

  it("B read claim 1 (not-regenerated); A claims 2 and regenerates, its store in flight when B's check of the old key returns: B sees A's live claim, no false current-key-rejected", async () => {
    const { s, token, hold, b } = await delayedNextClaim();
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
    const error = await nextCreateSecret(s.secretId);
    // Not "the key was changed outside Secrets Manager ... regenerate it in the Ringg dashboard" (non-retryable):
    // the live key is in version t1.
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

describe('a stranded key Ringg answers 403 for (valid, but may not read the workspace)', () => {
  it('is not promoted, and the failure names the version that holds it and says not to regenerate', async () => {
    const s = (await harness()).seed('json');
    const { t1, k1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    // The dead current key still gets its 401; the stranded key gets the 403.
    h.ringg.inject('workspace-403', 10);
    const error = await nextCreateSecret(s.secretId);
    expect(error?.code).toBe('permission-denied');
    expect(error?.message).toContain(`version ${t1} (no label)`);
    expect(error?.message).toContain('do not regenerate in the Ringg dashboard');
    // Not the advice for a key of the wrong role in AWSCURRENT, which says nothing of where this one is.
    expect(error?.message).not.toContain('Store a key of a workspace administrator');
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
  });
});

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

  it('the key moves into the rotation record and the 0.1.x parameter is deleted; the rotation finishes with it and leaves no parameter', async () => {
    await harness();
    const o = openedBy01x(true);
    const legacy = `/ringg-rotation/${o.secretId}/rescue/${o.token}`;
    const report = await continueRotation(h.model, o.secretId, o.token, h.invoke, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual([]);
    expect(keyOf(h.model.valueAt(o.secretId, 'AWSCURRENT'))).toBe(o.k1);
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    // The copy 0.1.x kept under the secret's own KMS key (readable by whoever may decrypt the secret
    // through SSM) is gone, and the rotation's own record with it once the rotation finished.
    expect(h.ssm.parameters.has(legacy)).toBe(false);
    expect(rotationRecords(h)).toEqual([]);
  });

  it('SSM refuses the move: the key stays in the 0.1.x parameter and the rotation still finishes with it', async () => {
    await harness();
    const o = openedBy01x(true);
    const legacy = `/ringg-rotation/${o.secretId}/rescue/${o.token}`;
    // Every PutParameter of the rotation fails (the move is the only one it needs: nothing is claimed).
    h.ssm.injectFault({ operation: 'PutParameter', times: 20 });
    const report = await continueRotation(h.model, o.secretId, o.token, h.invoke, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual([]);
    expect(keyOf(h.model.valueAt(o.secretId, 'AWSCURRENT'))).toBe(o.k1);
    expect(h.ssm.parameters.has(legacy)).toBe(true);
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

/** A rotation that claimed (status `regenerating`) and was abandoned before it stored anything. */
function abandonedClaim(secretId: string, workspaceId: string): string {
  const token = randomUUID();
  const hourAgo = new Date(h.now() - 3_600_000).toISOString();
  plantRecord(h, secretId, token, {
    status: 'regenerating',
    until: hourAgo,
    updatedAt: hourAgo,
    workspaceId,
  });
  return token;
}

describe('the stranded-key search past many abandoned claims that left nothing', () => {
  it('five earlier abandoned claims left nothing; the live key waits in the sixth: no current-key-rejected with dashboard advice', async () => {
    const s = (await harness()).seed('json');
    // Five rotations that claimed and died before their PATCH, each abandoned by a person's write:
    // their records say `regenerating`, their versions hold nothing and no label.
    const empties = Array.from({ length: 5 }, () => abandonedClaim(s.secretId, s.workspaceId));
    // t1 stores the new key, dies before the promotion, and a person's write abandons it too.
    const { t1, k1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    expect(empties).not.toContain(t1);
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);

    const error = await nextCreateSecret(s.secretId);
    // The live key is in version t1: never "changed outside Secrets Manager ... regenerate it in the
    // Ringg dashboard" (non-retryable), which kills k1 and every consumer that still has it.
    expect(error?.code).not.toBe('current-key-rejected');
    if (error) expect(error.message).toContain(t1);
  });
});

/** A rotation whose setSecret stored the new key and could not prove it (Ringg answered 500s). */
async function deferredRotation(secretId: string): Promise<string> {
  const token = await begun(secretId);
  h.ringg.inject('workspace-500', 5);
  await h.invoke(event('setSecret', secretId, token));
  expect(labels(h, secretId).AWSPENDING).toBe(token);
  expect(labels(h, secretId).AWSCURRENT).not.toBe(token);
  await h.invoke(event('testSecret', secretId, token));
  return token;
}

describe('finishSecret with the new key stored and proven, SSM down', () => {
  it('GetParametersByPath fails: finishSecret still moves AWSCURRENT to the live key (setSecret does), not record-not-written', async () => {
    const s = (await harness()).seed('json');
    const token = await deferredRotation(s.secretId);
    // AWSCURRENT holds the dead key: every consumer fails until finishSecret promotes.
    expect(h.ringg.liveKey(s.workspaceId)).toBe(keyOf(h.model.valueOf(s.secretId, token)));
    h.ssm.injectFault({ operation: 'GetParametersByPath', times: 50 });
    const error = (await h.invoke(event('finishSecret', s.secretId, token)).catch((e: unknown) => e)) as
      | Failure
      | undefined;
    // "no regenerate was sent and nothing was changed ... check that SSM is reachable": the key it
    // needs to promote is in AWSPENDING, not in SSM.
    expect(error?.code).toBeUndefined();
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
  });
});

/**
 * A rotation 0.1.x left open: its PATCH went through and the new key waits in the 0.1.x rescue
 * parameter, which 0.1.x encrypted with the secret's own KMS key. The 0.2 role may use that key only
 * through Secrets Manager (lib/ringg-key-rotation.ts, kms:ViaService secretsmanager), so Parameter
 * Store cannot decrypt the rescue for it. Modelled here as a key that refuses decryption in SSM only.
 */
describe('a 0.1.x rescue parameter the function cannot decrypt', () => {
  it('the step fails naming that the live key waits there and how to recover it, not a generic "check SSM"', async () => {
    const s = (await harness()).seed('json');
    const token = await begun(s.secretId);
    const k1 = h.ringg.regenerateInDashboard(s.workspaceId);
    const name = `/ringg-rotation/${s.secretId}/rescue/${token}`;
    h.ssm.putParameter({
      Name: name,
      Type: 'SecureString',
      Value: JSON.stringify({ v: 1, token, apiKey: k1 }),
      KeyId: 'alias/secret-cmk',
    });
    h.ssm.injectFault({
      operation: 'GetParameter',
      nameContains: '/rescue/',
      times: 100,
      error: new AwsServiceError(
        'AccessDeniedException',
        'User is not authorized to perform kms:Decrypt (Service: AWSKMS; Error Code: AccessDeniedException)',
        400,
      ),
    });
    const errors: Failure[] = [];
    for (let i = 0; i < 3; i++) {
      const e = (await h.invoke(event('setSecret', s.secretId, token)).catch((x: unknown) => x)) as
        | Failure
        | undefined;
      if (e) errors.push(e);
      h.advanceClock(3_600_000);
    }
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    // Every retry fails the same way: a person must act. The message must say the live key may be in
    // that parameter (0.1.x's rescue) and that the role cannot decrypt it, not only "nothing was changed".
    expect(errors).toHaveLength(3);
    expect(errors[0]?.message).toContain(name);
    expect(errors[0]?.message).toMatch(/0\.1|live key|new key/i);
  });
});

/** Another secret of the same workspace holds the live key (someone regenerated in the dashboard and kept it there). */
function liveCopyElsewhere(s: { workspaceId: string }): string {
  const live = h.ringg.regenerateInDashboard(s.workspaceId);
  const copy = 'ringg/team-b-copy';
  h.model.createSecret({ Name: copy, SecretString: live });
  h.model.enableRotation(copy, LAMBDA_ARN);
  h.model.tagResource({ SecretId: copy, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }] });
  return live;
}

describe('a rescued record of an abandoned rotation whose key is dead, while the current key is dead too', () => {
  it('the live key is in another secret of the workspace: no new-key-lost with dashboard advice', async () => {
    const s = (await harness()).seed('json');
    h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }] });
    // An abandoned rotation t1 rescued a key (its store failed) that a person's write then made moot;
    // later someone regenerated in the dashboard and keeps the live key in another secret.
    const t1 = randomUUID();
    const dead = h.ringg.regenerateInDashboard(s.workspaceId);
    plantRecord(h, s.secretId, t1, { status: 'rescued', apiKey: dead, workspaceId: s.workspaceId });
    const live = liveCopyElsewhere(s);

    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    const failed = report.steps.filter((r) => !r.ok);
    expect(h.ringg.liveKey(s.workspaceId)).toBe(live);
    // Nothing of this rotation regenerated: the truth is current-key-rejected naming ringg/team-b-copy.
    expect(failed.map((r) => `${r.step}:${r.error?.name}`)).not.toContain('setSecret:NewKeyLostError');
    expect(failed[0]?.error?.message ?? '').not.toMatch(
      /regenerate the key in the Ringg dashboard and store/,
    );
    expect(failed[0]?.error?.message ?? '').toContain('ringg/team-b-copy');
  });
});

describe('a stranded version Secrets Manager cannot decrypt (the secret moved to a new CMK, the old one disabled)', () => {
  it('the message names the version that cannot be read, not "enable the key" of a secret whose key works', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
    const { t1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    // UpdateSecret --kms-key-id re-encrypts only the labelled versions; with the old key disabled an
    // unlabelled version can no longer be decrypted (user guide, "Change the encryption key").
    for (let i = 0; i < 200; i++) {
      h.model.onceBefore(
        'GetSecretValue',
        () => {
          throw Object.assign(new Error('Access to KMS is not allowed'), { name: 'DecryptionFailure' });
        },
        (input: { VersionId?: string }) => input.VersionId === t1,
      );
    }
    const errors: Failure[] = [];
    const t = h.model.beginRotation({ SecretId: s.secretId });
    for (let i = 0; i < 3; i++) {
      const e = await failureOfStep(h.invoke(event('createSecret', s.secretId, t)));
      if (e) errors.push(e);
      h.advanceClock(3_600_000);
    }
    // Every rotation fails the same way forever: a person must act, so the message must say on what.
    expect(errors.map((e) => e.code)).toEqual(['kms-key-refused', 'kms-key-refused', 'kms-key-refused']);
    expect(errors[0]?.message).toContain(t1);
  });
});

describe('a stale rescued record (dead key) of an earlier rotation, and the live key stranded in an abandoned version', () => {
  it('the stranded key is still found: no new-key-lost with dashboard advice while the live key waits in t1', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
    const { t1, k1 } = await strandedRotation(s.secretId, () =>
      JSON.stringify({ username: 'ops-2', apiKey: s.initialKey }),
    );
    // A rotation t0 before t1 rescued its key, stored it on its next attempt and completed, but its
    // clean-up failed ("the next rotation deletes them"); t1 was abandoned before it could.
    plantRecord(h, s.secretId, randomUUID(), {
      status: 'rescued',
      apiKey: s.initialKey,
      workspaceId: s.workspaceId,
    });
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);

    const report = await h.rotate(s.secretId, { maxAttempts: 2 });
    const failed = report.steps.filter((r) => !r.ok);
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    // Never "lost ... regenerate the key in the Ringg dashboard" (non-retryable): that kills k1.
    expect(failed.map((r) => `${r.step}:${r.error?.name}`)).not.toContain('setSecret:NewKeyLostError');
    expect(
      failed.every((r) => !/regenerate the key in the Ringg dashboard/.test(r.error?.message ?? '')),
    ).toBe(true);
    expect(report.succeeded).toBe(true);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(k1);
    expect(labels(h, s.secretId).AWSCURRENT).not.toBe(t1);
  });
});

/*
 * Leftover records of completed rotations whose clean-up failed (for example ssm:DeleteParameter
 * denied: the function only warns "the next rotation deletes them").
 */
const ringgCalls = () => h.ringg.calls('workspace-call') + h.ringg.calls('regenerate-call');

/** A completed rotation whose clean-up of its records failed. */
async function rotateWithCleanupFailing(secretId: string): Promise<void> {
  h.ssm.injectFault({ operation: 'DeleteParameter', times: 1_000, nameContains: '/rotation/' });
  const report = await h.rotate(secretId, { maxAttempts: 1 });
  h.ssm.clearFaults();
  expect(failedSteps(report)).toEqual([]);
}

describe('the Ringg call budget of a clean rotation (GET, PATCH, GET, GET)', () => {
  it('no leftover records: 4 Ringg calls', async () => {
    await harness();
    const s = h.seed('json');
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual([]);
    expect(ringgCalls()).toBe(4);
  });

  it('one leftover record of the previous rotation (its clean-up failed): still 4 Ringg calls', async () => {
    await harness();
    const s = h.seed('json');
    await rotateWithCleanupFailing(s.secretId);
    expect(rotationRecords(h)).toHaveLength(1);
    const before = ringgCalls();
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual([]);
    expect(ringgCalls() - before).toBe(4);
  });

  it('leftover records of three completed rotations (clean-up failed each time): the fourth rotation still costs 4 Ringg calls, not 3 more GETs per step for the dead key of the oldest', async () => {
    await harness();
    const s = h.seed('json');
    await rotateWithCleanupFailing(s.secretId);
    await rotateWithCleanupFailing(s.secretId);
    await rotateWithCleanupFailing(s.secretId);
    expect(rotationRecords(h)).toHaveLength(3);
    const before = ringgCalls();
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual([]);
    // The oldest rotation's version lost its labels; its `regenerating` record makes it look
    // "stranded", so its (dead) key is read and proven with fresh-key 401 retries in each step.
    expect(ringgCalls() - before).toBe(4);
  });
});

describe('many leftover records with dead keys (clean-up keeps failing)', () => {
  it('setSecret is not blocked on every attempt by a false "Ringg did not answer" while Ringg answers every call', async () => {
    await harness();
    const s = h.seed('json');
    // 60 leftover `rescued` records of earlier rotations whose keys Ringg has since killed
    // (each passed over as rejected, but only after 3 fresh-key attempts with backoff).
    const old = h.ringg.addWorkspace({ name: 'old keys' });
    let dead = old.key;
    for (let i = 0; i < 60; i++) {
      const next = h.ringg.regenerateInDashboard(old.id);
      plantRecord(h, s.secretId, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, {
        status: 'rescued',
        apiKey: dead,
        workspaceId: s.workspaceId,
      });
      dead = next;
    }
    const report = await h.rotate(s.secretId, { maxAttempts: 3 });
    // Observed: each setSecret spends its whole budget proving dead keys (reserve 0), claims, then has
    // no time for the PATCH and fails ringg-unavailable ("check Ringg status ... VPC egress"), on
    // every attempt, although Ringg answered each of its ~470 calls.
    expect(failedSteps(report)).toEqual([]);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });
});

describe("a failure about another rotation's rescued key names where the key is", () => {
  it("Ringg unavailable while proving an abandoned rotation's rescued key: the record the message names exists and holds the key", async () => {
    await harness();
    const s = h.seed('json');
    const t1 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke({ Step: 'createSecret', SecretId: s.secretId, ClientRequestToken: t1 });
    // Secrets Manager will not take the new key: it waits in t1's record.
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    await expect(
      h.invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: t1 }),
    ).rejects.toMatchObject({ code: 'new-key-rescued' });
    h.model.clearFaults();
    // A person's edit (the old, dead key) abandons t1; the live key is only in t1's record.
    h.model.putSecretValue({
      SecretId: s.secretId,
      SecretString: JSON.stringify({ username: 'changed', apiKey: s.initialKey }),
    });
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke({ Step: 'createSecret', SecretId: s.secretId, ClientRequestToken: t2 });
    h.ringg.inject('workspace-500', 1_000);
    const error = (await h
      .invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: t2 })
      .catch((e: unknown) => e)) as { code: string; message: string };
    h.ringg.clearFaults();
    expect(error.code).toBe('ringg-unavailable');
    const named = /rotation record "([^"]+)"/.exec(error.message)?.[1] ?? '';
    // Observed: it names t2's record, which does not exist; the key is in t1's.
    expect(named).toContain(t1);
    expect(h.ssm.parameters.get(named)?.value ?? '').toContain('"status":"rescued"');
  });
});
