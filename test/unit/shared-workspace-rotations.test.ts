import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { createHarness, type Harness, keyOf, LAMBDA_ARN } from '../support/harness.js';
import { harnessPerTest, journalOf } from '../support/invariants.js';

// Two secrets holding one Ringg workspace's key (a copy for another team), each rotated by its own
// schedule through the real handler. A workspace has one live key: a rotation of either kills the
// key the other holds.
let h: Harness;
const startHarness = harnessPerTest(createHarness);

async function twoHolders(options: { copyTagged: boolean }) {
  h = await startHarness();
  const a = h.seed('plain');
  const copy = 'ringg/team-b-copy';
  h.model.createSecret({ Name: copy, SecretString: a.initialKey });
  h.model.enableRotation(copy, LAMBDA_ARN);
  if (options.copyTagged)
    h.model.tagResource({ SecretId: copy, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: a.workspaceId }] });
  return { a, copy };
}

const lastError = (secretId: string) =>
  (journalOf(h, secretId)?.lastError ?? {}) as { code?: string; message?: string; step?: string };

describe('two schedules, one workspace', () => {
  it('the second rotation regenerates nothing, and both keys are accounted for: the live one in the first secret', async () => {
    const { a, copy } = await twoHolders({ copyTagged: false });
    const first = await h.rotate(a.secretId);
    const second = await h.rotate(copy, { maxAttempts: 2 });

    expect(first.succeeded).toBe(true);
    expect(second.succeeded).toBe(false);
    expect(h.ringg.regenerations(a.workspaceId)).toBe(1);
    expect(keyOf(h.model.valueAt(a.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(a.workspaceId));
    expect(h.model.valueAt(copy, 'AWSCURRENT')).toBe(a.initialKey); // the dead copy, untouched
    expect(lastError(copy)).toMatchObject({ code: 'current-key-rejected', step: 'createSecret' });
  });

  // Left for the lead (issue 17): these hold once the decider calls findWorkspaceHolders before the
  // regenerate and uses sharedWorkspaceMessage / killedByOtherRotationMessage (common/workspace-holders.ts).
  it.skip('with the function-side check: the first scheduled rotation is refused before the regenerate, naming the copy', async () => {
    const { a, copy } = await twoHolders({ copyTagged: true });
    const first = await h.rotate(a.secretId, { maxAttempts: 1 });

    expect(first.succeeded).toBe(false);
    expect(h.ringg.regenerations(a.workspaceId)).toBe(0);
    expect(h.model.valueAt(a.secretId, 'AWSCURRENT')).toBe(a.initialKey);
    expect(h.model.valueAt(copy, 'AWSCURRENT')).toBe(a.initialKey);
    expect(h.ringg.liveKey(a.workspaceId)).toBe(a.initialKey);
    expect(lastError(a.secretId)).toMatchObject({ code: 'shared-workspace', step: 'createSecret' });
    expect(lastError(a.secretId).message).toContain(`and so does secret "${copy}"`);
  });

  it.skip("with the function-side check: a key killed by another secret's rotation names that secret as the holder of the live key", async () => {
    const { a, copy } = await twoHolders({ copyTagged: false });
    await h.rotate(a.secretId); // the copy was not tagged yet, so nothing found it
    h.model.tagResource({ SecretId: copy, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: a.workspaceId }] });
    const second = await h.rotate(copy, { maxAttempts: 1 });

    expect(second.succeeded).toBe(false);
    expect(h.ringg.regenerations(a.workspaceId)).toBe(1);
    const message = lastError(copy).message ?? '';
    expect(message).toContain(
      `secret "${a.secretId}" holds a key of the same Ringg workspace ${a.workspaceId}`,
    );
    expect(message).toContain('Do not regenerate the key in the Ringg dashboard');
    expect(message).not.toMatch(/regenerate it there/);
  });
});
