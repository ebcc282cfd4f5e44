import { expect, it } from 'vitest';
import { continueRotation } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, keyOf } from '../support/harness.js';
import {
  currentFields,
  failureOf,
  harnessPerTest,
  labels,
  recordsOf,
  rescueRefused,
  stepOutcome,
  writeBySomeone,
} from '../support/invariants.js';

/**
 * The sixth adversarial review: late steps of an earlier rotation after a newer RotateSecret was
 * accepted (the early promotion allows it), writes during the merge, a KMS refusal with the rescue
 * refused too, and a stale label read before a version is taken for stranded. Each case reproduced
 * with the real handler; T1 is the earlier rotation, T2 the newer.
 */
let h: Harness;
const start = harnessPerTest(createHarness);
const run = (step: string, id: string, t: string) => stepOutcome(h, step, id, t);
const kmsFault = () =>
  h.model.injectFault({
    operation: 'PutSecretValue',
    times: 1,
    error: new AwsServiceError('EncryptionFailure', 'KMS key is disabled', 400),
  });
const put = (id: string, username: string, apiKey: string) => writeBySomeone(h, id, username, apiKey);
const cur = (id: string) => currentFields(h, id);
/** T1 created and promoted early by setSecret; returns its token. */
async function promoted(id: string) {
  const t1 = h.model.beginRotation({ SecretId: id });
  await run('createSecret', id, t1);
  await run('setSecret', id, t1);
  return t1;
}
/**
 * T1 promoted early, then a newer RotateSecret T2 whose new key the secret's KMS key refuses: the key
 * waits in T2's record, the only copy of the live key.
 */
async function newerRotationRescued(id: string) {
  const t1 = await promoted(id);
  const t2 = h.model.beginRotation({ SecretId: id });
  await run('createSecret', id, t2);
  kmsFault();
  expect((await run('setSecret', id, t2))?.code).toBe('kms-key-refused');
  return { t1, t2 };
}
/** The next DescribeSecret is computed now and answered on release (a slow step). */
function slowDescribe() {
  const orig = h.model.describeSecret.bind(h.model);
  let release!: () => void,
    reached!: () => void,
    armed = true;
  const released = new Promise<void>((r) => (release = r)),
    arrived = new Promise<void>((r) => (reached = r));
  h.model.describeSecret = ((input: Parameters<typeof orig>[0]) => {
    if (!armed) return orig(input);
    armed = false;
    const seen = orig(input);
    reached();
    return released.then(() => seen);
  }) as typeof orig;
  return { arrived, release };
}

it('F1a: T1 finishSecret in flight while T2 rescues its key: T2 rescued record must survive', async () => {
  h = await start();
  const s = h.seed('json');
  const t1 = await promoted(s.secretId);
  await run('testSecret', s.secretId, t1);
  const slow = slowDescribe();
  const finish1 = run('finishSecret', s.secretId, t1);
  await slow.arrived; // T1's finishSecret saw T1 "promoted" (AWSPENDING on T1)
  const t2 = h.model.beginRotation({ SecretId: s.secretId }); // RotateSecret accepted
  await run('createSecret', s.secretId, t2);
  kmsFault();
  expect((await run('setSecret', s.secretId, t2))?.code).toBe('kms-key-refused');
  const live = h.ringg.liveKey(s.workspaceId);
  slow.release();
  expect(await finish1).toBeUndefined();
  expect(
    recordsOf(h).filter((r) => r.apiKey === live).length,
    "T2's rescued record (only copy of the live key)",
  ).toBe(1);
});

it("F1b: T2 rescued then abandoned by a deploy's write; T1's late finishSecret must not delete T2's record", async () => {
  h = await start();
  const s = h.seed('json');
  const { t1 } = await newerRotationRescued(s.secretId);
  const live = h.ringg.liveKey(s.workspaceId);
  put(s.secretId, 'deploy', keyOf(h.model.valueOf(s.secretId, t1)) ?? ''); // abandons T2
  await run('testSecret', s.secretId, t1);
  await run('finishSecret', s.secretId, t1); // logs "edit-kept"
  expect(
    recordsOf(h).filter((r) => r.apiKey === live).length,
    "T2's rescued record (only copy of the live key)",
  ).toBe(1);
});

it("F2: T1's late finishSecret after T2 completed must not write T1's dead key to the mirror", async () => {
  h = await start({ env: { MIRROR_PARAMETER_PREFIX: '/mirror' } });
  const s = h.seed('json');
  const t1 = await promoted(s.secretId);
  const t2 = h.model.beginRotation({ SecretId: s.secretId });
  expect((await continueRotation(h.model, s.secretId, t2, h.invoke, { maxAttempts: 1 })).succeeded).toBe(
    true,
  );
  expect(await run('testSecret', s.secretId, t1)).toBeUndefined();
  expect(await run('finishSecret', s.secretId, t1)).toBeUndefined(); // "superseded"
  const mirror = h.ssm.parameters.get(`/mirror/${s.secretId}`)?.value;
  expect(mirror === h.ringg.liveKey(s.workspaceId), 'mirror holds the live key').toBe(true);
});

it('F3: the old key written right after the early promotion: testSecret keeps the write, merged with the live key, and leaves no record', async () => {
  h = await start();
  const s = h.seed('json', { username: 'ops' });
  const t = await promoted(s.secretId);
  h.model.onceBefore('DescribeSecret', () => {
    put(s.secretId, 'deploy', s.initialKey); // abandons T
  });
  expect(await run('testSecret', s.secretId, t)).toBeUndefined(); // no finishSecret follows
  expect(cur(s.secretId).username).toBe('deploy');
  expect(cur(s.secretId).apiKey === h.ringg.liveKey(s.workspaceId)).toBe(true);
  expect(recordsOf(h)).toEqual([]);
  const report = await h.rotate(s.secretId, { maxAttempts: 1 });
  expect(report.steps.filter((r) => !r.ok).map((r) => `${r.step}:${r.error?.name}`)).toEqual([]);
  expect(cur(s.secretId).username).toBe('deploy');
  expect(cur(s.secretId).apiKey === h.ringg.liveKey(s.workspaceId)).toBe(true);
});

it('F3b: an old value written back after a rotation finished (no record left): the next rotation finds the live key in AWSPREVIOUS, never current-key-rejected', async () => {
  h = await start();
  const s = h.seed('json', { username: 'ops' });
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
  const live = h.ringg.liveKey(s.workspaceId);
  expect(recordsOf(h)).toEqual([]);
  put(s.secretId, 'deploy', s.initialKey); // a deploy writes the value it was configured with
  const report = await h.rotate(s.secretId, { maxAttempts: 1 });
  expect(report.steps.filter((r) => !r.ok).map((r) => `${r.step}:${r.error?.name}`)).toEqual([]);
  expect(cur(s.secretId).username).toBe('deploy');
  expect(cur(s.secretId).apiKey === h.ringg.liveKey(s.workspaceId)).toBe(true);
  // The live key was restored from AWSPREVIOUS, not regenerated over (that would have needed it).
  expect(h.ringg.liveKey(s.workspaceId) === live).toBe(true);
  expect(recordsOf(h)).toEqual([]);
});

it('F4: a second edit landing while finishSecret proves the key is not replaced by the merge of the first edit', async () => {
  h = await start();
  const s = h.seed('json', { username: 'ops' });
  const t = h.model.beginRotation({ SecretId: s.secretId });
  await run('createSecret', s.secretId, t);
  h.model.injectFault({ operation: 'UpdateSecretVersionStage', times: 1 }); // promotion deferred
  await run('setSecret', s.secretId, t);
  h.model.clearFaults();
  await run('testSecret', s.secretId, t);
  put(s.secretId, 'first-edit', s.initialKey);
  const hold = h.ringg.holdNext('workspace-call');
  const finish = run('finishSecret', s.secretId, t);
  await hold.arrived; // finishSecret has read the first edit and is proving the key
  put(s.secretId, 'second-edit', s.initialKey);
  hold.release();
  expect(await finish).toBeUndefined();
  expect(cur(s.secretId).apiKey === h.ringg.liveKey(s.workspaceId)).toBe(true);
  expect(cur(s.secretId).username).toBe('second-edit');
});

it('F5: KMS refuses the store and the SSM rescue fails: the message must not say "Nothing was changed"', async () => {
  h = await start();
  const s = h.seed('json');
  const t = h.model.beginRotation({ SecretId: s.secretId });
  await run('createSecret', s.secretId, t);
  h.model.injectFault({
    operation: 'PutSecretValue',
    times: 5,
    error: new AwsServiceError('EncryptionFailure', 'disabled', 400),
  });
  rescueRefused(h);
  const failure = await run('setSecret', s.secretId, t);
  expect(h.ringg.regenerations(s.workspaceId)).toBe(1); // old key dead, new key only in this container
  // The key is in this container's memory only: new-key-unsaved, naming KMS as what refused it.
  expect(failure?.code).toBe('new-key-unsaved');
  expect(failure?.message).toContain('EncryptionFailure');
  expect(failure?.message).toContain('KMS key');
  expect(failure?.message).not.toMatch(/Nothing was changed/);
});

it("F6: T1's late finishSecret must not clear the failure tag of the newer rotation T2", async () => {
  h = await start();
  const s = h.seed('json');
  const { t1, t2 } = await newerRotationRescued(s.secretId);
  expect(failureOf(h, s.secretId)).toMatchObject({ code: 'kms-key-refused', token: t2 });
  await run('testSecret', s.secretId, t1);
  await run('finishSecret', s.secretId, t1);
  expect(failureOf(h, s.secretId)).toMatchObject({ code: 'kms-key-refused', token: t2 });
});

it('F7: one stale DescribeSecret in setSecret(T2) right after T1 was promoted: T1 is not "a version nothing labels"', async () => {
  h = await start();
  const s = h.seed('json');
  const t1 = await promoted(s.secretId);
  await run('testSecret', s.secretId, t1);
  const k1 = h.ringg.liveKey(s.workspaceId);
  const t2 = h.model.beginRotation({ SecretId: s.secretId });
  await run('createSecret', s.secretId, t2);
  h.model.answerStaleLabels('DescribeSecret', 1);
  expect(await run('setSecret', s.secretId, t2)).toBeUndefined();
  const said = h.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.token === t2)
    .map((l) => l.message);
  expect({
    falseWarning: said.includes('an abandoned rotation left a key in a version nothing labels'),
    t2StillOpenOrCurrent: [labels(h, s.secretId).AWSPENDING, labels(h, s.secretId).AWSCURRENT].includes(t2),
    rotated: h.ringg.liveKey(s.workspaceId) !== k1,
  }).toEqual({ falseWarning: false, t2StillOpenOrCurrent: true, rotated: true });
});
