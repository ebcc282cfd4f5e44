import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalEnvironment } from '../../dev/local-environment.js';
import { LOCAL_FUNCTION_ARN } from '../../dev/local-environment.js';
import { continueRotation, type RotationEventOut, type RotationReport } from '../../dev/rotation-driver.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import { LeakWatch } from '../support/leak-watch.js';
import { startWithFreshHandler } from '../support/local.js';

/**
 * Issue 17: the interleavings that happen in real accounts, each against the real handler module over
 * HTTP and the stand-ins, seen only through public seams (the handler, the stand-ins' state and switches,
 * the function's log lines). After every scenario: no parameter of the rotation is left but the mirror,
 * AWSCURRENT holds the key Ringg accepts, and no key appears in any output.
 */

const NAME = 'ringg/interleavings';
const MIRROR_PREFIX = '/ringg-mirror';
/** The secret's customer key, the one that refuses. */
const SECRET_KEY = 'alias/ringg-team-secrets';
/** The rotation's own key for its parameters (ROTATION_PARAMETER_KMS_KEY_ID), which keeps working. */
const PARAMETER_KEY = 'alias/ringg-rotation-parameters';

let env: LocalEnvironment | undefined;
let logs: StdoutCapture | undefined;
let watch = new LeakWatch();
let savedEnv: NodeJS.ProcessEnv | undefined;
let client: SecretsManagerClient | undefined;

afterEach(async () => {
  client?.destroy();
  client = undefined;
  const e = env;
  env = undefined;
  await watch.stop(e, logs);
  logs = undefined;
  if (savedEnv) {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    savedEnv = undefined;
  }
  const leaks = watch.leaks().length;
  watch = new LeakWatch();
  expect(leaks, 'texts (log lines, step errors) that contain a key').toBe(0);
});

interface Setup {
  readonly e: LocalEnvironment;
  readonly sm: SecretsManagerClient;
  /** The secret's ARN, as the service sends it. */
  readonly secretId: string;
  readonly workspaceId: string;
  readonly initialKey: string;
}

/** The stand-ins and the handler module, and a JSON secret with rotation on, as the stack leaves it. */
async function setup(options: { env?: Record<string, string>; kmsKeyId?: string } = {}): Promise<Setup> {
  savedEnv = { ...process.env };
  ({ env, logs } = await startWithFreshHandler(options.env));
  const e = env;
  const sm = new SecretsManagerClient({ endpoint: e.endpoint });
  client = sm;
  const workspace = e.ringg.addWorkspace({ name: 'Interleavings' });
  const created = await sm.send(
    new CreateSecretCommand({
      Name: NAME,
      SecretString: JSON.stringify({ apiKey: workspace.key, team: 'ops' }),
      ...(options.kmsKeyId ? { KmsKeyId: options.kmsKeyId } : {}),
    }),
  );
  // The configuration test Secrets Manager runs when rotation is turned on (RotateImmediately=false).
  await sm.send(
    new RotateSecretCommand({
      SecretId: NAME,
      RotationLambdaARN: LOCAL_FUNCTION_ARN,
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediately: false,
    }),
  );
  await e.aws.settled();
  return { e, sm, secretId: created.ARN ?? NAME, workspaceId: workspace.id, initialKey: workspace.key };
}

function watchReport(report: RotationReport): RotationReport {
  for (const step of report.steps) if (step.error) watch.see(step.error.message, step.error.name);
  return report;
}

/** One whole-rotation attempt (or `attempts`) of the open rotation `token`, as the service makes it. */
async function attempt(
  s: Setup,
  token: string,
  deliver?: (event: RotationEventOut) => Promise<unknown>,
  attempts = 1,
): Promise<RotationReport> {
  return watchReport(
    await continueRotation(s.e.aws.secretsManager, s.secretId, token, deliver ?? s.e.invoke, {
      maxAttempts: attempts,
    }),
  );
}

/** The function's log lines, parsed. */
function logLines(): Record<string, unknown>[] {
  return (logs?.lines ?? []).flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** The errorCode of every step failure the function logged, in order; for one step when given. */
function errorCodes(step?: string): string[] {
  return logLines()
    .filter(
      (l) =>
        l.level === 'ERROR' && typeof l.errorCode === 'string' && (step === undefined || l.step === step),
    )
    .map((l) => String(l.errorCode));
}

/** The failed steps, with their error's name for the diagnosis. */
function failed(report: RotationReport): string[] {
  return report.steps.filter((r) => !r.ok).map((r) => `${r.attempt}:${r.step}:${r.error?.name}`);
}

function failedSteps(report: RotationReport): string[] {
  return report.steps.filter((r) => !r.ok).map((r) => `${r.attempt}:${r.step}`);
}

function secretValue(s: Setup, versionId: string | undefined): { apiKey?: unknown; team?: unknown } {
  const raw = versionId === undefined ? undefined : s.e.aws.secretsManager.valueOf(NAME, versionId);
  try {
    return raw === undefined ? {} : (JSON.parse(raw) as { apiKey?: unknown; team?: unknown });
  } catch {
    return {};
  }
}

function holderOf(s: Setup, stage: string): string | undefined {
  return Object.entries(s.e.aws.secretsManager.stagesOf(NAME)).find(([, stages]) =>
    stages.includes(stage),
  )?.[0];
}

/** Parameters left in Parameter Store, but the mirror of this secret when one is configured. */
function leftoverParameters(s: Setup, mirrored = false): string[] {
  return [...s.e.aws.ssm.parameters.keys()].filter(
    (name) => !(mirrored && name === `${MIRROR_PREFIX}/${NAME}`),
  );
}

/** Issue 17, item 7: what must hold once any scenario has ended. */
function expectEndState(s: Setup, mirrored = false): void {
  const current = holderOf(s, 'AWSCURRENT');
  expect
    .soft(
      secretValue(s, current).apiKey === s.e.ringg.liveKey(s.workspaceId),
      `AWSCURRENT (${current}) holds Ringg's live key`,
    )
    .toBe(true);
  expect.soft(leftoverParameters(s, mirrored), 'parameters of the rotation left behind').toEqual([]);
}

/** The names of the parameters whose value contains `key`, with their type and KMS key. */
function parametersHolding(s: Setup, key: string) {
  return [...s.e.aws.ssm.parameters]
    .filter(([, p]) => p.value.includes(key))
    .map(([name, p]) => ({ name, type: p.type, keyId: p.keyId }));
}

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('issue 17: a customer KMS key refuses the new key in setSecret', () => {
  for (const how of ['encrypt-denied', 'disabled'] as const) {
    it(`(${how} right after the PATCH) fails with kms-key-refused naming KMS and where the key is, parks it under the rotation's parameter key, and the retried rotation stores it`, async () => {
      const s = await setup({ env: { ROTATION_PARAMETER_KMS_KEY_ID: PARAMETER_KEY }, kmsKeyId: SECRET_KEY });
      const kms = s.e.aws.kms;
      s.e.ringg.onRegenerated = () => {
        kms.refuse(SECRET_KEY, how);
        s.e.ringg.onRegenerated = undefined;
      };
      const token = s.e.aws.secretsManager.beginRotation({ SecretId: s.secretId });

      const first = await attempt(s, token);
      expect(failedSteps(first), failed(first).join()).toEqual(['1:setSecret']);
      expect(errorCodes('setSecret')).toEqual(['kms-key-refused']);
      const live = s.e.ringg.liveKey(s.workspaceId);
      const parked = parametersHolding(s, live);
      expect(parked.length, 'parameters holding the new key').toBeGreaterThan(0);
      for (const p of parked) expect(p).toMatchObject({ type: 'SecureString', keyId: PARAMETER_KEY });
      const message = first.steps.find((r) => !r.ok)?.error?.message ?? '';
      expect(message).toContain('KMS');
      expect(message).toContain(SECRET_KEY);
      expect(message).toContain(parked[0]?.name);

      // A fresh container, the key still refusing: the next attempt knows where the key is.
      await s.e.restartFunction();
      const second = await attempt(s, token);
      expect(second.succeeded).toBe(false);
      expect(errorCodes()).not.toContain('new-key-lost');
      expect(new Set(errorCodes())).toEqual(new Set(['kms-key-refused']));

      kms.restore(SECRET_KEY);
      await s.e.restartFunction();
      const third = await attempt(s, token);
      expect(failed(third)).toEqual([]);
      expect(third.succeeded).toBe(true);
      expect(s.e.ringg.regenerations(s.workspaceId)).toBe(1);
      expect(holderOf(s, 'AWSCURRENT')).toBe(token);
      expect(errorCodes()).not.toContain('new-key-lost');
      expectEndState(s);
    });
  }
});

describe("issue 17: a person's PutSecretValue while setSecret proves the new key", () => {
  for (const wrote of ['the old, dead key', 'the live key'] as const) {
    it(`(${wrote}, one field changed) ends with AWSCURRENT on the live key and the person's field kept, no step failing`, async () => {
      const s = await setup();
      const sm = s.e.aws.secretsManager;
      const token = sm.beginRotation({ SecretId: s.secretId });
      let personVersion: string | undefined;
      const person = sm.onceBefore(
        'UpdateSecretVersionStage',
        () => {
          const apiKey = wrote === 'the live key' ? s.e.ringg.liveKey(s.workspaceId) : s.initialKey;
          personVersion = sm.putSecretValue({
            SecretId: s.secretId,
            SecretString: JSON.stringify({ apiKey, team: 'platform' }),
          }).VersionId;
        },
        (input: { VersionStage?: string; MoveToVersionId?: string }) =>
          input.VersionStage === 'AWSCURRENT' && input.MoveToVersionId === token,
      );

      const report = await attempt(s, token);
      expect(person.fired, 'the person wrote before setSecret moved AWSCURRENT').toBe(true);
      expect(sm.rotationEvents.filter((e) => e.type === 'RotationAbandoned').map((e) => e.versionId)).toEqual(
        [token],
      );
      expect(failed(report)).toEqual([]);
      const current = holderOf(s, 'AWSCURRENT');
      expect(secretValue(s, current).team, "the person's field change").toBe('platform');
      expect(s.e.ringg.regenerations(s.workspaceId)).toBe(1);
      if (wrote === 'the old, dead key') {
        const warnings = logLines().filter(
          (l) => l.level === 'WARN' && JSON.stringify(l).includes(personVersion ?? '?'),
        );
        expect(warnings.length, "a warning naming the person's version").toBeGreaterThan(0);
      }
      expectEndState(s);
    });
  }
});

describe('issue 17: an edit after the early promotion', () => {
  // Whether a new version abandons a rotation already promoted early is undocumented: both.
  for (const [before, abandons] of [
    ['testSecret', true],
    ['testSecret', false],
    ['finishSecret', true],
    ['finishSecret', false],
  ] as const) {
    it(`(written before ${before}, ${abandons ? 'abandoning' : 'not abandoning'} the promoted rotation) stays AWSCURRENT with its value unchanged; testSecret and finishSecret succeed`, async () => {
      const s = await setup({ env: { MIRROR_PARAMETER_PREFIX: MIRROR_PREFIX } });
      const sm = s.e.aws.secretsManager;
      sm.newVersionAbandonsPromotedRotation = abandons;
      const token = sm.beginRotation({ SecretId: s.secretId });
      let edit: { versionId: string; value: string } | undefined;
      let promotedEarly = false;
      const report = await attempt(s, token, async (event) => {
        if (event.Step === before && edit === undefined) {
          promotedEarly = holderOf(s, 'AWSCURRENT') === token;
          const value = JSON.stringify({ apiKey: s.e.ringg.liveKey(s.workspaceId), team: 'platform' });
          edit = {
            versionId: sm.putSecretValue({ SecretId: s.secretId, SecretString: value }).VersionId,
            value,
          };
        }
        return s.e.invoke(event);
      });
      expect(promotedEarly, 'setSecret promoted the new key').toBe(true);
      expect(edit).toBeDefined();
      expect(failed(report)).toEqual([]);
      expect(report.steps.map((r) => r.step)).toEqual([
        'createSecret',
        'setSecret',
        'testSecret',
        'finishSecret',
      ]);
      expect(holderOf(s, 'AWSCURRENT'), 'AWSCURRENT is still on the edit').toBe(edit?.versionId);
      expect(sm.valueAt(NAME, 'AWSCURRENT') === edit?.value, 'the edit is unchanged').toBe(true);
      expect(s.e.ringg.regenerations(s.workspaceId)).toBe(1);
      expectEndState(s, true);
    });
  }
});

describe('issue 17: a new RotateSecret accepted right after the early promotion', () => {
  it('the earlier testSecret, in flight, ends without failure and leaves nothing; the newer rotation completes', async () => {
    const s = await setup({ env: { RINGG_HEADERS_TIMEOUT_MS: '30000' } });
    const sm = s.e.aws.secretsManager;
    const first = sm.beginRotation({ SecretId: s.secretId });
    const newerRegenerated = deferred();
    const earlierDone = deferred();
    let second: string | undefined;
    let newer: Promise<RotationReport> | undefined;
    let heldWhileNewerRan = false;
    let promotedEarly = false;

    const deliverNewer = async (event: RotationEventOut) => {
      if (event.Step === 'testSecret') {
        newerRegenerated.resolve();
        await earlierDone.promise;
      }
      return s.e.invoke(event);
    };
    const deliverEarlier = async (event: RotationEventOut) => {
      if (event.Step !== 'testSecret') return s.e.invoke(event);
      promotedEarly = holderOf(s, 'AWSCURRENT') === first;
      const hold = s.e.ringg.holdNext('workspace-call');
      const running = s.e.invoke(event);
      const settled = running.then(
        () => {},
        () => {},
      );
      await Promise.race([hold.arrived, settled]);
      heldWhileNewerRan = hold.isHeld();
      try {
        if (!heldWhileNewerRan) hold.release();
        // Accepted: AWSPENDING sits on the AWSCURRENT version.
        second = sm.beginRotation({ SecretId: s.secretId });
        newer = continueRotation(sm, s.secretId, second, deliverNewer, { maxAttempts: 1 });
        void newer.finally(() => newerRegenerated.resolve());
        await newerRegenerated.promise;
      } finally {
        hold.release();
      }
      return running;
    };

    const earlier = watchReport(
      await continueRotation(sm, s.secretId, first, deliverEarlier, { maxAttempts: 1 }),
    );
    earlierDone.resolve();
    const later = watchReport(await (newer ?? Promise.reject(new Error('the newer rotation never started'))));

    expect(promotedEarly, 'the earlier setSecret promoted its key').toBe(true);
    expect(heldWhileNewerRan, "the earlier testSecret's Ringg check was in flight").toBe(true);
    expect(failed(earlier)).toEqual([]);
    expect(earlier.steps.map((r) => r.step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    expect(sm.rotationEvents.filter((e) => e.type === 'RotationFailed')).toEqual([]);
    expect(failed(later)).toEqual([]);
    expect(later.succeeded).toBe(true);
    expect(holderOf(s, 'AWSCURRENT')).toBe(second);
    expect(s.e.ringg.regenerations(s.workspaceId)).toBe(2);
    expectEndState(s);
  });
});

describe('issue 17: one stale label read right after a move, in each step', () => {
  type StaleRead = 'DescribeSecret' | 'GetSecretValue';
  const READS: readonly (readonly StaleRead[])[] = [
    ['DescribeSecret', 'GetSecretValue'],
    ['DescribeSecret'],
    ['GetSecretValue'],
  ];

  /** The next label read(s) of `reads` in the next delivery of `step` answer as before the last move. */
  function staleIn(s: Setup, step: RotationEventOut['Step'], reads: readonly StaleRead[]) {
    const served = { describe: false };
    const deliver = async (event: RotationEventOut) => {
      if (event.Step !== step || served.describe) return s.e.invoke(event);
      const sm = s.e.aws.secretsManager;
      for (const read of reads) sm.answerStaleLabels(read);
      try {
        return await s.e.invoke(event);
      } finally {
        served.describe = !reads.includes('DescribeSecret') || sm.staleReadsLeft('DescribeSecret') === 0;
        sm.clearFaults();
      }
    };
    return { deliver, served };
  }

  async function rotateCleanly(s: Setup): Promise<void> {
    const token = s.e.aws.secretsManager.beginRotation({ SecretId: s.secretId });
    const report = await attempt(s, token);
    expect(failed(report)).toEqual([]);
    expect(report.succeeded).toBe(true);
  }

  const CASES: readonly {
    step: RotationEventOut['Step'];
    when: string;
    /** Rotations completed before the one that reads stale labels. */
    before: number;
    never: string;
  }[] = [
    { step: 'testSecret', when: 'after setSecret moved AWSCURRENT', before: 0, never: 'new-key-rejected' },
    { step: 'finishSecret', when: 'after the early promotion', before: 0, never: 'new-key-rejected' },
    { step: 'createSecret', when: 'of the next rotation', before: 1, never: 'current-key-rejected' },
    { step: 'setSecret', when: 'of the next rotation', before: 1, never: 'current-key-rejected' },
  ];

  for (const c of CASES) {
    for (const reads of READS) {
      it(`${c.step} ${c.when}, stale ${reads.join(' + ')}: never ${c.never}, the rotation completes`, async () => {
        const s = await setup();
        for (let i = 0; i < c.before; i++) await rotateCleanly(s);
        const token = s.e.aws.secretsManager.beginRotation({ SecretId: s.secretId });
        const { deliver, served } = staleIn(s, c.step, reads);
        const report = await attempt(s, token, deliver);
        expect(served.describe, `${c.step} was answered with the stale labels`).toBe(true);
        expect(errorCodes()).not.toContain(c.never);
        expect(failed(report)).toEqual([]);
        expect(report.succeeded).toBe(true);
        expect(holderOf(s, 'AWSCURRENT')).toBe(token);
        expect(s.e.ringg.regenerations(s.workspaceId)).toBe(c.before + 1);
        expectEndState(s);
      });
    }
  }
});

describe('issue 17: calls per clean rotation, counted at the stand-ins', () => {
  it('at most 11 Secrets Manager (12 in the first rotation, which tags the workspace), 6 SSM and 4 Ringg calls (one PATCH)', async () => {
    const s = await setup();
    const counts: { sm: number; ssm: number; ringg: number; patches: number }[] = [];
    const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
    for (let i = 0; i < 3; i++) {
      const smBefore = total(s.e.aws.secretsManager.calls) - (s.e.aws.secretsManager.calls.RotateSecret ?? 0);
      const ssmBefore = total(s.e.aws.ssm.calls);
      const ringgBefore = s.e.ringg.events.length;
      const out = await s.sm.send(new RotateSecretCommand({ SecretId: NAME }));
      const report = watchReport((await s.e.aws.rotations.get(out.VersionId ?? '')) as RotationReport);
      expect(failed(report)).toEqual([]);
      expect(report.succeeded).toBe(true);
      const ringg = s.e.ringg.events.slice(ringgBefore).filter((e) => e.kind !== 'regenerated');
      counts.push({
        sm: total(s.e.aws.secretsManager.calls) - (s.e.aws.secretsManager.calls.RotateSecret ?? 0) - smBefore,
        ssm: total(s.e.aws.ssm.calls) - ssmBefore,
        ringg: ringg.length,
        patches: ringg.filter((e) => e.kind === 'regenerate-call').length,
      });
    }
    const summary = JSON.stringify(counts);
    for (const [i, c] of counts.entries()) {
      expect
        .soft(c.sm, `Secrets Manager calls per rotation ${summary}`)
        .toBeLessThanOrEqual(i === 0 ? 12 : 11);
      expect.soft(c.ssm, `SSM calls per rotation ${summary}`).toBeLessThanOrEqual(6);
      expect.soft(c.ringg, `Ringg calls per rotation ${summary}`).toBeLessThanOrEqual(4);
      expect.soft(c.patches, `PATCHes per rotation ${summary}`).toBe(1);
    }
    expectEndState(s);
  });
});
