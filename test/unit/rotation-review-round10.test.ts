import { expect, it } from 'vitest';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import {
  failureOf,
  harnessPerTest,
  labels,
  stepOutcome,
  undecryptable,
  writeBySomeone,
} from '../support/invariants.js';

/**
 * The tenth adversarial review, of the ninth round's fixes: a merge whose version lost its label,
 * a refused move back to it, a lost key blamed on an old unreadable AWSPREVIOUS, a raw AWS error in
 * its place, and an untagged secret's rejection blamed on a change outside Secrets Manager.
 */
let h: Harness;
const start = harnessPerTest(createHarness);
const boot = async (o?: HarnessOptions) => (h = await start(o));
const run = (step: string, id: string, t: string) => stepOutcome(h, step, id, t);
const put = (id: string, username: string, apiKey: string) =>
  writeBySomeone(h, id, username, apiKey).VersionId;
const move = (id: string, to: string, from: string) =>
  h.model.updateSecretVersionStage({
    SecretId: id,
    VersionStage: 'AWSCURRENT',
    MoveToVersionId: to,
    RemoveFromVersionId: from,
  });
const live = (id: string, ws: string) => keyOf(h.model.valueAt(id, 'AWSCURRENT')) === h.ringg.liveKey(ws);

/** Promoted early, a person writes W (dead key), testSecret merges into M; returns W, M and the token. */
const mergedOnce = async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  expect(await run('setSecret', s.secretId, t)).toBeUndefined();
  const v0 = labels(h, s.secretId).AWSPREVIOUS ?? '';
  const w = put(s.secretId, 'oops', s.initialKey);
  expect(await run('testSecret', s.secretId, t)).toBeUndefined();
  const m = labels(h, s.secretId).AWSCURRENT ?? '';
  expect(m).not.toBe(w);
  return { s, t, w, m, v0 };
};

it('A: person moves AWSCURRENT back to W twice (M loses its label): late merge PutSecretValue is a no-op, edit-merged over a dead key', async () => {
  const { s, t, w, m } = await mergedOnce();
  move(s.secretId, w, m); // AWSCURRENT=W, AWSPREVIOUS=M
  const other = put(s.secretId, 'oops2', s.initialKey); // a second mistaken write ...
  move(s.secretId, w, other); // ... rolled back by label: AWSCURRENT=W, AWSPREVIOUS=other, M unlabelled
  expect(h.model.stagesOf(s.secretId)[m] ?? []).toEqual([]);
  const failure = await run('finishSecret', s.secretId, t);
  const mergedLogged = h.logs.filter((l) => l.includes('its fields are kept with the live key')).length;
  expect({ failure, currentLive: live(s.secretId, s.workspaceId), mergedLogged }).not.toEqual({
    failure: undefined,
    currentLive: false,
    mergedLogged: 2,
  });
});

it('B: the move back to an existing merge version is refused: merge-edit loops to MAX_ROUNDS (hundreds of calls)', async () => {
  const { s, t, w, m } = await mergedOnce();
  move(s.secretId, w, m); // as R9-5: AWSCURRENT=W, AWSPREVIOUS=M
  h.model.injectFault({
    operation: 'UpdateSecretVersionStage',
    times: 10_000,
    error: new AwsServiceError('AccessDeniedException', 'explicit deny in a resource policy', 400),
  });
  const before = { ...h.model.calls };
  const failure = await run('finishSecret', s.secretId, t);
  const calls = (op: string) => (h.model.calls[op] ?? 0) - (before[op] ?? 0);
  const used = {
    UpdateSecretVersionStage: calls('UpdateSecretVersionStage'),
    DescribeSecret: calls('DescribeSecret'),
    GetSecretValue: calls('GetSecretValue'),
    code: failure?.code,
  };
  expect(
    used.DescribeSecret + used.GetSecretValue + used.UpdateSecretVersionStage,
    JSON.stringify(used),
  ).toBeLessThan(30);
});

it('C: PATCH applied, answer lost (record outcome-unknown, from AWSCURRENT); AWSPREVIOUS (K0, dead) undecryptable: retryable kms-key-refused forever instead of new-key-lost', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true); // Ka live; AWSPREVIOUS = K0 (dead)
  const { AWSCURRENT: cur, AWSPREVIOUS: prev } = labels(h, s.secretId) as Record<string, string>;
  const t = h.model.beginRotation({ SecretId: s.secretId });
  expect(await run('createSecret', s.secretId, t)).toBeUndefined();
  h.ringg.inject('regenerate-reset-after'); // Ringg issues Kb; the answer never arrives
  const first = await run('setSecret', s.secretId, t);
  expect(first).toBeDefined();
  expect(labels(h, s.secretId).AWSCURRENT).toBe(cur); // nothing holds Kb: it is lost
  undecryptable(h, prev ?? '', 40);
  h.advanceClock(15 * 60_000);
  const retries = [await run('setSecret', s.secretId, t), await run('setSecret', s.secretId, t)];
  const tag = failureOf(h, s.secretId);
  expect({
    codes: retries.map((r) => r?.code),
    tag: tag?.code,
    retryable: tag?.retryable,
  }).toEqual({ codes: ['new-key-lost', 'new-key-lost'], tag: 'new-key-lost', retryable: false });
});

it('D: a transient InternalServiceError reading AWSPREVIOUS replaces current-key-rejected with the raw AWS error (code, tag, message)', async () => {
  const s = (await boot()).seed('json', { username: 'ops' });
  expect((await h.rotate(s.secretId, { maxAttempts: 1 })).succeeded).toBe(true);
  const prev = labels(h, s.secretId).AWSPREVIOUS ?? '';
  h.ringg.regenerateInDashboard(s.workspaceId); // AWSCURRENT rejected; nobody else holds the workspace
  for (let i = 0; i < 10; i++)
    h.model.onceBefore(
      'GetSecretValue',
      () => {
        throw new AwsServiceError('InternalServiceError', 'An error occurred (InternalServiceError)', 500);
      },
      (input: { VersionId?: string }) => input.VersionId === prev,
    );
  const t = h.model.beginRotation({ SecretId: s.secretId });
  const failure = await run('createSecret', s.secretId, t);
  expect({
    code: failure?.code,
    tag: failureOf(h, s.secretId)?.code,
    names: (failure?.message ?? '').includes(prev),
  }).toEqual({ code: 'version-unreadable', tag: 'version-unreadable', names: true });
});

it("E: untagged secret, its key killed by a tagged copy's rotation: current-key-rejected claims no other secret is tagged with the workspace (never looked)", async () => {
  const s = (await boot()).seed('json', { username: 'ops' }); // untagged, never rotated
  h.model.createSecret({
    Name: 'ringg/copy',
    SecretString: JSON.stringify({ username: 'ops', apiKey: s.initialKey }),
  });
  h.model.enableRotation('ringg/copy', 'arn:aws:lambda:us-east-1:123456789012:function:ringg-rotation');
  expect((await h.rotate('ringg/copy', { maxAttempts: 1 })).succeeded).toBe(true); // tags the copy, kills the key
  const t = h.model.beginRotation({ SecretId: s.secretId });
  const message = (await run('createSecret', s.secretId, t))?.message ?? '';
  expect(message).not.toContain('no other secret of this account and Region is tagged with its workspace');
});
