import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { RinggApi, RinggKeyProvider, RinggKeysRejectedError } from '../../consumer/index.js';
import type { RotationEventOut } from '../../dev/rotation-driver.js';
import { createHarness, type Harness } from '../support/harness.js';
import { failureOf, harnessPerTest } from '../support/invariants.js';

// The real handler rotates a secret whose regenerate Ringg answers with another workspace's key:
// the function proves the key, finds its workspace is not the secret's, and leaves it unpromoted in
// AWSPENDING. A service using the library calls Ringg before, between and after the steps.
let h: Harness;
const startHarness = harnessPerTest(createHarness);

describe('a rotation whose new key belongs to another workspace', () => {
  it('no call from the consumer ever reaches that workspace, and it says every key is rejected', async () => {
    h = await startHarness();
    const s = h.seed('json');
    const other = h.ringg.addWorkspace({ name: 'Someone else' });
    const api = new RinggApi({
      keys: new RinggKeyProvider({
        secretId: s.secretId,
        client: new SecretsManagerClient({ region: 'us-east-1' }),
        sleep: async () => undefined,
      }),
      baseUrl: h.ringg.baseUrl(),
    });
    expect((await api.request('/workspace')).status).toBe(200);

    h.ringg.newKeyAs = () => other.key;
    const outcomes: string[] = [];
    const reachedOther = () => h.ringg.events.filter((e) => e.workspaceId === other.id).length;
    let fromConsumer = 0;
    const call = async () => {
      const before = reachedOther();
      outcomes.push(
        await api.request('/workspace').then(
          (r) => String(r.status),
          (e: unknown) => (e instanceof RinggKeysRejectedError ? e.code : String(e)),
        ),
      );
      fromConsumer += reachedOther() - before;
    };
    const deliver = async (event: RotationEventOut) => {
      const result = await h.invoke(event);
      await call();
      return result;
    };
    await h.rotate(s.secretId, { maxAttempts: 1, deliver });
    for (let i = 0; i < 5; i++) await call();

    // The function kept the key unpromoted, and said why.
    expect(JSON.parse(h.model.valueAt(s.secretId, 'AWSPENDING') ?? '{}').apiKey).toBe(other.key);
    expect(JSON.parse(h.model.valueAt(s.secretId, 'AWSCURRENT') ?? '{}').apiKey).toBe(s.initialKey);
    expect(failureOf(h, s.secretId)).toMatchObject({ code: 'wrong-workspace' });
    // The consumer never sent that workspace's key: its old key is dead, and it says so.
    expect(fromConsumer).toBe(0);
    // Before the regenerate the old key works; from the regenerate on, every call says all keys are rejected.
    expect(outcomes[0]).toBe('200');
    expect(outcomes.slice(1)).toEqual(Array(outcomes.length - 1).fill('all-keys-rejected'));
    expect(outcomes.length).toBeGreaterThanOrEqual(7);
    await api.close();
  });
});
