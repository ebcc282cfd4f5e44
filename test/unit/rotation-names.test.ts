import { describe, expect, it } from 'vitest';
import { createHarness, type Harness, type HarnessOptions, keyOf, LAMBDA_ARN } from '../support/harness.js';
import { harnessPerTest, rotationRecords } from '../support/invariants.js';

/** Secret names that SSM cannot hold as they are, rotated by the real handler. */
let h: Harness;
const startHarness = harnessPerTest(createHarness);
async function harness(options?: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

async function secretNamed(name: string) {
  const workspace = h.ringg.addWorkspace({ name });
  h.model.createSecret({ Name: name, SecretString: workspace.key });
  h.model.enableRotation(name, LAMBDA_ARN);
  return workspace;
}

describe('secret names and their parameters', () => {
  it('ringg/team+a and ringg/team=a each get their own Parameter Store mirror with their own live key', async () => {
    await harness({ env: { MIRROR_PARAMETER_PREFIX: '/ringg-mirror' } });
    const a = await secretNamed('ringg/team+a');
    const b = await secretNamed('ringg/team=a');
    expect((await h.rotate('ringg/team+a', { maxAttempts: 1 })).succeeded).toBe(true);
    expect((await h.rotate('ringg/team=a', { maxAttempts: 1 })).succeeded).toBe(true);
    const mirrors = [...h.ssm.parameters.keys()].filter((n) => n.startsWith('/ringg-mirror/'));
    expect(mirrors).toHaveLength(2);
    const served = mirrors.map((name) => h.ssm.parameters.get(name)?.value).sort();
    expect(served).toEqual([h.ringg.liveKey(a.id), h.ringg.liveKey(b.id)].sort());
  });

  it("ringg/x and /ringg/x keep separate rotation records: finishing one never deletes the other's", async () => {
    await harness();
    const x = await secretNamed('ringg/x');
    await secretNamed('/ringg/x');
    const token = h.model.beginRotation({ SecretId: 'ringg/x' });
    for (const step of ['createSecret', 'setSecret'])
      await h.invoke({ Step: step, SecretId: 'ringg/x', ClientRequestToken: token });
    const open = rotationRecords(h);
    expect(open).toHaveLength(1);
    expect((await h.rotate('/ringg/x', { maxAttempts: 1 })).succeeded).toBe(true);
    expect(rotationRecords(h)).toEqual(open);
    for (const step of ['testSecret', 'finishSecret'])
      await h.invoke({ Step: step, SecretId: 'ringg/x', ClientRequestToken: token });
    expect(rotationRecords(h)).toEqual([]);
    expect(h.ringg.regenerations(x.id)).toBe(1);
    expect(keyOf(h.model.valueAt('ringg/x', 'AWSCURRENT'))).toBe(h.ringg.liveKey(x.id));
  });

  it('a name too deep for SSM fails at once with a configuration error that names the cause; nothing changes', async () => {
    await harness();
    const secretId = 'org/a/b/c/d/e/f/g/h/i/j/k/ringg'; // 13 segments: a legal Secrets Manager name
    const workspace = await secretNamed(secretId);
    const report = await h.rotate(secretId, { maxAttempts: 2 });
    expect(report.succeeded).toBe(false);
    const failed = report.steps.filter((r) => !r.ok);
    expect(failed.map((r) => r.error?.name)).toEqual([
      'InvalidConfigurationError',
      'InvalidConfigurationError',
    ]);
    expect(failed[0]?.error?.message).toMatch(/would have 16 levels, and SSM Parameter Store allows 15/);
    expect(h.ringg.regenerations(workspace.id)).toBe(0);
    expect([...h.ssm.parameters.keys()]).toEqual([]);
  });
});
