import { describe, expect, it } from 'vitest';
import { continueRotation } from '../../dev/rotation-driver.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import {
  failureOf,
  harnessPerTest,
  labels,
  recordsOf,
  rescueParameters,
  rotationRecords,
  stepEvent,
} from '../support/invariants.js';

/**
 * Adversarial review of the early promotion (setSecret moves AWSCURRENT once Ringg proves the new key).
 * Each test reproduces a race an adversarial review found; all must end with one regenerate per token and
 * a truthful record.
 */
let h: Harness;
const startHarness = harnessPerTest(createHarness);
async function harness(options?: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
const event = stepEvent;
const stepsOf = () => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * The next DescribeSecret is answered with the labels as they are now, but only once the returned
 * `release` is called: a delivery that read the labels and resumes later, acting on what it saw.
 */
function staleDescribe() {
  const original = h.model.describeSecret.bind(h.model);
  let armed = true;
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let reached!: () => void;
  const reachedP = new Promise<void>((r) => {
    reached = r;
  });
  h.model.describeSecret = ((input: Parameters<typeof original>[0]) => {
    if (!armed) return original(input);
    armed = false;
    const seen = original(input);
    reached();
    return released.then(() => seen);
  }) as typeof original;
  return { reached: reachedP, release };
}

const settled = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (error: unknown) => error as { code?: string; message?: string },
  );

describe('a delivery whose guard saw the rotation open, continuing after its version lost AWSPENDING', () => {
  it('a duplicate setSecret that read "promoted" and resumes after the service completed the rotation regenerates nothing', async () => {
    const s = (await harness()).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, token));
    await h.invoke(event('setSecret', s.secretId, token)); // A: regenerates, stores, promotes
    expect(labels(h, s.secretId)).toMatchObject({ AWSCURRENT: token, AWSPENDING: token });
    const k1 = h.ringg.liveKey(s.workspaceId);

    // B: a duplicate setSecret. Its DescribeSecret sees AWSCURRENT+AWSPENDING ("promoted") and answers
    // late. Meanwhile the service runs testSecret and finishSecret and completes the rotation.
    const slow = staleDescribe();
    const b = settled(h.invoke(event('setSecret', s.secretId, token)));
    await slow.reached;
    await h.invoke(event('testSecret', s.secretId, token));
    await h.invoke(event('finishSecret', s.secretId, token)); // deletes the record
    expect(h.model.completeRotation(s.secretId, token)).toBe(true);
    expect(rotationRecords(h)).toEqual([]);
    slow.release();
    const bError = await b;

    // What must not happen: B, finding no record (deleted) and acting on "open", claims again and sends
    // a second PATCH for the same token, killing the promoted key.
    const report = {
      regenerations: h.ringg.regenerations(s.workspaceId),
      currentIsLive: keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')) === h.ringg.liveKey(s.workspaceId),
      rescue: rescueParameters(h),
      bError: bError?.code,
    };
    expect(report, JSON.stringify(report)).toMatchObject({
      regenerations: 1,
      currentIsLive: true,
      bError: undefined,
    });
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    expect(rotationRecords(h)).toEqual([]);
  });

  it('a duplicate setSecret whose labels were read before the first delivery regenerated, resuming after the rotation completed, sends no PATCH and moves nothing back', async () => {
    const s = (await harness()).seed('json');
    const old = labels(h, s.secretId).AWSCURRENT ?? '';
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, token));
    // B's DescribeSecret sees the rotation open (AWSPENDING only) and answers late.
    const slow = staleDescribe();
    const b = settled(h.invoke(event('setSecret', s.secretId, token)));
    await slow.reached;
    // A runs the whole rotation meanwhile.
    for (const step of ['setSecret', 'testSecret', 'finishSecret'])
      await h.invoke(event(step, s.secretId, token));
    expect(h.model.completeRotation(s.secretId, token)).toBe(true);
    const k1 = h.ringg.liveKey(s.workspaceId);
    slow.release();
    const bError = await b;
    // B reads its version by VersionId (the new key, stored), proves it, and its move names the version
    // it replaces (the old one, no longer AWSCURRENT): refused, looked at again, nothing to do.
    expect(bError, JSON.stringify(bError)).toBeUndefined();
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
    expect(labels(h, s.secretId)).toEqual({ AWSCURRENT: token, AWSPREVIOUS: old });
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(k1);
    expect(h.model.currentMoves.map((m) => m.versionId)).toEqual([token]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
    // B's own line: it proved the stored key (one GET /workspace) and found the rotation done; its own
    // move was never applied (the one move above is A's).
    expect(
      stepsOf()
        .filter((l) => l.step === 'setSecret' && l.message === 'step succeeded')
        .map((l) => [l.outcome, l.ringgStatuses]),
    ).toEqual([
      ['promoted', [200, 200]],
      // its own move was refused (it names the old version); looked at again, the version is AWSCURRENT
      ['promoted', [200]],
    ]);
  });

  it('a duplicate setSecret that read "promoted" and resumes after a new RotateSecret took AWSPENDING sends no PATCH and does not wait or fail', async () => {
    const s = (await harness()).seed('plain');
    const t1 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t1));
    await h.invoke(event('setSecret', s.secretId, t1));
    const slow = staleDescribe();
    const b = settled(h.invoke(event('setSecret', s.secretId, t1)));
    await slow.reached;
    // CI calls RotateSecret right after the early promotion: the service accepts it (AWSPENDING is on
    // the AWSCURRENT version) and moves AWSPENDING to the new version.
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    expect(labels(h, s.secretId)).toMatchObject({ AWSCURRENT: t1, AWSPENDING: t2 });
    slow.release();
    const bError = await b;
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    // B sees that its version is AWSCURRENT and stops with "nothing to do", without waiting.
    expect(bError, JSON.stringify(bError)).toBeUndefined();
    expect(h.sleeps).toEqual([]);
    // T2's rotation then runs on its own and leaves nothing behind.
    const t2Report = await continueRotation(h.model, s.secretId, t2, h.invoke, { maxAttempts: 1 });
    expect(t2Report.succeeded).toBe(true);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(2);
    expect(rotationRecords(h)).toEqual([]);
  });
});

describe('a late duplicate setSecret of T1 and a new rotation T2', () => {
  it('a duplicate setSecret(T1) arriving 11 s after the promotion, resuming after RotateSecret started T2, never regenerates again for T1', async () => {
    const s = (await harness()).seed('plain');
    const t1 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t1));
    await h.invoke(event('setSecret', s.secretId, t1)); // A: regenerate #1, promoted
    // About 11 s pass (virtual clock): a testSecret that waits out a slow key and fails advances it.
    h.ringg.newKeyDelayMs = 1e9;
    for (let i = 0; i < 3; i++) await h.invoke(event('testSecret', s.secretId, t1)).catch(() => undefined);
    h.ringg.newKeyDelayMs = 0;
    // B, a late duplicate of setSecret(T1), reads the labels while T1 is "promoted"; its answer is late.
    const slow = staleDescribe();
    const b = settled(h.invoke(event('setSecret', s.secretId, t1)));
    await slow.reached;
    const t2 = h.model.beginRotation({ SecretId: s.secretId }); // RotateSecret accepted
    slow.release();
    const bError = await b;
    const observed = {
      regenerations: h.ringg.regenerations(s.workspaceId),
      bError: bError?.code,
      currentIsLive: keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')) === h.ringg.liveKey(s.workspaceId),
      rescue: rescueParameters(h).length,
      labels: labels(h, s.secretId),
      t2,
      sleptMs: h.sleeps.reduce((a, b) => a + b, 0),
    };
    // The service now runs T2: what does the operator get told?
    const t2Report = await continueRotation(h.model, s.secretId, t2, h.invoke, { maxAttempts: 1 });
    const t2Failure = t2Report.steps.find((r) => !r.ok)?.error?.message ?? '';
    const all = { ...observed, t2Failure };
    // What must not happen: a second PATCH for T1 whose key lands only in a record nothing reads again,
    // and T2 then telling the operator to regenerate in the dashboard.
    expect(all, JSON.stringify(all)).toMatchObject({ regenerations: 1, currentIsLive: true, rescue: 0 });
    expect(bError).toBeUndefined();
    expect(t2Report.succeeded, t2Failure).toBe(true);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(2);
    expect(rotationRecords(h)).toEqual([]);
  });
});

describe("the old rotation's testSecret delivered after a new rotation started", () => {
  it('testSecret(T1) after T2 regenerated (T2 pending, not yet promoted) ends as superseded: no blame on T1\'s key, no "Key lost", T2\'s record kept', async () => {
    const s = (await harness()).seed('plain');
    const t1 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t1));
    await h.invoke(event('setSecret', s.secretId, t1)); // early promotion
    // RotateSecret accepted at once (AWSPENDING sits on AWSCURRENT); T2 runs createSecret and setSecret,
    // whose move is refused once (the promotion is deferred), so T2's key is only in AWSPENDING.
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t2));
    h.model.injectFault({ operation: 'UpdateSecretVersionStage', times: 1 });
    await h.invoke(event('setSecret', s.secretId, t2));
    h.model.clearFaults();
    expect(labels(h, s.secretId)).toMatchObject({ AWSCURRENT: t1, AWSPENDING: t2 });
    expect(h.ringg.regenerations(s.workspaceId)).toBe(2);
    const recordsBefore = recordsOf(h).map((r) => r.token);
    expect(recordsBefore).toContain(t2);

    // The service's delivery of T1's testSecret arrives now.
    const t1Test = await h.invoke(event('testSecret', s.secretId, t1)).then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );
    expect(t1Test, JSON.stringify(t1Test)).toBeUndefined();
    expect(
      stepsOf()
        .filter((l) => l.step === 'testSecret' && l.token === t1 && l.message === 'step succeeded')
        .at(-1)?.outcome,
    ).toBe('superseded');
    expect(recordsOf(h).map((r) => r.token)).toEqual(recordsBefore);
    expect(failureOf(h, s.secretId)).toBeUndefined();
    // The live key is safe in T2's AWSPENDING, and T2 completes fine:
    const t2Report = await continueRotation(h.model, s.secretId, t2, h.invoke, { maxAttempts: 1 });
    expect(t2Report.succeeded).toBe(true);
    expect(rotationRecords(h)).toEqual([]);
  });

  it("the steps of the completed rotation T1 never touch T2's record; T1's finishSecret deletes only T1's", async () => {
    const s = (await harness()).seed('plain');
    const t1 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t1));
    await h.invoke(event('setSecret', s.secretId, t1));
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t2));
    h.model.injectFault({ operation: 'UpdateSecretVersionStage', times: 1 });
    await h.invoke(event('setSecret', s.secretId, t2));
    h.model.clearFaults();
    const t2Record = recordsOf(h).find((r) => r.token === t2);
    expect(t2Record).toBeDefined();
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
      await h.invoke(event(step, s.secretId, t1));
    expect(recordsOf(h)).toEqual([t2Record]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
    expect(h.ringg.regenerations(s.workspaceId)).toBe(2);
    const t2Report = await continueRotation(h.model, s.secretId, t2, h.invoke, { maxAttempts: 1 });
    expect(t2Report.succeeded).toBe(true);
    expect(rotationRecords(h)).toEqual([]);
  });
});

describe('UpdateSecretVersionStage applied, its answer lost, and the DescribeSecret after it failing', () => {
  it('a move applied with its answer lost and no look-up possible: a retryable failure, and the next steps see the truth', async () => {
    const s = (await harness()).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, token));
    h.loseAnswerOf('UpdateSecretVersionStage');
    // setSecret's DescribeSecret at the top passes; the look after the lost answer fails.
    h.model.injectFault({ operation: 'DescribeSecret', times: 1, skip: 1 });
    const setError = await settled(h.invoke(event('setSecret', s.secretId, token)));
    h.model.clearFaults();
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token); // the move was applied
    // Whatever setSecret concluded, it did not say the key was lost or the promotion refused.
    expect(setError?.message ?? '').not.toMatch(/Key lost|lost|refused/);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expect(report.succeeded).toBe(true);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(h.model.calls.UpdateSecretVersionStage).toBe(1);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });
});

describe('the process killed at each point of setSecret, then every step delivered again', () => {
  const points = [
    { operation: 'PutParameter', nameContains: '/rotation/' },
    { operation: 'PutSecretValue' },
    { operation: 'PutParameter', nameContains: '/mirror/' },
    { operation: 'UpdateSecretVersionStage' },
  ] as const;
  for (const point of points) {
    for (const when of ['before', 'after'] as const) {
      it(`killed ${when} ${point.operation}${'nameContains' in point ? ` ${point.nameContains}` : ''}: one regenerate, the live key current, the mirror live`, async () => {
        const s = (
          await harness({
            env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000', MIRROR_PARAMETER_PREFIX: '/mirror' },
          })
        ).seed('json');
        const token = h.model.beginRotation({ SecretId: s.secretId });
        await h.invoke(event('createSecret', s.secretId, token));
        const killed = h.killAt({ ...point, when });
        void h.invoke(event('setSecret', s.secretId, token));
        await killed;
        h.restart();
        const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 3 });
        const live = h.ringg.liveKey(s.workspaceId);
        const outcome = {
          succeeded: report.succeeded,
          failed: report.steps.filter((r) => !r.ok).map((r) => `${r.step}:${r.error?.name}`),
          regenerations: h.ringg.regenerations(s.workspaceId),
          currentIsLive: keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')) === live,
        };
        // A PutSecretValue killed before it reached the service loses the only copy: new-key-lost is the
        // documented, truthful outcome there (the rescue needs a live process).
        if (point.operation === 'PutSecretValue' && when === 'before') {
          expect(outcome.regenerations).toBe(1);
          expect(
            outcome.failed.every((f) => f.includes('NewKeyLost') || f.includes('RegenerateInProgress')),
          ).toBe(true);
          return;
        }
        expect(outcome, JSON.stringify(outcome)).toMatchObject({
          succeeded: true,
          regenerations: 1,
          currentIsLive: true,
        });
        const mirror = h.ssm.parameters.get(`/mirror/${s.secretId}`)?.value;
        expect(mirror === live, 'mirror holds the live key').toBe(true);
        expect(rotationRecords(h)).toEqual([]);
        expect(failureOf(h, s.secretId)).toBeUndefined();
      });
    }
  }
});

describe('a person (or a deploy) writes the secret during the rotation', () => {
  it('during the proof in setSecret, with the old key and one field changed: the edit is kept with the live key, nothing stranded', async () => {
    const s = (await harness()).seed('json', { username: 'ops' });
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, token));
    const original = h.model.putSecretValue.bind(h.model);
    h.model.putSecretValue = (input) => {
      const out = original(input);
      if (input.ClientRequestToken === token) {
        h.model.putSecretValue = original;
        // Right after the rotation stored its key: a deploy writes what it knew, the old key.
        original({
          SecretId: s.secretId,
          SecretString: JSON.stringify({ username: 'deploy', apiKey: s.initialKey }),
        });
      }
      return out;
    };
    const set = await settled(h.invoke(event('setSecret', s.secretId, token)));
    expect(set, JSON.stringify(set)).toBeUndefined();
    const live = h.ringg.liveKey(s.workspaceId);
    expect(JSON.parse(h.model.valueAt(s.secretId, 'AWSCURRENT') ?? '{}')).toEqual({
      username: 'deploy',
      apiKey: live,
    });
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
    expect(stepsOf().find((l) => l.step === 'setSecret' && l.message === 'step succeeded')?.outcome).toBe(
      'edit-merged',
    );
  });

  it('after the early promotion, with the live key and one field changed: finishSecret keeps the edit, never moves AWSCURRENT back over it', async () => {
    const s = (await harness()).seed('json', { username: 'ops' });
    const token = h.model.beginRotation({ SecretId: s.secretId });
    for (const step of ['createSecret', 'setSecret']) await h.invoke(event(step, s.secretId, token));
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
    const live = h.ringg.liveKey(s.workspaceId);
    h.model.putSecretValue({
      SecretId: s.secretId,
      SecretString: JSON.stringify({ username: 'edited', apiKey: live }),
    });
    const edited = labels(h, s.secretId).AWSCURRENT;
    expect(edited).not.toBe(token);
    const results = [];
    for (const step of ['testSecret', 'finishSecret'])
      results.push(await settled(h.invoke(event(step, s.secretId, token))));
    expect(results, JSON.stringify(results)).toEqual([undefined, undefined]);
    expect(labels(h, s.secretId).AWSCURRENT).toBe(edited);
    expect(labels(h, s.secretId).AWSPENDING).toBeUndefined();
    expect(JSON.parse(h.model.valueAt(s.secretId, 'AWSCURRENT') ?? '{}')).toEqual({
      username: 'edited',
      apiKey: live,
    });
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });
});
