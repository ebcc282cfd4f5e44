import { describe, expect, it } from 'vitest';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import type { RotationReport } from '../../dev/rotation-driver.js';
import { createHarness, type Harness, keyOf, LAMBDA_ARN } from '../support/harness.js';
import { failureOf, harnessPerTest } from '../support/invariants.js';

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

/** What the operator sees of the last failed step: the failure tag, and the message the step threw. */
const lastError = (secretId: string, report: RotationReport) => {
  const tag = failureOf(h, secretId);
  const failed = report.steps.filter((step) => step.error).at(-1);
  return { code: tag?.code, step: tag?.step, message: failed?.error?.message };
};

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
    expect(lastError(copy, second)).toMatchObject({ code: 'current-key-rejected', step: 'createSecret' });
  });

  it('with the function-side check: the first scheduled rotation is refused before the regenerate, naming the copy', async () => {
    const { a, copy } = await twoHolders({ copyTagged: true });
    const first = await h.rotate(a.secretId, { maxAttempts: 1 });

    expect(first.succeeded).toBe(false);
    expect(h.ringg.regenerations(a.workspaceId)).toBe(0);
    expect(h.model.valueAt(a.secretId, 'AWSCURRENT')).toBe(a.initialKey);
    expect(h.model.valueAt(copy, 'AWSCURRENT')).toBe(a.initialKey);
    expect(h.ringg.liveKey(a.workspaceId)).toBe(a.initialKey);
    expect(lastError(a.secretId, first)).toMatchObject({ code: 'shared-workspace', step: 'createSecret' });
    expect(lastError(a.secretId, first).message).toContain(`and so does secret "${copy}"`);
  });

  it("with the function-side check: a key killed by another secret's rotation names that secret as the holder of the live key", async () => {
    const { a, copy } = await twoHolders({ copyTagged: false });
    await h.rotate(a.secretId); // the copy was not tagged yet, so nothing found it
    h.model.tagResource({ SecretId: copy, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: a.workspaceId }] });
    const second = await h.rotate(copy, { maxAttempts: 1 });

    expect(second.succeeded).toBe(false);
    expect(h.ringg.regenerations(a.workspaceId)).toBe(1);
    const message = lastError(copy, second).message ?? '';
    expect(message).toContain(
      `secret "${a.secretId}" holds a key of the same Ringg workspace ${a.workspaceId}`,
    );
    expect(message).toContain('Do not regenerate the key in the Ringg dashboard');
    expect(message).not.toMatch(/regenerate it there/);
  });
});
