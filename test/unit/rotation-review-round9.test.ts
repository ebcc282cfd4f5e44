import { expect, it } from 'vitest';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import {
  stepEvent as ev,
  failureOf,
  harnessPerTest,
  labels,
  stepOutcome,
  undecryptable,
  writeBySomeone,
} from '../support/invariants.js';

/**
 * The ninth adversarial review, of the eighth round's fixes: dashboard advice while an unreadable
 * AWSPREVIOUS may hold the live key, two stale looks inside a merge, an unproven key and the mirror in
 * an abandoned rotation, what the AWSPREVIOUS message claims, and a merge whose version exists already.
 */
let h: Harness;
const start = harnessPerTest(createHarness);
const boot = async (o?: HarnessOptions) => (h = await start(o));
const run = (step: string, id: string, t: string) => stepOutcome(h, step, id, t);
const put = (id: string, username: string, apiKey: string) =>
  writeBySomeone(h, id, username, apiKey).VersionId;

it('R9-1 rollback + unreadable AWSPREVIOUS + ended own claim: new-key-lost tells the operator to regenerate over the live key', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true); // Ka live in AWSCURRENT
  const before = labels(h, s.secretId) as { AWSCURRENT: string; AWSPREVIOUS: string };
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  // setSecret claims (record written) and its process dies before the PATCH: nothing regenerated.
  const killed = h.killAt({ operation: 'PutParameter', when: 'after', nameContains: '/rotation/' });
  void h.invoke(ev('setSecret', s.secretId, t));
  await killed;
  h.restart();
  // A person rolls the secret back by label (no new version: the rotation stays open): AWSCURRENT = dead K0,
  // AWSPREVIOUS = the live Ka, in a version this function cannot decrypt.
  h.model.updateSecretVersionStage({
    SecretId: s.secretId,
    VersionStage: 'AWSCURRENT',
    MoveToVersionId: before.AWSPREVIOUS,
    RemoveFromVersionId: before.AWSCURRENT,
  });
  expect(keyOf(h.model.valueOf(s.secretId, before.AWSCURRENT)) === h.ringg.liveKey(s.workspaceId)).toBe(true);
  undecryptable(h, before.AWSCURRENT);
  h.advanceClock(15 * 60_000); // the claim has ended; Secrets Manager retries
  const failure = await run('setSecret', s.secretId, t);
  expect({
    advisesRegenerate: /regenerate the key in the Ringg dashboard/.test(failure?.message ?? ''),
    namesPrevious: (failure?.message ?? '').includes(before.AWSCURRENT),
  }).toEqual({ advisesRegenerate: false, namesPrevious: true });
});

it('R9-2 two stale DescribeSecret answers in a merge: testSecret reports new-key-verified with a dead AWSCURRENT', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  expect(await run('setSecret', s.secretId, t)).toBeUndefined(); // promoted early, K1 live
  put(s.secretId, 'oops', s.initialKey); // a mistaken write of the dead K0: abandons T
  const hold = h.ringg.holdNext('workspace-call'); // the proof before the merge
  const pending = run('testSecret', s.secretId, t);
  await hold.arrived;
  h.model.answerStaleLabels('DescribeSecret', 2); // the merge's look and its look again both lag
  hold.release();
  const failure = await pending;
  const currentLive = keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')) === h.ringg.liveKey(s.workspaceId);
  expect({ failure, currentLive }).not.toEqual({ failure: undefined, currentLive: false });
});

it('R9-3 mirror + abandoned rotation + Ringg 5xx: a late testSecret fails "retryably", says the key is safe in AWSPENDING, leaves no tag and a dead mirror', async () => {
  const s = (await boot({ env: { MIRROR_PARAMETER_PREFIX: '/mirror' } })).seed('json', { username: 'ops' });
  const mirror = () => h.ssm.parameters.get(`/mirror/${s.secretId}`)?.value;
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true); // mirror = Ka
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  h.ringg.inject('workspace-500', 100); // Ringg outage from here on
  expect(await run('setSecret', s.secretId, t)).toBeUndefined(); // promotion-deferred: K1 in AWSPENDING
  // The person does what keyNote/docs say: stores the AWSPENDING key as AWSCURRENT (a new version).
  put(s.secretId, 'ops', keyOf(h.model.valueOf(s.secretId, t)) ?? '');
  const failure = await run('testSecret', s.secretId, t); // the step in flight / a duplicate
  const pendingOnT = (h.model.stagesOf(s.secretId)[t] ?? []).includes('AWSPENDING');
  const mirrorLive = mirror() === h.ringg.liveKey(s.workspaceId);
  // Not failed (nothing would retry an abandoned rotation); the mirror left behind is alarmed.
  expect(failure).toBeUndefined();
  expect(h.logs.some((l) => l.includes('"message":"mirror write failed"'))).toBe(true);
  expect({
    falseClaim: !pendingOnT && (failure?.message ?? '').includes('safe in AWSPENDING'),
    silent: failure !== undefined && failureOf(h, s.secretId) === undefined && !mirrorLive,
  }).toEqual({ falseClaim: false, silent: false });
});

it('R9-4 ListSecrets fails: kms-key-refused claims no other secret holds the workspace, and blames the key that just decrypted AWSCURRENT', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
  const previous = labels(h, s.secretId).AWSPREVIOUS ?? '';
  h.ringg.regenerateInDashboard(s.workspaceId); // AWSCURRENT now rejected
  undecryptable(h, previous);
  h.model.injectFault({
    operation: 'ListSecrets',
    times: 20,
    error: new AwsServiceError(
      'AccessDeniedException',
      'not authorized to perform secretsmanager:ListSecrets',
      400,
    ),
  });
  const t = h.model.beginRotation({ SecretId: s.secretId });
  const message = (await run('createSecret', s.secretId, t))?.message ?? '';
  expect({
    claimsNoOtherHolder: message.includes('no other secret of this account and Region holds the workspace'),
    blamesSecretKey: message.includes("the secret's KMS key (aws/secretsmanager) is disabled"),
  }).toEqual({ claimsNoOtherHolder: false, blamesSecretKey: false });
});

it('R9-5 (pre-existing) a person moves AWSCURRENT back from the merge to their write: the late merge reuses the merge id, PutSecretValue does nothing, edit-merged reported over a dead key', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  expect(await run('setSecret', s.secretId, t)).toBeUndefined();
  const w = put(s.secretId, 'oops', s.initialKey);
  expect(await run('testSecret', s.secretId, t)).toBeUndefined(); // merged: M = W's fields + live key
  const m = labels(h, s.secretId).AWSCURRENT;
  h.model.updateSecretVersionStage({
    SecretId: s.secretId,
    VersionStage: 'AWSCURRENT',
    MoveToVersionId: w,
    RemoveFromVersionId: m,
  });
  const failure = await run('finishSecret', s.secretId, t); // late/duplicate step
  const currentLive = keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT')) === h.ringg.liveKey(s.workspaceId);
  expect({ failure, currentLive }).not.toEqual({ failure: undefined, currentLive: false });
});
