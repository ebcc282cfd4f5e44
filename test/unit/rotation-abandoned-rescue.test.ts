import { describe, expect, it } from 'vitest';
import { createHarness, type Harness, keyOf } from '../support/harness.js';
import { failedSteps, harnessPerTest, rotationRecords, stepEvent } from '../support/invariants.js';

let h: Harness;
const startHarness = harnessPerTest(createHarness);

describe('a key rescued by a rotation that was then abandoned', () => {
  it('is the one the next rotation stores: no PATCH with the dead key, no false current-key-rejected, no record left', async () => {
    h = await startHarness();
    const s = h.seed('json');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke(stepEvent('createSecret', s.secretId, token));
    // Secrets Manager will not take the new key: it waits in the rotation's record.
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    await expect(h.invoke(stepEvent('setSecret', s.secretId, token))).rejects.toMatchObject({
      code: 'new-key-rescued',
    });
    h.model.clearFaults();
    const live = h.ringg.liveKey(s.workspaceId);
    // A person edits a field, writing the old (now dead) key back: the service abandons that rotation.
    h.model.putSecretValue({
      SecretId: s.secretId,
      SecretString: JSON.stringify({ username: 'changed', apiKey: s.initialKey }),
    });
    const patchesBefore = h.ringg.calls('regenerate-call');

    const report = await h.rotate(s.secretId, { maxAttempts: 3 });

    expect(failedSteps(report)).toEqual([]);
    expect(h.ringg.calls('regenerate-call')).toBe(patchesBefore);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(live);
    expect(h.ringg.liveKey(s.workspaceId)).toBe(live);
    expect(JSON.parse(h.model.valueAt(s.secretId, 'AWSCURRENT') ?? '{}')).toMatchObject({
      username: 'changed',
    });
    expect(rotationRecords(h)).toEqual([]);
  });
});
