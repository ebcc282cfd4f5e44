import { expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import {
  currentFields,
  stepEvent as ev,
  failedSteps,
  harnessPerTest,
  labels,
  recordsOf,
  rescueRefused,
  rotationRecords,
  stepOutcome,
  writeBySomeone,
} from '../support/invariants.js';

/**
 * The seventh adversarial review, of the sixth round's fixes: a clean-up by a step that does not know
 * its key live, a configuration test overlapping a write, a stale read inside the merge, the mirror of a
 * kept edit, an unreadable AWSPREVIOUS, a key found elsewhere that cannot be written, a note from
 * stale labels, and a 0.1.x rescue moved but not deleted. Each reproduced with the real handler.
 */
let h: Harness;
const start = harnessPerTest(createHarness);
const boot = async (o?: HarnessOptions) => (h = await start(o));
const run = (step: string, id: string, t: string) => stepOutcome(h, step, id, t);
const put = (id: string, username: string, apiKey: string) => writeBySomeone(h, id, username, apiKey);
const cur = (id: string) => currentFields(h, id);
const kms = (times = 1) =>
  h.model.injectFault({
    operation: 'PutSecretValue',
    times,
    error: new AwsServiceError('EncryptionFailure', 'KMS key is disabled', 400),
  });
const copies = (key: string) => recordsOf(h).filter((r) => r.apiKey === key).length;
/** T0 regenerates, KMS refuses the store: its rescued record is then the only copy of the live key. */
async function rescued(id: string) {
  const t = h.model.beginRotation({ SecretId: id });
  await run('createSecret', id, t);
  kms();
  expect((await run('setSecret', id, t))?.code).toBe('kms-key-refused');
  return h.ringg.liveKey(
    h.model.describeSecret({ SecretId: id }).Tags?.find((x) => x.Key === WORKSPACE_TAG_KEY)?.Value ?? '',
  );
}
/** A full rotation, then a deploy writes back the value it was configured with: the live key is in AWSPREVIOUS only. */
async function liveInPrevious() {
  const s = (await boot()).seed('json', { username: 'ops' });
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
  put(s.secretId, 'deploy', s.initialKey);
  return { s, live: h.ringg.liveKey(s.workspaceId), previous: labels(h, s.secretId).AWSPREVIOUS };
}

it.each(['testSecret', 'finishSecret'])(
  'F1 late %s(T1) deletes the rescued record of T2, which started from a write (not from T1)',
  async (late) => {
    const s = (await boot()).seed('json');
    const t1 = h.model.beginRotation({ SecretId: s.secretId });
    await run('createSecret', s.secretId, t1);
    await run('setSecret', s.secretId, t1); // promoted early
    const k1 = keyOf(h.model.valueOf(s.secretId, t1)) ?? '';
    put(s.secretId, 'deploy', k1); // abandons T1; T2 starts from this write
    const live = await rescued(s.secretId);
    put(s.secretId, 'deploy-2', k1); // abandons T2
    await run(late, s.secretId, t1); // "edit-kept": the write holds T1's (dead) key
    expect(copies(live), "T2's rescued record").toBe(1);
  },
);

it('F2 a configuration test (RotateImmediately=false) overlapping a write deletes the only copy of the live key', async () => {
  const s = (await boot()).seed('json');
  const live = await rescued(s.secretId);
  put(s.secretId, 'deploy', s.initialKey); // abandons T0
  const x = h.model.beginConfigurationTest(s.secretId, true); // temporary AWSPENDING, a copy of AWSCURRENT
  h.model.onceBefore('DescribeSecret', () => {
    put(s.secretId, 'deploy-2', s.initialKey);
  });
  await run('testSecret', s.secretId, x);
  h.model.endConfigurationTest(s.secretId, x);
  expect(copies(live), 'the rescued record').toBe(1);
});

it.each(['testSecret', 'finishSecret'])(
  'F3 %s: one stale DescribeSecret inside mergeEdit ends the step with AWSCURRENT on the dead key',
  async (step) => {
    const s = (await boot()).seed('json', { username: 'ops' });
    const t = h.model.beginRotation({ SecretId: s.secretId });
    await run('createSecret', s.secretId, t);
    await run('setSecret', s.secretId, t); // promoted early
    if (step === 'finishSecret') expect(await run('testSecret', s.secretId, t)).toBeUndefined();
    h.model.onceBefore('DescribeSecret', () => {
      put(s.secretId, 'deploy', s.initialKey); // abandons T
    });
    const hold = h.ringg.holdNext('workspace-call'); // the proof before the merge
    const pending = run(step, s.secretId, t);
    await hold.arrived;
    h.model.answerStaleLabels('DescribeSecret', 1); // mergeEdit's re-describe sees the labels before the write
    hold.release();
    const failure = await pending;
    expect({
      failure,
      live: cur(s.secretId).apiKey === h.ringg.liveKey(s.workspaceId),
      user: cur(s.secretId).username,
    }).toEqual({ failure: undefined, live: true, user: 'deploy' });
  },
);

it.each(['testSecret', 'finishSecret'])(
  'F4 %s: edit-kept succeeds while Ringg cannot prove the key; the mirror keeps the dead key',
  async (step) => {
    const s = (await boot({ env: { MIRROR_PARAMETER_PREFIX: '/mirror' } })).seed('json', { username: 'ops' });
    expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
    const mirror = () => h.ssm.parameters.get(`/mirror/${s.secretId}`)?.value;
    const t = h.model.beginRotation({ SecretId: s.secretId });
    expect(await run('createSecret', s.secretId, t)).toBeUndefined();
    h.ringg.inject('workspace-500', 1000);
    expect(await run('setSecret', s.secretId, t)).toBeUndefined(); // stored, promotion deferred
    h.ringg.clearFaults();
    if (step === 'finishSecret') expect(await run('testSecret', s.secretId, t)).toBeUndefined();
    const k2 = keyOf(h.model.valueOf(s.secretId, t)) ?? '';
    h.model.onceBefore('DescribeSecret', () => {
      put(s.secretId, 'ops-2', k2); // someone copies the new key: abandons T
    });
    h.ringg.inject('workspace-500', 1000);
    const failure = await run(step, s.secretId, t);
    // The key cannot be proven: the mirror is not written with it (round 8: a late step's key may be
    // dead), and a step that succeeds with the mirror behind says so in the line its alarm counts.
    const alarmed = h.logs.some((l) => l.includes('"message":"mirror write failed"'));
    expect({ failed: failure !== undefined, mirrorLive: mirror() === k2, alarmed }).not.toEqual({
      failed: false,
      mirrorLive: false,
      alarmed: false,
    });
  },
);

it.each(['DecryptionFailure', 'InternalServiceError'])(
  'F5 reading AWSPREVIOUS (the live key) fails with %s: "current-key-rejected, regenerate in the dashboard"',
  async (type) => {
    const { s, live, previous } = await liveInPrevious();
    h.model.onceBefore(
      'GetSecretValue',
      () => {
        throw new AwsServiceError(type, 'no', 400);
      },
      (i) => i.VersionId === previous,
    );
    const failure = await run('createSecret', s.secretId, h.model.beginRotation({ SecretId: s.secretId }));
    expect(h.ringg.liveKey(s.workspaceId) === live).toBe(true);
    expect(failure?.code, failure?.message).not.toBe('current-key-rejected');
    // A KMS refusal names the version that may hold the live key; any other error is retryable.
    if (type === 'DecryptionFailure') expect(failure?.message).toContain(`${previous} (AWSPREVIOUS)`);
  },
);

it('F6 key restored from AWSPREVIOUS, KMS and SSM refuse: "new-key-unsaved ... only in memory ... Key lost"', async () => {
  const { s, live, previous } = await liveInPrevious();
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  kms(5);
  rescueRefused(h);
  const failure = await run('setSecret', s.secretId, t);
  expect(h.ringg.regenerations(s.workspaceId)).toBe(1); // none in this rotation
  expect(h.ringg.liveKey(s.workspaceId) === live && labels(h, s.secretId).AWSPREVIOUS === previous).toBe(
    true,
  );
  // Nothing was regenerated: the message says where the key still waits, never "Key lost".
  expect(failure?.message).toContain(`version ${previous} (AWSPREVIOUS)`);
  expect(failure?.message).not.toMatch(/Key lost|old key is dead|only in the memory/);
});

it('F7 a write abandons T during the move, the relook times out: "safe in AWSPENDING ... Secrets Manager retries"', async () => {
  const s = (await boot({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '300' } })).seed('json', { username: 'ops' });
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  h.model.onceBefore('UpdateSecretVersionStage', () => {
    put(s.secretId, 'deploy', s.initialKey);
    h.model.injectFault({ operation: 'DescribeSecret', times: 1, hang: true });
  });
  const failure = await run('setSecret', s.secretId, t);
  expect(labels(h, s.secretId).AWSPENDING).toBeUndefined();
  expect(failure?.code).toBe('aws-call-timeout');
  expect(failure?.message).not.toContain('safe in AWSPENDING');
  expect(failure?.message).toContain(`stored in version ${t}`);
});

it('F8 dies between the v2 record and the delete: the 0.1.x parameter (live key) is never deleted', async () => {
  const s = (await boot()).seed('json');
  h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }] });
  const token = h.model.beginRotation({ SecretId: s.secretId });
  const k1 = h.ringg.regenerateInDashboard(s.workspaceId);
  const legacy = `/ringg-rotation/${s.secretId}/rescue/${token}`;
  h.ssm.putParameter({
    Name: legacy,
    Type: 'SecureString',
    Value: JSON.stringify({ v: 1, token, apiKey: k1 }),
  });
  const killed = h.killAt({ operation: 'DeleteParameter', when: 'before', nameContains: '/rescue/' });
  void h.invoke(ev('createSecret', s.secretId, token));
  await killed;
  h.restart();
  expect(
    failedSteps(await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 })),
  ).toEqual([]);
  expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')) === k1 && rotationRecords(h).length === 0).toBe(
    true,
  );
  expect(h.ssm.parameters.has(legacy)).toBe(false);
});
