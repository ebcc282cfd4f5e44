import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { continueRotation, runConfigurationTest } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, type HarnessOptions, keyOf } from '../support/harness.js';
import {
  expectKeyUntouched,
  expectRotatedOnce,
  failedSteps,
  failureOf,
  harnessPerTest,
  labels,
  labelTrail,
  recordsOf,
  rescueParameters,
  rotateWithForeignPendingKey,
  rotationRecords,
  tamperRecord,
} from '../support/invariants.js';

let h: Harness;
const startHarness = harnessPerTest(createHarness);

async function harness(options?: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

/**
 * 100 ms each: the request's abort signal (their sum, 300 ms) fires first and on time, where undici's
 * own timers fire on a ~1 s granularity.
 */
const FAST_RINGG_TIMEOUTS = {
  RINGG_CONNECT_TIMEOUT_MS: '100',
  RINGG_HEADERS_TIMEOUT_MS: '100',
  RINGG_BODY_TIMEOUT_MS: '100',
};

const stepsOf = (h: Harness) => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a clean rotation', () => {
  it('regenerates once and promotes the new key, with one log line per step', async () => {
    const s = (await harness()).seed('plain');
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(h.model.valueAt(s.secretId, 'AWSCURRENT')).toBe(h.ringg.liveKey(s.workspaceId));
    const lines = stepsOf(h).filter((l) => l.message === 'step succeeded');
    expect(lines.map((l) => [l.step, l.outcome, l.promotion])).toEqual([
      ['createSecret', 'current-key-verified', undefined],
      ['setSecret', 'promoted', 'promoted'],
      ['testSecret', 'new-key-verified', undefined],
      ['finishSecret', 'finished', undefined],
    ]);
    expect(lines[0]).toMatchObject({
      secret: s.secretId,
      token: report.token,
      attempts: 1,
      ringgStatuses: [200],
    });
    expect(typeof lines[0]?.durationMs).toBe('number');
    // setSecret: the PATCH and the proof of the new key (createSecret just checked the current key)
    expect(lines[1]?.ringgStatuses).toEqual([200, 200]);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    // The rotation ended: its record is gone and no failure is shown.
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
    expect(h.model.describeSecret({ SecretId: s.secretId }).Tags).toContainEqual({
      Key: 'ringg-rotation:workspace-id',
      Value: s.workspaceId,
    });
  });

  it('keeps the JSON format and every other field', async () => {
    const s = (await harness()).seed('json', { username: 'ops', region: 'eu', nested: { a: [1, 2] } });
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(JSON.parse(h.model.valueAt(s.secretId, 'AWSCURRENT') ?? '')).toEqual({
      username: 'ops',
      region: 'eu',
      nested: { a: [1, 2] },
      apiKey: h.ringg.liveKey(s.workspaceId),
    });
  });

  it('writes the pending version with explicit AWSPENDING and passes RotationToken through', async () => {
    const s = (await harness()).seed('plain');
    await h.rotate(s.secretId, { rotationToken: 'rotation-token-from-service' });
    const puts = h.smMock.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      VersionStages: ['AWSPENDING'],
      RotationToken: 'rotation-token-from-service',
    });
    expect(h.logs.join('\n')).not.toContain('rotation-token-from-service');
  });
});

describe('repeated deliveries', () => {
  it('each step delivered twice regenerates once', async () => {
    const s = (await harness()).seed('plain');
    const report = await h.rotate(s.secretId, {
      deliver: async (event) => {
        await h.invoke(event);
        await h.invoke(event);
      },
    });
    expectRotatedOnce(h, s, report);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
  });

  it('a duplicate setSecret running at the same time as the first regenerates once', async () => {
    const s = (await harness()).seed('plain');
    const report = await h.rotate(s.secretId, {
      deliver: async (event) => {
        const results = await Promise.allSettled([h.invoke(event), h.invoke(event)]);
        if (results.every((r) => r.status === 'rejected')) throw (results[0] as PromiseRejectedResult).reason;
      },
    });
    expectRotatedOnce(h, s, report);
  });

  it('the whole rotation re-run from createSecret after setSecret stored the key passes', async () => {
    const s = (await harness()).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke({ Step: 'createSecret', SecretId: s.secretId, ClientRequestToken: token });
    await h.invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: token });
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expectRotatedOnce(h, s, report);
  });

  it('after the rotation completed, a step is a logged no-op, except testSecret, which checks the key again', async () => {
    const s = (await harness()).seed('plain');
    const report = await h.rotate(s.secretId);
    const linesBefore = h.logs.length;
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await h.invoke({ Step: step, SecretId: s.secretId, ClientRequestToken: report.token });
    }
    expectRotatedOnce(h, s, report);
    const after = stepsOf(h).slice(linesBefore);
    expect(after.map((l) => [l.step, l.outcome])).toEqual([
      ['createSecret', 'already-current'],
      ['setSecret', 'new-key-already-promoted'],
      ['testSecret', 'new-key-verified'],
      ['finishSecret', 'finished'],
    ]);
    // Stray steps of a finished rotation leave no record and no failure behind.
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });
});

describe('regenerate faults', () => {
  it('500 before regenerating: probes, retries once more, rotates', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.inject('regenerate-500-before');
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    const set = stepsOf(h).find((l) => l.step === 'setSecret' && l.message === 'step succeeded');
    // the 500, the probe, the regenerate, the new key's proof
    expect(set?.ringgStatuses).toEqual([500, 200, 200, 200]);
    expect(rotationRecords(h)).toEqual([]);
  });

  for (const fault of [
    'regenerate-500-after',
    'regenerate-reset-after',
    'regenerate-200-without-key',
  ] as const) {
    it(`${fault}: reports the key lost, never regenerates again, keeps failing the same way`, async () => {
      const s = (await harness()).seed('plain');
      h.ringg.inject(fault);
      const report = await h.rotate(s.secretId);
      expect(report.succeeded).toBe(false);
      expect(failedSteps(report)).toEqual([
        '1:setSecret:NewKeyLostError',
        '2:createSecret:NewKeyLostError',
        '3:createSecret:NewKeyLostError',
      ]);
      expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
      expect(h.ringg.calls('regenerate-call')).toBe(1);
      expect(report.steps[1]?.error?.message).toMatch(/regenerate the key in the Ringg dashboard/);
      expect(labels(h, s.secretId).AWSPENDING).toBe(report.token);
      expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(s.initialKey);
      expect(failureOf(h, s.secretId)).toMatchObject({
        code: 'new-key-lost',
        step: 'createSecret',
        retryable: false,
        token: report.token,
      });
      // The record stays as the evidence that a PATCH may have been applied: never claimed again.
      expect(recordsOf(h)).toEqual([
        expect.objectContaining({ token: report.token, status: 'outcome-unknown', generation: 1 }),
      ]);
    });
  }

  it('a 500 that Ringg applies after the check said "not regenerated": the next 401 is reported as a lost key, not an outside change', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.inject('regenerate-500-applied-late');
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:setSecret:NewKeyLostError']);
    expect(report.steps.at(-1)?.error?.message).toMatch(
      /an earlier regenerate attempt got no usable answer \(HTTP 500\).*applied the earlier attempt late/,
    );
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(failureOf(h, s.secretId)).toMatchObject({
      code: 'new-key-lost',
      step: 'setSecret',
      retryable: false,
      token: report.token,
    });
  });

  it('429: honours Retry-After, then rotates', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.inject('regenerate-429');
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(h.sleeps).toContain(1000);
  });

  it('429 for longer than a step may wait: fails, nothing changed', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.inject('regenerate-429', 100);
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:setSecret:RinggUnavailableError']);
    expect(report.steps.at(-1)?.error?.message).toMatch(/old key still works and nothing was changed/);
    expectKeyUntouched(h, s);
  });

  it('403: this key may not manage API keys, nothing changed', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.inject('regenerate-403');
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:setSecret:PermissionDeniedError']);
    expect(report.steps.at(-1)?.error?.message).toMatch(/may not manage API keys/);
    expectKeyUntouched(h, s);
  });
});

describe('keys that do not work', () => {
  it('a current key already dead fails createSecret, and no regenerate is ever sent', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.regenerateInDashboard(s.workspaceId);
    const report = await h.rotate(s.secretId);
    expect(failedSteps(report)).toEqual([
      '1:createSecret:CurrentKeyRejectedError',
      '2:createSecret:CurrentKeyRejectedError',
      '3:createSecret:CurrentKeyRejectedError',
    ]);
    expect(h.ringg.calls('regenerate-call')).toBe(0);
    // Untagged and rejected, its workspace is unknown: no other secret could be looked for, and the
    // message says so instead of claiming none holds it.
    expect(report.steps[0]?.error?.message).toMatch(
      /could not be checked .*another secret, or a change outside Secrets Manager, killed the key/,
    );
  });

  it('GET /workspace failing twice is retried', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.inject('workspace-500', 2);
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    const create = stepsOf(h).find((l) => l.step === 'createSecret' && l.message === 'step succeeded');
    expect(create?.ringgStatuses).toEqual([500, 500, 200]);
  });

  it('a rescued key of another workspace is never stored', async () => {
    const s = (await harness()).seed('plain');
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    const first = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(first)).toEqual(['1:setSecret:NewKeyRescuedError']);
    const [rescue] = rescueParameters(h);
    const other = h.ringg.addWorkspace({ name: 'Someone else' });
    // A well-formed record of this rotation whose key is another workspace's.
    tamperRecord(h, rescue ?? '', (r) => ({ ...r, apiKey: other.key }));
    const second = await continueRotation(h.model, s.secretId, first.token, h.invoke, { maxAttempts: 1 });
    expect(failedSteps(second)).toEqual(['1:setSecret:WrongWorkspaceError']);
    expect(second.steps.at(-1)?.error?.message).toContain('rotation record');
    expect(h.model.valueOf(s.secretId, first.token)).toBeUndefined();
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(s.initialKey);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
  });
});

describe('Secrets Manager and SSM faults', () => {
  it('a write that fails briefly is retried and leaves no rescue parameter', async () => {
    const s = (await harness()).seed('plain');
    h.model.injectFault({ operation: 'PutSecretValue', times: 2 });
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(h.model.calls.PutSecretValue).toBe(3);
    expect(rescueParameters(h)).toEqual([]);
  });

  it("a write that fails for a whole invocation parks the key in the record, under the rotation's KMS key; the next attempt stores it", async () => {
    const s = (await harness({ env: { ROTATION_PARAMETER_KMS_KEY_ID: 'alias/ringg-rotation' } })).seed(
      'json',
    );
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    let parked: { name: string; type: string; keyId: string | undefined; status: unknown } | undefined;
    const report = await h.rotate(s.secretId, {
      onStep: (step) => {
        if (!step.ok) {
          const [name] = rescueParameters(h);
          const p = name ? h.ssm.parameters.get(name) : undefined;
          parked =
            name && p
              ? {
                  name,
                  type: p.type,
                  keyId: p.keyId,
                  status: (JSON.parse(p.value) as { status: unknown }).status,
                }
              : undefined;
        }
      },
    });
    expect(failedSteps(report)).toEqual(['1:setSecret:NewKeyRescuedError']);
    expect(parked).toEqual({
      name: `/ringg-rotation/${s.secretId}/rotation/${report.token}.g1`,
      type: 'SecureString',
      keyId: 'alias/ringg-rotation',
      status: 'rescued',
    });
    expect(report.steps.find((r) => !r.ok)?.error?.message).toContain(parked?.name);
    expectRotatedOnce(h, s, report);
    expect(rescueParameters(h)).toEqual([]);
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });

  it("a customer KMS key that refuses in setSecret: the key waits in the record under the rotation's KMS key, the error names KMS, the retry stores it", async () => {
    const s = (
      await harness({
        env: { ROTATION_PARAMETER_KMS_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/rotation' },
      })
    ).seed('json');
    h.model.injectFault({
      operation: 'PutSecretValue',
      times: 1,
      error: new AwsServiceError('EncryptionFailure', 'KMS key is disabled', 400),
    });
    let parked: ReturnType<typeof recordsOf> = [];
    const report = await h.rotate(s.secretId, {
      onStep: (step) => {
        if (!step.ok) parked = recordsOf(h);
      },
    });
    expect(failedSteps(report)).toEqual(['1:setSecret:KmsKeyRefusedError']);
    const message = report.steps.find((r) => !r.ok)?.error?.message ?? '';
    expect(message).toMatch(/^KMS refused the key of secret/);
    expect(message).toMatch(/EncryptionFailure/);
    expect(message).toContain(`/rotation/${report.token}.g1`);
    expect(message).not.toMatch(/function role|Key lost/);
    expect(parked).toEqual([
      expect.objectContaining({
        token: report.token,
        status: 'rescued',
        keyId: 'arn:aws:kms:us-east-1:123456789012:key/rotation',
      }),
    ]);
    expectRotatedOnce(h, s, report);
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });

  it('with the rescue write failing too, the key waits in the container and the next attempt stores it', async () => {
    const s = (await harness()).seed('plain');
    h.model.injectFault({ operation: 'PutSecretValue', times: 5 });
    // The claim (the record's first write) goes through; the rescue (its overwrite) does not.
    h.ssm.injectFault({ operation: 'PutParameter', times: 100, nameContains: '/rotation/', skip: 1 });
    const report = await h.rotate(s.secretId);
    expect(failedSteps(report)).toEqual(['1:setSecret:NewKeyUnsavedError']);
    expectRotatedOnce(h, s, report);
  });

  it('a record that cannot be deleted never fails a rotation; the next rotation deletes it', async () => {
    const s = (await harness()).seed('plain');
    h.ssm.injectFault({ operation: 'DeleteParameter', times: 1_000, nameContains: '/rotation/' });
    const report = await h.rotate(s.secretId);
    expectRotatedOnce(h, s, report);
    expect(
      stepsOf(h).some(
        (l) =>
          l.message === 'the rotation ended, but deleting its records failed; the next rotation deletes them',
      ),
    ).toBe(true);
    expect(rotationRecords(h)).toHaveLength(1);
    h.ssm.clearFaults();
    const next = await h.rotate(s.secretId);
    expect(next.succeeded).toBe(true);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(2);
    expect(rotationRecords(h)).toEqual([]);
  });

  it("a failure tag that cannot be written never hides the step's own error", async () => {
    const s = (await harness()).seed('plain');
    h.ringg.regenerateInDashboard(s.workspaceId);
    h.model.injectFault({ operation: 'TagResource', times: 1_000 });
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:createSecret:CurrentKeyRejectedError']);
    expect(failureOf(h, s.secretId)).toBeUndefined();
    expect(stepsOf(h).some((l) => l.message === 'could not record the failure in the secret tag')).toBe(true);
  });
});

describe('the configuration test (RotateImmediately=false, CloudFormation)', () => {
  for (const copyCurrent of [false, true]) {
    it(`passes on a ${copyCurrent ? 'pending copy of the current value' : 'empty pending version'} without regenerating`, async () => {
      const s = (await harness()).seed('json');
      const before = labels(h, s.secretId);
      const result = await runConfigurationTest(h.model, s.secretId, h.invoke, copyCurrent);
      expect(result).toMatchObject({ ok: true, step: 'testSecret' });
      expect(stepsOf(h).at(-1)).toMatchObject({ outcome: 'configuration-test-passed' });
      expectKeyUntouched(h, s);
      expect(labels(h, s.secretId)).toEqual(before);
      expect(h.ringg.calls('regenerate-call')).toBe(0);
    });
  }

  it('fails when the current key is dead', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.regenerateInDashboard(s.workspaceId);
    const result = await runConfigurationTest(h.model, s.secretId, h.invoke);
    expect(result.error?.name).toBe('CurrentKeyRejectedError');
  });
});

describe('events and versions that must change nothing', () => {
  it('rotation disabled', async () => {
    const s = (await harness()).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    h.model.disableRotation(s.secretId);
    await expect(
      h.invoke({ Step: 'createSecret', SecretId: s.secretId, ClientRequestToken: token }),
    ).rejects.toThrow(/Rotation is not enabled on secret "ringg\/workspace-1"/);
    expectKeyUntouched(h, s);
    expect(h.ringg.calls('workspace-call')).toBe(0);
  });

  it('an unknown token, and a token that is not pending', async () => {
    const s = (await harness()).seed('plain');
    const currentVersion = labels(h, s.secretId).AWSCURRENT ?? '';
    const first = await h.rotate(s.secretId);
    await expect(
      h.invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: 'no-such-version' }),
    ).rejects.toMatchObject({
      code: 'version-not-found',
    });
    await expect(
      h.invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: currentVersion }),
    ).rejects.toMatchObject({
      code: 'version-not-pending',
    });
    expectRotatedOnce(h, s, first);
  });

  const malformed: [string, unknown, RegExp][] = [
    ['not an object', 'createSecret', /the event is not a JSON object/],
    ['an array', [], /the event is not a JSON object/],
    [
      'an unknown Step',
      { Step: 'rotate', SecretId: 'x', ClientRequestToken: 't' },
      /Step "rotate" is not one of/,
    ],
    [
      'no SecretId',
      { Step: 'createSecret', ClientRequestToken: 't' },
      /SecretId must be a non-empty string, got nothing/,
    ],
    [
      'a blank token',
      { Step: 'setSecret', SecretId: 'x', ClientRequestToken: '  ' },
      /ClientRequestToken must be a non-empty string/,
    ],
    ['a numeric token', { Step: 'setSecret', SecretId: 'x', ClientRequestToken: 7 }, /got a number/],
    [
      'a bad RotationToken',
      { Step: 'setSecret', SecretId: 'x', ClientRequestToken: 't', RotationToken: 5 },
      /RotationToken/,
    ],
  ];
  for (const [what, event, message] of malformed) {
    it(`a malformed event (${what}) is refused before any call`, async () => {
      await harness();
      await expect(h.invoke(event)).rejects.toMatchObject({
        code: 'invalid-event',
        message: expect.stringMatching(message),
      });
      expect(h.model.calls).toEqual({});
      expect(h.ringg.events).toEqual([]);
    });
  }

  it('accepts the snake_case step names', async () => {
    const s = (await harness()).seed('plain');
    const report = await h.rotate(s.secretId, {
      deliver: (event) =>
        h.invoke({ ...event, Step: event.Step.replace(/[A-Z]/, (c) => `_${c.toLowerCase()}`) }),
    });
    expectRotatedOnce(h, s, report);
  });
});

describe('secret values that are not a key', () => {
  const cases: [string, string, RegExp][] = [
    ['blank', '   ', /it is empty or blank/],
    ['JSON without apiKey', '{"key":"abc-123"}', /has no "apiKey" field/],
    ['a non-string apiKey', '{"apiKey":12345}', /"apiKey" field is not a string/],
    ['an empty apiKey', '{"apiKey":" "}', /"apiKey" field is empty or blank/],
    ['an array', '["abc-123"]', /JSON array, not an object/],
    ['a JSON number', '12345', /JSON number, not an object/],
    ['broken JSON', '{"apiKey": "abc-123"', /starts like JSON but is not valid JSON/],
    ['two words', 'abc-123 def-456', /contains white space/],
  ];
  for (const [what, value, problem] of cases) {
    it(`${what}: createSecret refuses it and changes nothing`, async () => {
      await harness();
      const ws = h.ringg.addWorkspace();
      h.model.createSecret({ Name: 'odd', SecretString: value });
      h.model.enableRotation('odd', 'arn:aws:lambda:us-east-1:123456789012:function:f');
      const report = await h.rotate('odd', { maxAttempts: 1 });
      expect(failedSteps(report)).toEqual(['1:createSecret:InvalidSecretValueError']);
      const message = report.steps[0]?.error?.message ?? '';
      expect(message).toMatch(problem);
      expect(message).toMatch(/Store either the key itself as a plain string, or a JSON object/);
      expect(message).not.toContain('abc-123');
      expect(h.ringg.events).toEqual([]);
      expect(h.ringg.liveKey(ws.id)).toBe(ws.key);
    });
  }

  it('a plain key with a trailing newline is used trimmed', async () => {
    await harness();
    const ws = h.ringg.addWorkspace();
    h.model.createSecret({ Name: 'newline', SecretString: `${ws.key}\n` });
    h.model.enableRotation('newline', 'arn:aws:lambda:us-east-1:123456789012:function:f');
    const report = await h.rotate('newline');
    expect(report.succeeded).toBe(true);
    expect(h.model.valueAt('newline', 'AWSCURRENT')).toBe(h.ringg.liveKey(ws.id));
  });
});

describe('concurrency and time', () => {
  it('two secrets rotated at once each get their own workspace key', async () => {
    await harness();
    const a = h.seed('plain');
    const b = h.seed('json');
    const [ra, rb] = await Promise.all([h.rotate(a.secretId), h.rotate(b.secretId)]);
    expectRotatedOnce(h, a, ra);
    expectRotatedOnce(h, b, rb);
  });

  it('a Ringg that never answers fails createSecret within its timeouts, changing nothing', async () => {
    const s = (await harness({ env: FAST_RINGG_TIMEOUTS })).seed('plain');
    h.ringg.inject('hang', 100);
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:createSecret:RinggUnavailableError']);
    expect(report.steps[0]?.error?.message).toMatch(/no answer: TIMEOUT/);
    expect(h.ringg.calls('workspace-call')).toBe(3);
    h.ringg.clearFaults();
    expectKeyUntouched(h, s);
  });

  it('a regenerate that never answers, then a check that never answers: outcome unknown, not retried blindly', async () => {
    const s = (await harness({ env: FAST_RINGG_TIMEOUTS })).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke({ Step: 'createSecret', SecretId: s.secretId, ClientRequestToken: token });
    h.ringg.inject('regenerate-hang');
    // setSecret's first Ringg call after the PATCH is the probe (createSecret proved the key).
    h.ringg.inject('workspace-hang', 1, 0);
    await expect(
      h.invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: token }),
    ).rejects.toMatchObject({
      code: 'regenerate-outcome-unknown',
    });
    expect(h.ringg.calls('regenerate-call')).toBe(1);
    const report = await continueRotation(h.model, s.secretId, token, h.invoke);
    expectRotatedOnce(h, s, report);
  });

  it('the Lambda deadline bounds a hanging call even with the default 10 s timeouts', async () => {
    const s = (await harness({ remainingMs: 5_400 })).seed('plain');
    h.ringg.inject('hang', 100);
    const report = await h.rotate(s.secretId, { maxAttempts: 1 });
    expect(failedSteps(report)).toEqual(['1:createSecret:RinggUnavailableError']);
    expect(report.steps[0]?.error?.message).toMatch(/TIMEOUT|no time left/);
  });
});

describe('promotion the moment the new key is proven', () => {
  /** The labels an operator sees after each step: where AWSCURRENT and AWSPENDING are, by name. */
  const named = (trail: ReturnType<typeof labelTrail>['trail'], old: string, token: string) =>
    trail.map(({ step, ok, labels: l }) => {
      const name = (id: string | undefined) => (id === token ? 'new' : id === old ? 'old' : (id ?? '-'));
      return `${step}${ok ? '' : ' FAILED'}: current=${name(l.AWSCURRENT)} pending=${name(l.AWSPENDING)}`;
    });
  const stepLine = (step: string) =>
    stepsOf(h).find(
      (l) => l.step === step && (l.message === 'step succeeded' || l.message === 'step failed'),
    );
  const DEFERRED =
    'the new key is stored as AWSPENDING but not promoted yet; testSecret and finishSecret will';
  const deferredReason = () =>
    stepsOf(h).find((l) => l.step === 'setSecret' && l.message === DEFERRED)?.reason as string | undefined;

  async function rotateTracked(secretId: string, options: Parameters<Harness['rotate']>[1] = {}) {
    const old = labels(h, secretId).AWSCURRENT ?? '';
    const { trail, onStep } = labelTrail(h, secretId);
    const report = await h.rotate(secretId, { ...options, onStep });
    return { report, steps: named(trail, old, report.token) };
  }

  const PROMOTED_IN_SET_SECRET = [
    'createSecret: current=old pending=new',
    'setSecret: current=new pending=new',
    'testSecret: current=new pending=new',
    'finishSecret: current=new pending=new',
  ];
  const PROMOTED_IN_FINISH_SECRET = [
    'createSecret: current=old pending=new',
    'setSecret: current=old pending=new',
    'testSecret: current=old pending=new',
    'finishSecret: current=new pending=new',
  ];

  it('happy path: setSecret proves the new key and moves AWSCURRENT; testSecret still checks it', async () => {
    const s = (await harness()).seed('json');
    const { report, steps } = await rotateTracked(s.secretId);
    expect(steps).toEqual(PROMOTED_IN_SET_SECRET);
    expectRotatedOnce(h, s, report);
    expect(stepLine('setSecret')).toMatchObject({ outcome: 'promoted', promotion: 'promoted' });
    // the regenerate and the proof of the new key (createSecret checked the current key)
    expect(stepLine('setSecret')?.ringgStatuses).toEqual([200, 200]);
    expect(stepLine('testSecret')).toMatchObject({ outcome: 'new-key-verified', ringgStatuses: [200] });
    expect(stepLine('finishSecret')).toMatchObject({ outcome: 'finished' });
    // AWSCURRENT moved once, by setSecret; finishSecret removed no label itself (the service did).
    expect(h.model.calls.UpdateSecretVersionStage).toBe(1);
    expect(h.model.currentMoves.map((m) => m.versionId)).toEqual([report.token]);
  });

  it('a new key that needs a moment before Ringg accepts it is still promoted in setSecret when it fits', async () => {
    const s = (await harness()).seed('plain');
    h.ringg.newKeyDelayMs = 1_000;
    const { report, steps } = await rotateTracked(s.secretId);
    expect(steps).toEqual(PROMOTED_IN_SET_SECRET);
    expectRotatedOnce(h, s, report);
    expect(stepLine('setSecret')?.ringgStatuses).toEqual([200, 401, 401, 200]);
    expect(stepLine('setSecret')?.promotion).toBe('promoted');
  });

  it('a new key that needs longer than setSecret has left stays pending; finishSecret promotes it after testSecret', async () => {
    // 2.8 s per step: room for the regenerate, then for two proof attempts (at 0 and 375 ms) before the
    // reserve for the move (MOVE_RESERVE_MS); the key needs 700 ms, so testSecret's second attempt
    // (at 750 ms) is the first accepted.
    const s = (
      await harness({
        remainingMs: 2_900,
        env: { ROTATION_SAFETY_MARGIN_MS: '100', ROTATION_RESCUE_RESERVE_MS: '300' },
      })
    ).seed('plain');
    h.ringg.newKeyDelayMs = 700;
    const { report, steps } = await rotateTracked(s.secretId);
    expect(steps).toEqual(PROMOTED_IN_FINISH_SECRET);
    expectRotatedOnce(h, s, report);
    expect(stepLine('setSecret')).toMatchObject({
      outcome: 'promotion-deferred',
      promotion: 'deferred',
      ringgStatuses: [200, 401, 401],
    });
    expect(stepLine('setSecret')?.attempts).toBe(3);
    expect(stepsOf(h).find((l) => l.level === 'WARN' && l.step === 'setSecret')?.message).toBe(DEFERRED);
    expect(deferredReason()).toBe('the new key is not proven: rejected');
    expect(stepLine('setSecret')?.promotionDeferredBecause).toBe('the new key is not proven: rejected');
    expect(stepLine('testSecret')).toMatchObject({ outcome: 'new-key-verified', ringgStatuses: [401, 200] });
    expect(stepLine('finishSecret')).toMatchObject({ outcome: 'finished', promotion: 'promoted' });
    expect(rotationRecords(h)).toEqual([]);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });

  it('a new key of another workspace is never promoted: not by setSecret, testSecret fails', async () => {
    const s = (await harness()).seed('plain');
    const old = labels(h, s.secretId).AWSCURRENT ?? '';
    const { trail, onStep } = labelTrail(h, s.secretId);
    const report = await rotateWithForeignPendingKey(h, s.secretId, { onStep });
    const token = report.token;
    expect(failedSteps(report)).toEqual(['1:testSecret:WrongWorkspaceError']);
    expect(named(trail, old, token)).toEqual([
      'createSecret: current=old pending=new',
      'setSecret: current=old pending=new',
      'testSecret FAILED: current=old pending=new',
    ]);
    expect(stepLine('setSecret')).toMatchObject({ outcome: 'promotion-deferred', promotion: 'deferred' });
    expect(deferredReason()).toBe('the new key is not proven: wrong-workspace');
    expect(stepLine('setSecret')?.promotionDeferredBecause).toBe(
      'the new key is not proven: wrong-workspace',
    );
    expect(failureOf(h, s.secretId)).toMatchObject({
      code: 'wrong-workspace',
      step: 'testSecret',
      retryable: true,
      token,
    });
    expect(report.steps.at(-1)?.error?.message).toContain(report.otherWorkspaceId);
    expect(h.model.calls.UpdateSecretVersionStage).toBeUndefined();
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(s.initialKey);
    expect(h.ringg.regenerations()).toBe(0);
  });

  it('a proof that times out leaves the version pending; finishSecret promotes after testSecret passes', async () => {
    // 2.4 s per step: one proof attempt fits before the move's reserve (MOVE_RESERVE_MS); after it hangs
    // (300 ms) and the backoff (375 ms), no second one does.
    const s = (
      await harness({
        remainingMs: 2_500,
        env: { ...FAST_RINGG_TIMEOUTS, ROTATION_SAFETY_MARGIN_MS: '100', ROTATION_RESCUE_RESERVE_MS: '300' },
      })
    ).seed('plain');
    // createSecret's check of the current key answers; the first proof (setSecret's) hangs.
    h.ringg.inject('workspace-hang', 1, 1);
    const { report, steps } = await rotateTracked(s.secretId);
    expect(steps).toEqual(PROMOTED_IN_FINISH_SECRET);
    expectRotatedOnce(h, s, report);
    expect(stepLine('setSecret')).toMatchObject({ outcome: 'promotion-deferred', promotion: 'deferred' });
    expect(deferredReason()).toBe('the new key is not proven: unavailable');
    expect(stepLine('setSecret')?.promotionDeferredBecause).toBe('the new key is not proven: unavailable');
    expect(stepLine('testSecret')).toMatchObject({ outcome: 'new-key-verified', ringgStatuses: [200] });
    expect(stepLine('finishSecret')).toMatchObject({ outcome: 'finished', promotion: 'promoted' });
  });

  it('the stage move failing leaves the version pending; finishSecret promotes', async () => {
    const s = (await harness()).seed('plain');
    h.model.injectFault({ operation: 'UpdateSecretVersionStage', times: 1 });
    const { report, steps } = await rotateTracked(s.secretId);
    expect(steps).toEqual(PROMOTED_IN_FINISH_SECRET);
    expectRotatedOnce(h, s, report);
    expect(stepLine('setSecret')).toMatchObject({ outcome: 'promotion-deferred', promotion: 'deferred' });
    expect(deferredReason()).toMatch(/UpdateSecretVersionStage.*InternalServiceError/);
    expect(stepLine('finishSecret')).toMatchObject({ outcome: 'finished', promotion: 'promoted' });
    expect(h.model.calls.UpdateSecretVersionStage).toBe(2);
    expect(rotationRecords(h)).toEqual([]);
  });

  it('setSecret proves the key it wrote without reading it back; a hung read in testSecret fails within the call timeout and the retry passes', async () => {
    const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '200' } })).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    await h.invoke({ Step: 'createSecret', SecretId: s.secretId, ClientRequestToken: token });
    const readsBefore = h.model.calls.GetSecretValue ?? 0;
    await h.invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: token });
    // AWSPENDING (empty) and AWSCURRENT, by VersionId; none after the write.
    expect((h.model.calls.GetSecretValue ?? 0) - readsBefore).toBe(2);
    expect(labels(h, s.secretId)).toMatchObject({ AWSPENDING: token, AWSCURRENT: token });
    h.model.injectFault({ operation: 'GetSecretValue', times: 1, hang: true });
    await expect(
      h.invoke({ Step: 'testSecret', SecretId: s.secretId, ClientRequestToken: token }),
    ).rejects.toThrow();
    const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expectRotatedOnce(h, s, report);
    expect(rotationRecords(h)).toEqual([]);
  });

  it('a stage move that was applied but whose answer was lost counts as the promotion', async () => {
    const s = (await harness()).seed('plain');
    h.loseAnswerOf('UpdateSecretVersionStage');
    const { report, steps } = await rotateTracked(s.secretId);
    expect(steps).toEqual(PROMOTED_IN_SET_SECRET);
    expectRotatedOnce(h, s, report);
    // The labels are looked at again: the move was applied, so nothing is moved twice or failed.
    expect(stepLine('setSecret')).toMatchObject({ message: 'step succeeded', outcome: 'promoted' });
    expect(stepsOf(h).filter((l) => l.message === 'step failed')).toEqual([]);
    expect(h.model.calls.UpdateSecretVersionStage).toBe(1);
    expect(failureOf(h, s.secretId)).toBeUndefined();
  });

  for (const when of ['before', 'after'] as const) {
    it(`the process killed ${when} the stage move in setSecret: the re-run promotes once, regenerates nothing`, async () => {
      const s = (await harness({ env: { ROTATION_AWS_CALL_TIMEOUT_MS: '60000' } })).seed('json');
      const old = labels(h, s.secretId).AWSCURRENT ?? '';
      const token = h.model.beginRotation({ SecretId: s.secretId });
      await h.invoke({ Step: 'createSecret', SecretId: s.secretId, ClientRequestToken: token });
      const killed = h.killAt({ operation: 'UpdateSecretVersionStage', when });
      void h.invoke({ Step: 'setSecret', SecretId: s.secretId, ClientRequestToken: token });
      await killed;
      expect(labels(h, s.secretId).AWSCURRENT).toBe(when === 'before' ? old : token);
      h.restart();
      const { trail, onStep } = labelTrail(h, s.secretId);
      const report = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1, onStep });
      expect(named(trail, old, token)).toEqual(
        when === 'before'
          ? PROMOTED_IN_SET_SECRET
          : PROMOTED_IN_SET_SECRET.map((line) => line.replace('current=old', 'current=new')),
      );
      expectRotatedOnce(h, s, report);
      const set = stepsOf(h).filter((l) => l.step === 'setSecret' && l.message === 'step succeeded');
      expect(set.map((l) => [l.outcome, l.promotion])).toEqual([
        when === 'before' ? ['promoted', 'promoted'] : ['new-key-already-promoted', undefined],
      ]);
      expect(h.model.currentMoves.map((m) => m.versionId)).toEqual([token]);
      expect(rotationRecords(h)).toEqual([]);
    });
  }

  it('each step re-delivered after the early promotion: nothing regenerated, moved or failed', async () => {
    const s = (await harness()).seed('plain');
    const old = labels(h, s.secretId).AWSCURRENT ?? '';
    const token = h.model.beginRotation({ SecretId: s.secretId });
    const { trail, onStep } = labelTrail(h, s.secretId);
    const deliver = async (step: string) => {
      try {
        await h.invoke({ Step: step, SecretId: s.secretId, ClientRequestToken: token });
        onStep({ step, ok: true });
      } catch (error) {
        onStep({ step, ok: false });
        throw error;
      }
    };
    for (const step of ['createSecret', 'setSecret', 'createSecret', 'setSecret', 'setSecret'])
      await deliver(step);
    for (const step of ['testSecret', 'testSecret', 'finishSecret', 'finishSecret']) await deliver(step);
    expect(named(trail, old, token)).toEqual([
      'createSecret: current=old pending=new',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${['setSecret', 'createSecret', 'setSecret', 'setSecret', 'testSecret', 'testSecret', 'finishSecret', 'finishSecret'][i]}: current=new pending=new`,
      ),
    ]);
    const outcomes = stepsOf(h)
      .filter((l) => l.message === 'step succeeded')
      .map((l) => `${l.step}:${l.outcome}${l.promotion ? `:${l.promotion}` : ''}`);
    expect(outcomes).toEqual([
      'createSecret:current-key-verified',
      'setSecret:promoted:promoted',
      'createSecret:new-key-already-promoted',
      'setSecret:new-key-already-promoted',
      'setSecret:new-key-already-promoted',
      'testSecret:new-key-verified',
      'testSecret:new-key-verified',
      'finishSecret:finished',
      'finishSecret:finished',
    ]);
    expect(rotationRecords(h)).toEqual([]);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(h.model.calls.UpdateSecretVersionStage).toBe(1);
    expect(h.model.completeRotation(s.secretId, token)).toBe(true);
    expect(labels(h, s.secretId)).toEqual({ AWSCURRENT: token, AWSPREVIOUS: old });
    // The whole rotation re-run with the same token after it completed changes nothing either.
    const again = await continueRotation(h.model, s.secretId, token, h.invoke, { maxAttempts: 1 });
    expect(again.succeeded).toBe(true);
    expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
    expect(labels(h, s.secretId)).toEqual({ AWSCURRENT: token, AWSPREVIOUS: old });
  });

  it('testSecret still fails for a promoted key that Ringg rejects, saying it is AWSCURRENT', async () => {
    const s = (await harness()).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    for (const step of ['createSecret', 'setSecret'])
      await h.invoke({ Step: step, SecretId: s.secretId, ClientRequestToken: token });
    expect(labels(h, s.secretId).AWSCURRENT).toBe(token);
    h.ringg.regenerateInDashboard(s.workspaceId);
    await expect(
      h.invoke({ Step: 'testSecret', SecretId: s.secretId, ClientRequestToken: token }),
    ).rejects.toMatchObject({
      code: 'new-key-rejected',
      message: expect.stringMatching(/which is already AWSCURRENT/),
    });
  });

  it('a manual PutSecretValue after an early promotion abandons the rotation: a new one can start', async () => {
    const s = (await harness()).seed('plain');
    const token = h.model.beginRotation({ SecretId: s.secretId });
    for (const step of ['createSecret', 'setSecret'])
      await h.invoke({ Step: step, SecretId: s.secretId, ClientRequestToken: token });
    const live = h.ringg.regenerateInDashboard(s.workspaceId);
    h.model.putSecretValue({ SecretId: s.secretId, SecretString: live, VersionStages: ['AWSCURRENT'] });
    expect(labels(h, s.secretId).AWSPENDING).toBeUndefined();
    const report = await h.rotate(s.secretId);
    expect(report.succeeded).toBe(true);
    expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(h.ringg.liveKey(s.workspaceId));
  });

  it('the configuration test after an early-promoted rotation checks the current key and moves nothing', async () => {
    const s = (await harness()).seed('json');
    await h.rotate(s.secretId);
    for (const copyCurrent of [false, true]) {
      const before = labels(h, s.secretId);
      const result = await runConfigurationTest(h.model, s.secretId, h.invoke, copyCurrent);
      expect(result).toMatchObject({ ok: true, step: 'testSecret' });
      expect(stepsOf(h).at(-1)).toMatchObject({ outcome: 'configuration-test-passed' });
      expect(labels(h, s.secretId)).toEqual(before);
    }
    expect(h.model.calls.UpdateSecretVersionStage).toBe(1);
  });
});
