import { expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { continueRotation } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf, LAMBDA_ARN } from '../support/harness.js';
import {
  currentFields,
  failedSteps,
  harnessPerTest,
  labels,
  recordsOf,
  rotationRecords,
  stepOutcome,
  undecryptable,
  writeBySomeone,
} from '../support/invariants.js';

/**
 * The eighth adversarial review, of the seventh round's fixes: a late step's mirror write and kept
 * edit with a dead key, a person's move back during a merge, AWSCURRENT moved back to a version whose
 * key is dead, an unreadable AWSPREVIOUS beside another holder of the workspace, and the order in
 * which a 0.1.x parameter and its record are deleted. Each reproduced with the real handler.
 */
let h: Harness;
const start = harnessPerTest(createHarness);
const boot = async (o?: HarnessOptions) => (h = await start(o));
const run = (step: string, id: string, t: string) => stepOutcome(h, step, id, t);
const put = (id: string, username: string, apiKey: string) => writeBySomeone(h, id, username, apiKey);
const cur = (id: string) => currentFields(h, id);

it('A late step of T1 overwrites the live mirror with its dead key (edit-kept, no proof) and reports success', async () => {
  const s = (await boot({ env: { MIRROR_PARAMETER_PREFIX: '/mirror' } })).seed('json', { username: 'ops' });
  const mirror = () => h.ssm.parameters.get(`/mirror/${s.secretId}`)?.value;
  const t1 = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t1)).toBeUndefined();
  expect(await run('setSecret', s.secretId, t1)).toBeUndefined(); // promoted early, mirror = K1
  const k1 = keyOf(h.model.valueOf(s.secretId, t1)) ?? '';
  put(s.secretId, 'deploy', k1); // a deploy configured with K1: abandons T1
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true); // T2: K2 live, mirror K2
  const live = h.ringg.liveKey(s.workspaceId);
  expect(mirror() === live).toBe(true);
  put(s.secretId, 'deploy', k1); // the same deploy runs again: AWSCURRENT holds the dead K1
  const failure = await run('testSecret', s.secretId, t1); // T1's late (duplicate) testSecret
  // It wrote K1 (Ringg rejects it) over the live K2 in the mirror, and reported success ("edit-kept").
  expect({ failure, mirrorLive: mirror() === live }).not.toEqual({ failure: undefined, mirrorLive: false });
});

it('B a person reverts a bad write back to the rotation version during the proof; the merge re-applies the bad write', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  expect(await run('setSecret', s.secretId, t)).toBeUndefined(); // promoted early: AWSCURRENT = T (live key)
  const w = put(s.secretId, 'oops', s.initialKey).VersionId; // a mistaken write of the old (dead) value
  const hold = h.ringg.holdNext('workspace-call'); // the proof before the merge
  const pending = run('testSecret', s.secretId, t);
  await hold.arrived;
  // The person notices and reverts: AWSCURRENT back to T (the live key, the fields before "oops").
  h.model.updateSecretVersionStage({
    SecretId: s.secretId,
    VersionStage: 'AWSCURRENT',
    MoveToVersionId: t,
    RemoveFromVersionId: w,
  });
  hold.release();
  const failure = await pending;
  const after = cur(s.secretId);
  expect(failure).toBeUndefined();
  // The merge took the real revert for a stale read and made "oops" current again (with the live key).
  expect({ user: after.username, holder: labels(h, s.secretId).AWSCURRENT }).toEqual({
    user: 'ops',
    holder: t,
  });
});

it('C a person reverts AWSCURRENT to T1 (dead key); late finishSecret(T1) counts its key live and deletes the only copy of the live key', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  const t1 = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t1)).toBeUndefined();
  expect(await run('setSecret', s.secretId, t1)).toBeUndefined(); // promoted early (K1)
  const k1 = keyOf(h.model.valueOf(s.secretId, t1)) ?? '';
  put(s.secretId, 'deploy', k1); // abandons T1; T2 starts from this write W
  const t2 = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t2)).toBeUndefined();
  h.model.injectFault({
    operation: 'PutSecretValue',
    times: 1,
    error: new AwsServiceError('EncryptionFailure', 'KMS key is disabled', 400),
  });
  expect((await run('setSecret', s.secretId, t2))?.code).toBe('kms-key-refused'); // K2 only in T2's record
  const tag = h.model.describeSecret({ SecretId: s.secretId }).Tags?.find((x) => x.Key === WORKSPACE_TAG_KEY);
  const live = h.ringg.liveKey(tag?.Value ?? '');
  const w2 = put(s.secretId, 'deploy-2', k1).VersionId; // abandons T2
  // The person undoes both writes: AWSCURRENT back on T1 (whose key K2's regenerate killed).
  h.model.updateSecretVersionStage({
    SecretId: s.secretId,
    VersionStage: 'AWSCURRENT',
    MoveToVersionId: t1,
    RemoveFromVersionId: w2,
  });
  await run('finishSecret', s.secretId, t1); // T1's remaining step: "completed" => clean-up others: true
  expect(recordsOf(h).filter((r) => r.apiKey === live).length, "T2's rescued record").toBe(1);
});

it('D shared workspace kills the key, AWSPREVIOUS (old, dead key) cannot be decrypted: kms-key-refused hides where the live key is', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
  const previous = labels(h, s.secretId).AWSPREVIOUS; // the seeded version: K0, dead since the rotation
  // Another secret of the same workspace (a team's copy) regenerated in the dashboard: this secret's key is dead.
  const live = h.ringg.regenerateInDashboard(s.workspaceId);
  h.model.createSecret({ Name: 'ringg/team-b-copy', SecretString: live });
  h.model.enableRotation('ringg/team-b-copy', LAMBDA_ARN);
  h.model.tagResource({
    SecretId: 'ringg/team-b-copy',
    Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }],
  });
  undecryptable(h, previous ?? '', 20);
  const t = h.model.beginRotation({ SecretId: s.secretId });
  const failure = await run('createSecret', s.secretId, t);
  // Before this commit: current-key-rejected naming ringg/team-b-copy. Now: a retryable KMS failure
  // about a version that does not hold the live key, and no word of the secret that holds it.
  expect(failure?.message).toContain('ringg/team-b-copy');
});

it('E the 0.1.x parameter outlives its record: the clean-up deletes the record first, the parameter delete fails, nothing ever deletes it', async () => {
  const s = (await boot()).seed('json');
  h.model.tagResource({ SecretId: s.secretId, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: s.workspaceId }] });
  const token = h.model.beginRotation({ SecretId: s.secretId });
  const k1 = h.ringg.regenerateInDashboard(s.workspaceId); // 0.1.x regenerated and rescued K1
  const legacy = `/ringg-rotation/${s.secretId}/rescue/${token}`;
  h.ssm.putParameter({
    Name: legacy,
    Type: 'SecureString',
    Value: JSON.stringify({ v: 1, token, apiKey: k1 }),
  });
  // SSM throttles deletes under /rescue/ for a while: the move's delete and the clean-up's delete fail.
  h.ssm.injectFault({
    operation: 'DeleteParameter',
    times: 100,
    nameContains: '/rescue/',
    error: new AwsServiceError('ThrottlingException', 'Rate exceeded', 400),
  });
  expect(
    failedSteps(await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 })),
  ).toEqual([]);
  expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')) === k1).toBe(true);
  h.ssm.clearFaults();
  // The record (owner rescue-of-0.1.x) is gone, so no later step knows the parameter; run another rotation.
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
  expect({ records: rotationRecords(h).length, legacyLeft: h.ssm.parameters.has(legacy) }).toEqual({
    records: 0,
    legacyLeft: false,
  });
});
