import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import type { AllowedSecretsList } from '../../common/allowed-secrets-file.js';
import { parseSecretValue } from '../../common/secret-value.js';
import { DEMO_FAULTS } from '../../dev/demo-faults.js';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../../dev/local-environment.js';
import type { RotationReport, StepReport } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import { SDK_MAX_ATTEMPTS } from '../../lambda/adapters/aws-call.js';
import { startWithFreshHandler } from '../support/local.js';

/**
 * The real handler module, loaded fresh with the environment of each test, driven by RotateSecret
 * through the real SDK over HTTP against the stand-ins.
 */
let env: LocalEnvironment | undefined;
let capture: StdoutCapture | undefined;

async function start(extraEnv?: Record<string, string>, allowedSecrets?: AllowedSecretsList) {
  ({ env, logs: capture } = await startWithFreshHandler(extraEnv, allowedSecrets));
  return { env, sm: new SecretsManagerClient({}) };
}

afterEach(async () => {
  await env?.stop();
  capture?.restore();
  if (env && capture) {
    const keys = env.ringg.issuedKeys;
    expect(capture.lines.length).toBeGreaterThan(0);
    expect(capture.lines.filter((line) => keys.some((key) => line.includes(key)))).toEqual([]);
  }
  env = undefined;
  capture = undefined;
});

async function seed(e: LocalEnvironment, sm: SecretsManagerClient, name: string) {
  const workspace = e.ringg.addWorkspace({ name });
  await sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify({ apiKey: workspace.key, team: 'ops' }),
    }),
  );
  return workspace;
}

async function rotate(e: LocalEnvironment, sm: SecretsManagerClient, name: string, immediately = true) {
  const out = await sm.send(
    new RotateSecretCommand({
      SecretId: name,
      RotationLambdaARN: LOCAL_FUNCTION_ARN,
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediately: immediately,
    }),
  );
  await e.aws.settled();
  return out.VersionId;
}

async function state(sm: SecretsManagerClient, name: string) {
  const labels = (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
  const holder = (stage: string) => Object.entries(labels).find(([, s]) => s.includes(stage))?.[0];
  const value = parseSecretValue((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString);
  return {
    current: holder('AWSCURRENT'),
    previous: holder('AWSPREVIOUS'),
    pending: holder('AWSPENDING'),
    key: value.ok ? value.value.apiKey : undefined,
  };
}

describe('end to end over HTTP', () => {
  it('a clean rotation through RotateSecret', async () => {
    const { env: e, sm } = await start();
    const ws = await seed(e, sm, 'ringg/e2e');
    const before = await state(sm, 'ringg/e2e');
    const token = await rotate(e, sm, 'ringg/e2e');
    const after = await state(sm, 'ringg/e2e');
    expect(after).toEqual({
      current: token,
      previous: before.current,
      pending: undefined,
      key: e.ringg.liveKey(ws.id),
    });
    expect(e.ringg.regenerations(ws.id)).toBe(1);
    expect(after.key).not.toBe(ws.key);
  });

  for (const [name, fault] of Object.entries(DEMO_FAULTS)) {
    it(`fault ${name}: ${fault.expect === 'rotated' ? 'rotates anyway' : `stops with ${fault.expect}`}`, async () => {
      const { env: e, sm } = await start(fault.env);
      const ws = await seed(e, sm, 'ringg/e2e');
      const before = await state(sm, 'ringg/e2e');
      fault.setup(e, ws.id);
      const liveAtStart = e.ringg.liveKey(ws.id);
      const token = await rotate(e, sm, 'ringg/e2e');
      const report = (await e.aws.rotations.get(token ?? '')) as RotationReport;
      const after = await state(sm, 'ringg/e2e');
      expect(e.ringg.regenerations(ws.id)).toBe(fault.regenerations);
      if (fault.expect === 'rotated') {
        expect(report.succeeded).toBe(true);
        // AWSCURRENT moved in the step the fault allows: setSecret, the moment the key was proven.
        const promoting = capture?.lines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l.promotion === 'promoted')
          .map((l) => l.step);
        expect(promoting).toEqual([fault.promotedIn ?? 'setSecret']);
        expect(after).toEqual({
          current: token,
          previous: before.current,
          pending: undefined,
          key: e.ringg.liveKey(ws.id),
        });
        // The rotation ended: its record is gone, and no failure tag is left for `status` to show.
        expect([...e.aws.ssm.parameters.keys()].filter((n) => n.includes('/rotation/'))).toEqual([]);
        const tags = (await sm.send(new DescribeSecretCommand({ SecretId: 'ringg/e2e' }))).Tags ?? [];
        expect(tags.map((t) => t.Key)).not.toContain('ringg-rotation:last-failure');
      } else {
        expect(report.succeeded).toBe(false);
        const failures = report.steps.filter((s) => !s.ok);
        expect(failures.length).toBeGreaterThan(0);
        expect(capture?.lines.some((l) => l.includes(`"errorCode":"${fault.expect}"`))).toBe(true);
        expect(after.current).toBe(before.current);
        expect(after.pending).toBe(token);
        if (fault.regenerations === 0) expect(e.ringg.liveKey(ws.id)).toBe(liveAtStart);
      }
    });
  }

  it('retries the whole rotation with the same token after a failed step', async () => {
    const { env: e, sm } = await start();
    const ws = await seed(e, sm, 'ringg/e2e');
    e.ringg.inject('workspace-500', 3);
    const token = await rotate(e, sm, 'ringg/e2e');
    const report = (await e.aws.rotations.get(token ?? '')) as RotationReport;
    expect(report.steps.map((s) => `${s.attempt}:${s.step}:${s.ok}`)).toEqual([
      '1:createSecret:false',
      '2:createSecret:true',
      '2:setSecret:true',
      '2:testSecret:true',
      '2:finishSecret:true',
    ]);
    expect((await state(sm, 'ringg/e2e')).key).toBe(e.ringg.liveKey(ws.id));
    expect(e.ringg.regenerations(ws.id)).toBe(1);
  });

  it("rides out a burst of Parameter Store throttling inside the step (past the SDK's own retries, bounded by the deadline)", async () => {
    const { env: e, sm } = await start();
    const ws = await seed(e, sm, 'ringg/e2e');
    const throttled = () => new AwsServiceError('ThrottlingException', 'Rate exceeded', 400);
    // Twice the SDK's attempts in a row, on the record's create (setSecret) and on its listing before the
    // clean-up (finishSecret); then two 500s on the create, which the SDK's own retries ride out.
    e.aws.ssm.injectFault({
      operation: 'PutParameter',
      times: 2 * SDK_MAX_ATTEMPTS,
      nameContains: '/rotation/',
      error: throttled(),
    });
    e.aws.ssm.injectFault({ operation: 'PutParameter', times: 2, nameContains: '/rotation/' });
    e.aws.ssm.injectFault({
      operation: 'GetParametersByPath',
      times: 2 * SDK_MAX_ATTEMPTS,
      nameContains: '/rotation',
      error: throttled(),
    });
    const token = await rotate(e, sm, 'ringg/e2e');
    const report = (await e.aws.rotations.get(token ?? '')) as RotationReport;
    expect(report.steps.map((s) => `${s.attempt}:${s.step}:${s.ok}`)).toEqual([
      '1:createSecret:true',
      '1:setSecret:true',
      '1:testSecret:true',
      '1:finishSecret:true',
    ]);
    expect((await state(sm, 'ringg/e2e')).key).toBe(e.ringg.liveKey(ws.id));
    expect(e.ringg.regenerations(ws.id)).toBe(1);
    expect(e.aws.ssm.calls.PutParameter).toBeGreaterThan(2 * SDK_MAX_ATTEMPTS + 2);
    expect([...e.aws.ssm.parameters.keys()].filter((n) => n.includes('/rotation/'))).toEqual([]);
  });

  it('rotates two secrets at once, each with its own workspace', async () => {
    const { env: e, sm } = await start();
    const a = await seed(e, sm, 'ringg/a');
    const b = await seed(e, sm, 'ringg/b');
    await Promise.all([rotate(e, sm, 'ringg/a'), rotate(e, sm, 'ringg/b')]);
    expect((await state(sm, 'ringg/a')).key).toBe(e.ringg.liveKey(a.id));
    expect((await state(sm, 'ringg/b')).key).toBe(e.ringg.liveKey(b.id));
    expect([e.ringg.regenerations(a.id), e.ringg.regenerations(b.id)]).toEqual([1, 1]);
  });

  it('refuses a secret bound to the function that its deployment does not name, before reading it; the listed one rotates', async () => {
    const { env: e, sm } = await start(undefined, { arns: [], names: ['ringg/listed'] });
    const listed = await seed(e, sm, 'ringg/listed');
    const bound = await seed(e, sm, 'ringg/bound-by-someone-else');
    const before = await state(sm, 'ringg/bound-by-someone-else');
    const reads = () => e.aws.secretsManager.calls.GetSecretValue ?? 0;
    const readsBefore = reads();
    await rotate(e, sm, 'ringg/bound-by-someone-else');
    expect(reads()).toBe(readsBefore);
    const refused = [...e.aws.rotations.values()];
    const reports = (await Promise.all(refused)) as RotationReport[];
    const failed = reports.flatMap((r) => ('steps' in r ? r.steps : [r])).filter((step) => !step.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const step of failed) {
      expect(step.error?.name).toBe('SecretNotAllowedError');
      expect(step.error?.message).toMatch(
        /Secret "ringg\/bound-by-someone-else" \(arn:aws:secretsmanager:[^)]+:secret:ringg\/bound-by-someone-else-\w{6}\) is not one of the secrets this function's deployment names.*nothing was read or changed.*add it to the construct's `secrets`/,
      );
    }
    expect(e.ringg.regenerations(bound.id)).toBe(0);
    expect(e.ringg.events.filter((event) => event.workspaceId === bound.id)).toEqual([]);
    const after = await state(sm, 'ringg/bound-by-someone-else');
    expect({ current: after.current, key: after.key }).toEqual({ current: before.current, key: bound.key });
    expect([...e.aws.ssm.parameters.keys()].filter((n) => n.includes('bound-by-someone-else'))).toEqual([]);
    expect(capture?.lines.some((line) => /"errorCode":"secret-not-allowed"/.test(line))).toBe(true);

    await rotate(e, sm, 'ringg/listed');
    expect((await state(sm, 'ringg/listed')).key).toBe(e.ringg.liveKey(listed.id));
    expect(e.ringg.regenerations(listed.id)).toBe(1);
  });

  it('RotateImmediately=false runs only the configuration test and changes nothing', async () => {
    const { env: e, sm } = await start();
    const ws = await seed(e, sm, 'ringg/e2e');
    const before = await state(sm, 'ringg/e2e');
    await rotate(e, sm, 'ringg/e2e', false);
    const [test] = (await Promise.all(e.aws.rotations.values())) as StepReport[];
    expect(test).toMatchObject({ step: 'testSecret', ok: true });
    expect(await state(sm, 'ringg/e2e')).toEqual(before);
    expect(e.ringg.regenerations(ws.id)).toBe(0);
    expect(e.ringg.calls('regenerate-call')).toBe(0);
  });

  it('refuses a new rotation while one is unfinished, with the service’s message', async () => {
    const { env: e, sm } = await start();
    const ws = await seed(e, sm, 'ringg/e2e');
    e.ringg.inject('regenerate-403', 10);
    await rotate(e, sm, 'ringg/e2e');
    await expect(rotate(e, sm, 'ringg/e2e')).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: "A previous rotation isn't complete. That rotation will be reattempted.",
    });
    expect(e.ringg.liveKey(ws.id)).toBe(ws.key);
  });
});
