import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../../dev/local-environment.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import { LeakWatch } from '../support/leak-watch.js';
import { startWithFreshHandler } from '../support/local.js';
import { runCli } from '../support/run-cli.js';

/** `ringg-rotate resume` against the stand-ins: the real function invoked through Lambda's Invoke API. */
const SECRET = 'ringg/resume';
let env: LocalEnvironment | undefined;
let functionLogs: StdoutCapture | undefined;
const watch = new LeakWatch();

afterEach(async () => {
  await watch.stop(env, functionLogs);
  env = undefined;
});

afterAll(() => {
  expect(watch.keys.size).toBeGreaterThan(2);
  expect(watch.leaks()).toEqual([]);
});

async function cli(args: string[]) {
  const result = await runCli(args);
  watch.see(result.stdout, result.stderr);
  return result;
}

/** A secret whose rotation failed in setSecret (Ringg answered 403) and is left open, as the service leaves it. */
async function stuckRotation() {
  ({ env, logs: functionLogs } = await startWithFreshHandler());
  const e = env;
  const workspace = e.ringg.addWorkspace({ name: 'Resume' });
  const sm = new SecretsManagerClient({});
  await sm.send(
    new CreateSecretCommand({ Name: SECRET, SecretString: JSON.stringify({ apiKey: workspace.key }) }),
  );
  await sm.send(
    new RotateSecretCommand({
      SecretId: SECRET,
      RotationLambdaARN: LOCAL_FUNCTION_ARN,
      RotateImmediately: false,
    }),
  );
  await e.aws.settled();
  e.ringg.inject('regenerate-403', 100);
  expect((await cli(['rotate', '--secret-id', SECRET])).code).toBe(1);
  await e.aws.settled(); // the service's own attempts are over
  sm.destroy();
  const stages = e.aws.secretsManager.stagesOf(SECRET);
  const token = Object.keys(stages).find((v) => stages[v]?.includes('AWSPENDING')) ?? '';
  const arn = e.aws.secretsManager.describeSecret({ SecretId: SECRET }).ARN;
  return { e, workspace, token, arn };
}

const stepsInvoked = (e: LocalEnvironment) => (e.aws.lambda?.invocations ?? []).map((event) => event.Step);

describe('ringg-rotate resume', () => {
  it('finishes a stuck rotation: every step, in order, with the event Secrets Manager sends', async () => {
    const { e, workspace, token, arn } = await stuckRotation();
    e.ringg.clearFaults(); // the cause is fixed

    const result = await cli(['resume', '--secret-id', SECRET]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Resumed ${SECRET}: version ${token} is AWSCURRENT; createSecret, setSecret, testSecret, finishSecret done.\n`,
    );
    expect(result.stderr).toContain(
      `Resuming the rotation of ${SECRET}, version ${token}, with ${LOCAL_FUNCTION_ARN}:`,
    );
    expect(result.stderr).toMatch(/^ {2}setSecret done \(\d+\.\d s\)$/m);
    expect(e.aws.lambda?.invocations).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((Step) => ({
        Step,
        SecretId: arn,
        ClientRequestToken: token,
      })),
    );
    expect(e.aws.secretsManager.stagesOf(SECRET)[token]).toContain('AWSCURRENT');
    const live = e.ringg.liveKey(workspace.id);
    expect(live).not.toBe(workspace.key);
    expect(JSON.parse(e.aws.secretsManager.valueAt(SECRET, 'AWSCURRENT') ?? '{}').apiKey).toBe(live);
    expect(e.ringg.regenerations(workspace.id)).toBe(1); // by the function, once; never by the CLI

    const status = await cli(['status', '--secret-id', SECRET, '--check']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Stuck        no');
  });

  it('stops at the first failing step with its error and advice, and invokes nothing after it', async () => {
    const { e, workspace } = await stuckRotation();
    const before = stepsInvoked(e).length;

    const result = await cli(['resume', '--secret-id', SECRET, '--output', 'json']);

    expect(result.code).toBe(1);
    expect(stepsInvoked(e).slice(before)).toEqual(['createSecret', 'setSecret']);
    expect(result.stderr).toMatch(
      /^resume STOPPED at setSecret: permission-denied: .*may not manage API keys.* testSecret, finishSecret not invoked\.$/m,
    );
    expect(result.stderr).toMatch(/^What to do: Ringg answered 403/m);
    expect(JSON.parse(result.stdout)).toMatchObject({
      command: 'resume',
      result: 'failed',
      steps: [
        { step: 'createSecret', result: 'succeeded' },
        { step: 'setSecret', result: 'failed', error: { code: 'permission-denied' } },
      ],
      error: { code: 'permission-denied' },
      advice: expect.stringMatching(/^Ringg answered 403/),
    });
    expect(e.ringg.liveKey(workspace.id)).toBe(workspace.key);
  });

  it('refuses when no rotation is open, invoking nothing', async () => {
    const { e } = await stuckRotation();
    e.ringg.clearFaults();
    expect((await cli(['resume', '--secret-id', SECRET])).code).toBe(0);
    const invoked = stepsInvoked(e).length;

    const again = await cli(['resume', '--secret-id', SECRET]);

    expect(again.code).toBe(3);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /^Refused: No rotation of ringg\/resume is open \(AWSPENDING is on version [0-9a-f-]{36}, which is already AWSCURRENT\); rotate starts a new one\. Nothing was invoked\.$/m,
    );
    expect(stepsInvoked(e).length).toBe(invoked);
  });

  it("refuses a --function that does not rotate the secret, and accepts the secret's own by name", async () => {
    const { e } = await stuckRotation();
    const other = await cli(['resume', '--secret-id', SECRET, '--function', 'someone-elses-rotation']);
    expect(other.code).toBe(3);
    expect(other.stderr).toContain(`is rotated by ${LOCAL_FUNCTION_ARN}, not by someone-elses-rotation.`);
    expect(stepsInvoked(e)).toEqual([]);

    e.ringg.clearFaults();
    const own = await cli(['resume', '--secret-id', SECRET, '--function', 'ringg-key-rotation-local']);
    expect(own.code).toBe(0);
  });

  it('an unknown secret is a configuration problem, as for every command', async () => {
    ({ env, logs: functionLogs } = await startWithFreshHandler());
    const result = await cli(['resume', '--secret-id', 'ringg/nope']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^Configuration problem: Secrets Manager has no secret "ringg\/nope"/);
  });
});
