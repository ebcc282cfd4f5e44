import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../cli/context.js';
import { RunningInAws } from '../../cli/interrupt.js';
import { rotateSecret } from '../../cli/rotate-secret.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness } from '../support/harness.js';
import { harnessPerTest, stepEvent } from '../support/invariants.js';

/**
 * `ringg-rotate rotate` under the CI role, which may describe the secret but not read its value, while a
 * deploy writes the secret during the rotation and the function keeps the edit.
 */
let h: Harness;
const startHarness = harnessPerTest(createHarness);

/** A Secrets Manager client of the CI role: RotateSecret runs the steps, `during` writes meanwhile. */
function ciRole(secretId: string, during: (token: string) => Promise<void>) {
  return {
    async send(command: unknown) {
      if (command instanceof RotateSecretCommand) {
        const token = h.model.beginRotation({ SecretId: secretId });
        await h.invoke(stepEvent('createSecret', secretId, token));
        await during(token);
        return { VersionId: token, Name: secretId };
      }
      if (command instanceof DescribeSecretCommand)
        return h.model.describeSecret({ SecretId: command.input.SecretId ?? '' });
      if (command instanceof GetSecretValueCommand)
        throw new AwsServiceError(
          'AccessDeniedException',
          'not authorized: secretsmanager:GetSecretValue',
          400,
        );
      throw new Error('unexpected command');
    },
  };
}

async function rotateAs(sm: ReturnType<typeof ciRole>, secretId: string) {
  let clock = Date.now();
  const io = {
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    env: {},
    stdout: { write() {} },
    stderr: { write() {} },
  };
  const ctx = { io, sm, running: new RunningInAws() } as unknown as CliContext;
  return rotateSecret(ctx, { secretId, wait: true, timeoutSeconds: 600 });
}

const current = (secretId: string) =>
  JSON.parse(h.model.valueAt(secretId, 'AWSCURRENT') ?? '{}') as Record<string, unknown>;

describe('ringg-rotate rotate with the CI role (no GetSecretValue)', () => {
  it('an edit the function merged with the new key (edit-merged) is reported rotated: the merge shows in the labels', async () => {
    h = await startHarness();
    const s = h.seed('json', { username: 'ops' });
    const sm = ciRole(s.secretId, async (token) => {
      // A deploy writes the old key right after the new key is stored.
      const put = h.model.putSecretValue.bind(h.model);
      h.model.putSecretValue = (input) => {
        const out = put(input);
        if (input.ClientRequestToken === token) {
          h.model.putSecretValue = put;
          put({
            SecretId: s.secretId,
            SecretString: JSON.stringify({ username: 'deploy', apiKey: s.initialKey }),
          });
        }
        return out;
      };
      await h.invoke(stepEvent('setSecret', s.secretId, token));
    });
    const outcome = await rotateAs(sm, s.secretId);
    expect(current(s.secretId).username).toBe('deploy');
    expect(current(s.secretId).apiKey === h.ringg.liveKey(s.workspaceId)).toBe(true);
    expect(h.logs.some((l) => l.includes('"outcome":"edit-merged"'))).toBe(true);
    expect(outcome.result, JSON.stringify(outcome)).toBe('rotated');
  });

  it('an edit that already held the new key (edit-kept) cannot be told apart without reading: the failure says so', async () => {
    h = await startHarness();
    const s = h.seed('json', { username: 'ops' });
    const sm = ciRole(s.secretId, async (token) => {
      await h.invoke(stepEvent('setSecret', s.secretId, token));
      // After the early promotion, a person writes the live key with one field changed.
      h.model.putSecretValue({
        SecretId: s.secretId,
        SecretString: JSON.stringify({ username: 'edited', apiKey: h.ringg.liveKey(s.workspaceId) }),
      });
    });
    const outcome = await rotateAs(sm, s.secretId);
    if (outcome.result !== 'failed') expect.fail(JSON.stringify(outcome));
    expect(outcome.error?.message).toContain('GetSecretValue');
    expect(outcome.error?.message).toContain('ringg-rotate status --check');
  });
});
