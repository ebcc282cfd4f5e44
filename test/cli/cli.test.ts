import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../common/fingerprint.js';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../../dev/local-environment.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import { LeakWatch } from '../support/leak-watch.js';
import { startWithFreshHandler } from '../support/local.js';
import { runCli } from '../support/run-cli.js';

const SECRET = 'ringg/cli';
let env: LocalEnvironment | undefined;
let functionLogs: StdoutCapture | undefined;
const watch = new LeakWatch();

async function start(extraEnv?: Record<string, string>) {
  ({ env, logs: functionLogs } = await startWithFreshHandler(extraEnv));
  const sm = new SecretsManagerClient({});
  const workspace = env.ringg.addWorkspace({ name: 'CLI workspace' });
  await sm.send(
    new CreateSecretCommand({
      Name: SECRET,
      SecretString: JSON.stringify({ apiKey: workspace.key, owner: 'ops' }),
    }),
  );
  // Rotation is configured once, as the CDK stack does; a configuration test runs and changes nothing.
  await sm.send(
    new RotateSecretCommand({
      SecretId: SECRET,
      RotationLambdaARN: LOCAL_FUNCTION_ARN,
      RotateImmediately: false,
    }),
  );
  await env.aws.settled();
  return { env, sm, workspace };
}

afterEach(async () => {
  await watch.stop(env, functionLogs);
  env = undefined;
});

afterAll(() => {
  expect(watch.keys.size).toBeGreaterThan(5);
  expect(watch.leaks()).toEqual([]);
});

async function cli(args: string[], options: { input?: string; tty?: boolean } = {}) {
  const result = await runCli(args, options);
  watch.see(result.stdout, result.stderr);
  return result;
}

async function labels(sm: SecretsManagerClient) {
  return (await sm.send(new DescribeSecretCommand({ SecretId: SECRET }))).VersionIdsToStages;
}

describe('ringg-rotate rotate', () => {
  it('rotates, waits, checks the new key with Ringg and prints only its fingerprint', async () => {
    const { env: e, workspace } = await start();
    const result = await cli(['rotate', '--secret-id', SECRET]);
    expect(result.code).toBe(0);
    const live = e.ringg.liveKey(workspace.id);
    expect(live).not.toBe(workspace.key);
    expect(result.stdout).toContain(`key ${fingerprint(live)}`);
    expect(result.stdout).toContain('Ringg accepts the new key (GET /workspace 200).');
    expect(result.stdout).not.toContain('\r');
  });

  it('--json prints one result object for CI', async () => {
    const { env: e, workspace } = await start();
    const result = await cli(['rotate', '--secret-id', SECRET, '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({
      command: 'rotate',
      result: 'rotated',
      key: { fingerprint: fingerprint(e.ringg.liveKey(workspace.id)), verified: true },
      workspaceId: workspace.id,
    });
  });

  it('shows progress on one updating line on a terminal', async () => {
    const { env: e } = await start();
    e.ringg.newKeyDelayMs = 600;
    const result = await cli(['rotate', '--secret-id', SECRET], { tty: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('\r\u001b[2Krotating ringg/cli: ');
    expect(result.stdout).not.toContain('rotating ringg/cli');
  });

  it("a person's write during the proof, merged by the function with the live key: rotated, not abandoned", async () => {
    const { env: e, sm, workspace } = await start();
    const model = e.aws.secretsManager;
    const person = model.onceBefore(
      'UpdateSecretVersionStage',
      () => {
        model.putSecretValue({
          SecretId: SECRET,
          SecretString: JSON.stringify({ apiKey: workspace.key, owner: 'platform' }),
        });
      },
      (input: { VersionStage?: string }) => input.VersionStage === 'AWSCURRENT',
    );
    const result = await cli(['rotate', '--secret-id', SECRET, '--json']);
    expect(person.fired).toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const live = e.ringg.liveKey(workspace.id);
    expect(live).not.toBe(workspace.key);
    expect(JSON.parse(result.stdout)).toMatchObject({
      result: 'rotated',
      key: { fingerprint: fingerprint(live), verified: true },
    });
    const current = await sm.send(new GetSecretValueCommand({ SecretId: SECRET }));
    expect(JSON.parse(current.SecretString ?? '{}')).toEqual({ apiKey: live, owner: 'platform' });
  });

  it('a failed rotation exits 1 with the journal’s error', async () => {
    const { env: e, workspace } = await start();
    e.ringg.inject('regenerate-403', 10);
    const result = await cli(['rotate', '--secret-id', SECRET, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      result: 'failed',
      step: 'setSecret',
      error: { code: 'permission-denied', message: expect.stringMatching(/may not manage API keys/) },
    });
    expect(e.ringg.liveKey(workspace.id)).toBe(workspace.key);
  });

  it('refuses while a previous rotation is stuck, says what that means and what to run', async () => {
    const { env: e } = await start();
    e.ringg.inject('regenerate-403', 10);
    await cli(['rotate', '--secret-id', SECRET]);
    const result = await cli(['rotate', '--secret-id', SECRET]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /Refused: a previous rotation of ringg\/cli is not complete \(AWSPENDING is on version [0-9a-f-]+ since /,
    );
    expect(result.stderr).toContain('Its last error: permission-denied in setSecret.');
    expect(result.stderr).toContain('Secrets Manager will reattempt that rotation itself');
    expect(result.stderr).toContain(
      'Next: ringg-rotate status --secret-id ringg/cli, then ringg-rotate resume --secret-id ringg/cli',
    );
  });

  it('times out with exit 2 when the rotation does not finish in time', async () => {
    const { env: e } = await start({ RINGG_HEADERS_TIMEOUT_MS: '300', RINGG_BODY_TIMEOUT_MS: '300' });
    e.ringg.inject('hang', 1_000);
    const result = await cli(['rotate', '--secret-id', SECRET, '--timeout', '1', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ result: 'timed-out' });
    e.ringg.clearFaults();
  });

  it('--no-wait returns once the rotation is accepted', async () => {
    await start();
    const result = await cli(['rotate', '--secret-id', SECRET, '--no-wait', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ result: 'started', token: expect.any(String) });
  });
});

describe('ringg-rotate status', () => {
  it('shows the labels, the schedule, the workspace, no failure, and that nothing is stuck', async () => {
    const { env: e, workspace } = await start();
    await cli(['rotate', '--secret-id', SECRET]);
    const result = await cli(['status', '--secret-id', SECRET, '--check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/AWSCURRENT {3}[0-9a-f-]{36}/);
    expect(result.stdout).toMatch(/AWSPREVIOUS {2}[0-9a-f-]{36}/);
    expect(result.stdout).toContain('Stuck        no');
    expect(result.stdout).toContain('Last failure none since the last finished rotation');
    expect(result.stdout).toContain(`Workspace    ${workspace.id}`);
    expect(result.stdout).toContain(
      `Ringg accepts AWSCURRENT (key ${fingerprint(e.ringg.liveKey(workspace.id))}`,
    );
    expect(result.stdout).toMatch(/Last rotated 20\d\d-/);
  });

  it('shows a stuck rotation with its last error, and --check exits 4 when Ringg rejects the key', async () => {
    const { env: e } = await start();
    e.ringg.inject('regenerate-500-after');
    expect((await cli(['rotate', '--secret-id', SECRET])).code).toBe(1);
    const result = await cli(['status', '--secret-id', SECRET, '--check', '--json']);
    expect(result.code).toBe(4);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.stuck).toMatchObject({ versionId: expect.any(String), since: expect.any(String) });
    expect(parsed.lastFailure).toMatchObject({
      code: 'new-key-lost',
      retryable: false,
      token: parsed.stuck.versionId,
    });
    expect(parsed.key).toMatchObject({ verified: false, kind: 'rejected', status: 401 });
  });
});

describe('ringg-rotate recover', () => {
  it('stores a key regenerated in the dashboard as AWSCURRENT, keeping the format, and clears the stuck rotation', async () => {
    const { env: e, sm, workspace } = await start();
    e.ringg.inject('regenerate-500-after');
    await cli(['rotate', '--secret-id', SECRET]);
    const fresh = e.ringg.regenerateInDashboard(workspace.id);

    const before = await labels(sm);
    const dry = await cli(['recover', '--secret-id', SECRET, '--dry-run'], { input: `${fresh}\n` });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run, nothing written.');
    expect(dry.stdout).toContain('keeping the fields owner');
    expect(dry.stdout).toMatch(/end the unfinished rotation on version/);
    expect(await labels(sm)).toEqual(before);

    const result = await cli(['recover', '--secret-id', SECRET, '--json'], { input: `${fresh}\n` });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      result: 'recovered',
      stuck: null,
      key: { fingerprint: fingerprint(fresh), workspaceId: workspace.id },
    });
    const check = await cli(['status', '--secret-id', SECRET, '--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('Stuck        no');
    expect((await cli(['rotate', '--secret-id', SECRET])).code).toBe(0);
  });

  it('refuses a key Ringg rejects, and a key of another workspace, writing nothing', async () => {
    const { env: e, sm } = await start();
    await cli(['rotate', '--secret-id', SECRET]);
    const before = await labels(sm);
    const rejected = await cli(['recover', '--secret-id', SECRET], {
      input: 'f0f0f0f0-0000-4000-8000-000000000000\n',
    });
    expect(rejected.code).toBe(4);
    expect(rejected.stderr).toMatch(/Refused: Ringg rejects key sha256:[0-9a-f]{8} \(HTTP 401\)/);
    const other = e.ringg.addWorkspace({ name: 'Another' });
    const wrong = await cli(['recover', '--secret-id', SECRET], { input: other.key });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(new RegExp(`belongs to Ringg workspace ${other.id}`));
    const empty = await cli(['recover', '--secret-id', SECRET], { input: '' });
    expect(empty.code).toBe(3);
    expect(await labels(sm)).toEqual(before);
  });

  it('for a secret with no workspace recorded yet, needs --workspace-id and stores only a key of that workspace', async () => {
    const { env: e, sm } = await start();
    const mine = e.ringg.addWorkspace({ name: 'Mine' });
    const theirs = e.ringg.addWorkspace({ name: 'Someone else' });
    await sm.send(new CreateSecretCommand({ Name: 'ringg/untagged', SecretString: 'dead-key-0000' }));
    const untagged = ['recover', '--secret-id', 'ringg/untagged'];
    const read = async () =>
      (await sm.send(new GetSecretValueCommand({ SecretId: 'ringg/untagged' }))).SecretString;

    const unknown = await cli(untagged, { input: `${theirs.key}\n` });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/records no Ringg workspace yet .* Run again with --workspace-id <id>/);
    const wrong = await cli([...untagged, '--workspace-id', mine.id], { input: `${theirs.key}\n` });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(
      new RegExp(
        `belongs to Ringg workspace ${theirs.id}, but ringg/untagged holds the key of workspace ${mine.id}`,
      ),
    );
    expect(await read()).toBe('dead-key-0000');

    const right = await cli([...untagged, '--workspace-id', mine.id], { input: `${mine.key}\n` });
    expect(right.code).toBe(0);
    expect(await read()).toBe(mine.key);
  });
});

describe('the command line', () => {
  it.each([
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['rotate'], /rotate needs --secret-id/],
    [['rotate', '--secret-id', 'x', '--check'], /--check does not apply to rotate/],
    [['rotate', '--secret-id', 'x', '--timeout', '0'], /--timeout "0" must be a whole number/],
    [['status', '--secret-id', 'x', '--bogus'], /Unknown option '--bogus'/],
  ])('%j is a usage error (exit 64)', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
  });

  it('--help lists every command, the common options and every exit code, on stdout', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const word of [
      'rotate',
      'status',
      'resume',
      'recover',
      '--output',
      '--json',
      '--region',
      '--profile',
    ]) {
      expect(result.stdout).toContain(word);
    }
    for (const code of ['0', '1', '2', '3', '4', '64', '78', '130'])
      expect(result.stdout).toMatch(new RegExp(`^  ${code} +\\w`, 'm'));
  });
});
