import { describe, expect, it } from 'vitest';
import { continueRotation } from '../../dev/rotation-driver.js';
import type { SsmOperation } from '../../dev/ssm-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import { harnessPerTest, journalOf, labels, rescueParameters, stepEvent } from '../support/invariants.js';

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
 * Pauses the next SSM call of `operation` on a parameter whose name contains `nameContains` (before the
 * model applies it) until the returned `release` is called: a slow Parameter Store answer.
 */
function pauseSsm(operation: SsmOperation, nameContains: string) {
  const original = h.ssm.enter.bind(h.ssm);
  let armed = true;
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let reached!: () => void;
  const reachedP = new Promise<void>((r) => {
    reached = r;
  });
  h.ssm.enter = async (op, name) => {
    if (armed && op === operation && name.includes(nameContains)) {
      armed = false;
      reached();
      await released;
    }
    return original(op, name);
  };
  return { reached: reachedP, release };
}

describe('a delivery whose guard saw the rotation open, continuing after its version lost AWSPENDING', () => {
  it('a duplicate setSecret that read "promoted" and resumes after the service completed the rotation regenerates nothing', async () => {
    const s = (await harness()).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, token));
    await h.invoke(event('setSecret', s.secretId, token)); // A: regenerates, stores, promotes
    expect(labels(h, s.secretId)).toMatchObject({ AWSCURRENT: token, AWSPENDING: token });
    const k1 = h.ringg.liveKey(s.workspaceId);

    // B: a duplicate setSecret. Its DescribeSecret sees AWSCURRENT+AWSPENDING ("promoted"); its journal
    // read is slow. Meanwhile the service runs testSecret and finishSecret and completes the rotation.
    const slow = pauseSsm('GetParameter', '/journal');
    const b = h.invoke(event('setSecret', s.secretId, token)).then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );
    await slow.reached;
    await h.invoke(event('testSecret', s.secretId, token));
    await h.invoke(event('finishSecret', s.secretId, token)); // deletes the intents
    expect(h.model.completeRotation(s.secretId, token)).toBe(true);
    slow.release();
    const bError = await b;

    // What breaks: B reads AWSPENDING by label, finds "empty", no intent, the current key works, so it
    // creates intent 1 again and sends a second PATCH for the same token, killing the promoted key.
    const report = {
      regenerations: h.ringg.regenerations(s.workspaceId),
      currentIsLive: keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')) === h.ringg.liveKey(s.workspaceId),
      rescue: rescueParameters(h),
      bError: bError?.code,
    };
    expect(report, JSON.stringify(report)).toMatchObject({ regenerations: 1, currentIsLive: true });
    expect(h.ringg.liveKey(s.workspaceId)).toBe(k1);
  });

  it('a duplicate setSecret that read "promoted" and resumes after a new RotateSecret took AWSPENDING sends no PATCH and does not wait or fail', async () => {
    const s = (await harness()).seed('plain');
    const t1 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t1));
    await h.invoke(event('setSecret', s.secretId, t1));
    const slow = pauseSsm('GetParameter', '/journal');
    const b = h.invoke(event('setSecret', s.secretId, t1)).then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );
    await slow.reached;
    // CI calls RotateSecret right after the early promotion: the service accepts it (AWSPENDING is on
    // the AWSCURRENT version) and moves AWSPENDING to the new version.
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    expect(labels(h, s.secretId)).toMatchObject({ AWSCURRENT: t1, AWSPENDING: t2 });
    slow.release();
    const bError = await b;
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    // B should see that its version is no longer the rotation in progress (or is AWSCURRENT) and stop
    // with "nothing to do"; it polls the live intent of A until its own deadline instead.
    expect(bError, JSON.stringify(bError)).toBeUndefined();
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
    // B, a late duplicate of setSecret(T1), reads the labels while T1 is "promoted"; its journal read is slow.
    const slow = pauseSsm('GetParameter', '/journal');
    const b = h.invoke(event('setSecret', s.secretId, t1)).then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );
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
    // The live key sits only in T1's rescue parameter, which nothing will ever read again (T1 is no
    // longer AWSPENDING); T2 says "no regenerate of this rotation was in flight ... regenerate it there".
    expect(all, JSON.stringify(all)).toMatchObject({ regenerations: 1, currentIsLive: true });
  });
});

describe("the old rotation's testSecret delivered after a new rotation started", () => {
  it('testSecret(T1) after T2 regenerated (T2 pending, not yet promoted) ends as superseded: no blame on T1\'s key, no "Key lost", T2\'s journal kept', async () => {
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
    const journalBefore = journalOf(h, s.secretId);
    expect(journalBefore).toMatchObject({ token: t2 });

    // The service's delivery of T1's testSecret arrives now.
    const t1Test = await h.invoke(event('testSecret', s.secretId, t1)).then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );
    // The live key is safe in T2's AWSPENDING, and T2 completes fine:
    const t2Report = await continueRotation(h.model, s.secretId, t2, h.invoke, { maxAttempts: 1 });
    expect(t2Report.succeeded).toBe(true);
    // T1's testSecret is not the rotation in progress any more: it should say so (or succeed as a
    // completed rotation), not "the key was changed outside this rotation ... Key lost", and must not
    // replace T2's journal entry.
    const observed = { code: t1Test?.code, message: t1Test?.message, journalToken: journalBefore?.token };
    expect(t1Test?.message ?? '', JSON.stringify(observed)).not.toMatch(/Key lost|outside this rotation/);
  });

  it("a step of the completed rotation T1 never writes over T2's journal entry", async () => {
    const s = (await harness()).seed('plain');
    const t1 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t1));
    await h.invoke(event('setSecret', s.secretId, t1));
    const t2 = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, t2));
    h.model.injectFault({ operation: 'UpdateSecretVersionStage', times: 1 });
    await h.invoke(event('setSecret', s.secretId, t2));
    h.model.clearFaults();
    await h.invoke(event('testSecret', s.secretId, t1)).catch(() => undefined);
    expect(journalOf(h, s.secretId)).toMatchObject({ token: t2 });
  });
});

describe('UpdateSecretVersionStage applied, its answer lost, and the DescribeSecret after it failing', () => {
  it('a move applied with its answer lost and no look-up possible: the finished journal says promoted', async () => {
    const s = (await harness()).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(event('createSecret', s.secretId, token));
    h.loseAnswerOf('UpdateSecretVersionStage');
    // setSecret's DescribeSecret at the top and the one before the intent pass; the look after the lost answer fails.
    h.model.injectFault({ operation: 'DescribeSecret', times: 1, skip: 2 });
    await h.invoke(event('setSecret', s.secretId, token));
    h.model.clearFaults();
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token); // the move was applied
    const set = stepsOf().find((l) => l.step === 'setSecret' && l.message === 'step succeeded');
    expect(String(set?.promotionDeferredBecause)).toMatch(
      /could not be looked up .*: it may have moved; the next step sees the labels/,
    );
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expect(report.succeeded).toBe(true);
    const journal = journalOf(h, s.secretId) as { promotion?: { state?: string; step?: string } };
    const observed = { setPromotion: set?.promotion, journalPromotion: journal.promotion };
    // Safe (nothing is lost and the next steps see the truth), but the record says the key was never
    // promoted early, and the finished entry still carries "deferred".
    expect(observed, JSON.stringify(observed)).toMatchObject({
      journalPromotion: { state: 'promoted' },
    });
  });
});

describe('the process killed at each point of setSecret after the PATCH, then every step delivered again', () => {
  const points = [
    { operation: 'PutSecretValue' },
    { operation: 'PutParameter', nameContains: '/journal' },
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
      });
    }
  }
});
