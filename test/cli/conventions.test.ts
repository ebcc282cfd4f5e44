import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../cli/commands.js';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../../dev/local-environment.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import { LeakWatch } from '../support/leak-watch.js';
import { startWithFreshHandler } from '../support/local.js';
import { runCli } from '../support/run-cli.js';

/**
 * The AWS CLI's conventions, as a user checks them: exit codes, which stream says what, --output,
 * per-command help, and --region/--profile with the AWS CLI's precedence.
 */
const SECRET = 'ringg/conventions';
let env: LocalEnvironment | undefined;
let functionLogs: StdoutCapture | undefined;
const watch = new LeakWatch();
const awsDir = mkdtempSync(join(tmpdir(), 'ringg-aws-config-'));

afterEach(async () => {
  vi.unstubAllEnvs();
  await watch.stop(env, functionLogs);
  env = undefined;
});

afterAll(() => {
  rmSync(awsDir, { recursive: true, force: true });
  expect(watch.leaks()).toEqual([]);
});

async function cli(args: string[]) {
  const result = await runCli(args);
  watch.see(result.stdout, result.stderr);
  return result;
}

async function start() {
  ({ env, logs: functionLogs } = await startWithFreshHandler());
  const workspace = env.ringg.addWorkspace({ name: 'Conventions' });
  const sm = new SecretsManagerClient({});
  await sm.send(new CreateSecretCommand({ Name: SECRET, SecretString: workspace.key }));
  await sm.send(
    new RotateSecretCommand({
      SecretId: SECRET,
      RotationLambdaARN: LOCAL_FUNCTION_ARN,
      RotateImmediately: false,
    }),
  );
  await env.aws.settled();
  sm.destroy();
  return env;
}

describe('--output', () => {
  it('json prints one JSON object on stdout; --json is the same', async () => {
    await start();
    for (const flags of [['--output', 'json'], ['--output=json'], ['--json']]) {
      const result = await cli(['status', '--secret-id', SECRET, ...flags]);
      expect(result.code, flags.join(' ')).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ command: 'status', name: SECRET, stuck: null });
      expect(result.stderr).toBe('');
    }
  });

  it('text is the default', async () => {
    await start();
    const text = await cli(['status', '--secret-id', SECRET, '--output', 'text']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Secret {7}ringg\/conventions$/m);
    expect((await cli(['status', '--secret-id', SECRET])).stdout).toBe(text.stdout);
  });

  it.each([
    [['--output', 'yaml'], '--output "yaml" is not one of text, json.'],
    [['--output', 'table'], '--output "table" is not one of text, json.'],
    [['--json', '--output', 'text'], '--json and --output text contradict each other'],
  ])('%j is refused with exit 64, naming the allowed values', async (flags, message) => {
    const result = await cli(['status', '--secret-id', SECRET, ...flags]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});

describe('stdout for results, stderr for diagnostics', () => {
  it('rotate: the rotated key on stdout; the start and the progress on stderr', async () => {
    await start();
    const result = await cli(['rotate', '--secret-id', SECRET]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Rotated ringg\/conventions in [\d.]+ s: version [0-9a-f-]{36} is AWSCURRENT/,
    );
    expect(result.stdout).not.toContain('started');
    expect(result.stderr).toMatch(/^Rotation of ringg\/conventions started: version [0-9a-f-]{36}$/m);
  });

  it('a refusal goes to stderr, and with --output json the object still says it on stdout', async () => {
    const e = await start();
    e.aws.secretsManager.beginRotation({ SecretId: SECRET });
    const result = await cli(['rotate', '--secret-id', SECRET, '--output', 'json']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^Refused: a previous rotation of ringg\/conventions is not complete/);
    expect(JSON.parse(result.stdout)).toMatchObject({
      result: 'refused',
      error: { code: 'previous-rotation-incomplete' },
    });
  });

  it('a usage error goes to stderr only', async () => {
    const result = await cli(['status']);
    expect(result).toEqual({
      code: 64,
      stdout: '',
      stderr: 'status needs --secret-id <name or ARN>. (ringg-rotate status --help)\n',
    });
  });
});

describe('status exits non-zero when something needs attention', () => {
  it('a stuck rotation: exit 1, what to do on stderr, the report on stdout', async () => {
    const e = await start();
    e.ringg.inject('regenerate-403', 10);
    expect((await cli(['rotate', '--secret-id', SECRET])).code).toBe(1);
    await e.aws.settled();

    const result = await cli(['status', '--secret-id', SECRET]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^STUCK {8}a rotation is not complete/m);
    expect(result.stderr).toMatch(
      /^Needs attention: A rotation of ringg\/conventions is not complete: AWSPENDING is on version [0-9a-f-]{36}, last error permission-denied in setSecret: Ringg answered 403.* To finish it now: ringg-rotate resume --secret-id ringg\/conventions$/m,
    );
    const json = await cli(['status', '--secret-id', SECRET, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).attention).toEqual([
      { code: 'rotation-stuck', message: expect.stringContaining('ringg-rotate resume') },
    ]);
  });

  it('nothing stuck and the key accepted: exit 0 and nothing on stderr', async () => {
    await start();
    const result = await cli(['status', '--secret-id', SECRET, '--check']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Key check    Ringg accepts AWSCURRENT');
  });
});

describe('help and version', () => {
  it.each([['-V'], ['-v'], ['--version']])('%s prints the version alone on stdout', async (flag) => {
    const result = await cli([flag]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(result.stderr).toBe('');
  });

  it.each(COMMANDS.map((command) => [command.name]))(
    '%s --help prints that command’s help, not the global one',
    async (name) => {
      for (const args of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
        [name, '--secret-id', 'x', '--bogus', '--help'],
      ]) {
        const result = await cli(args);
        expect(result.code, args.join(' ')).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`^ringg-rotate ${name}: `));
        expect(result.stdout).toContain(`  ringg-rotate ${name} --secret-id`);
        for (const other of COMMANDS.filter((command) => command.name !== name)) {
          expect(result.stdout).not.toContain(`  ringg-rotate ${other.name} --secret-id`);
        }
      }
    },
  );

  it("each command's help shows its own options, --region and --profile, and its exit codes", async () => {
    const resume = (await cli(['resume', '--help'])).stdout;
    for (const flag of [
      '--secret-id <name|arn>',
      '--function <name|arn>',
      '--region <region>',
      '--profile <name>',
      '--output text|json',
    ]) {
      expect(resume).toContain(flag);
    }
    expect(resume).not.toContain('--parallel');
    expect(resume).toMatch(/^ {2}130 +interrupted/m);
    expect(resume).not.toMatch(/^ {2}2 +rotate timed out/m); // resume never waits for Secrets Manager
    const rotate = (await cli(['rotate', '--help'])).stdout;
    expect(rotate).toContain('--parallel <n>');
    expect(rotate).toMatch(/^ {2}2 +rotate timed out/m);
  });

  it('the global help lists every command with its summary', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of COMMANDS)
      expect(result.stdout).toMatch(new RegExp(`^ {2}${command.name} +\\w`, 'm'));
    expect((await cli([])).stdout).toBe(result.stdout);
  });
});

describe('--region and --profile, with the AWS CLI’s precedence', () => {
  // The stand-in answers any region; its refusal names the region the CLI used.
  const regionUsed = async (args: string[]) => {
    const result = await cli(['status', '--secret-id', 'ringg/nope', ...args]);
    expect(result.code).toBe(78);
    return /no secret "ringg\/nope" in (\S+) of this account/.exec(result.stderr)?.[1];
  };

  function profiles() {
    const config = join(awsDir, 'config');
    const credentials = join(awsDir, 'credentials');
    writeFileSync(
      config,
      '[profile ringg-a]\nregion = ap-south-1\n\n[profile ringg-b]\nregion = sa-east-1\n\n[profile no-keys]\nregion = eu-north-1\n',
    );
    writeFileSync(
      credentials,
      '[ringg-a]\naws_access_key_id = profile-a\naws_secret_access_key = profile-a\n\n[ringg-b]\naws_access_key_id = profile-b\naws_secret_access_key = profile-b\n',
    );
    vi.stubEnv('AWS_CONFIG_FILE', config);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', credentials);
  }

  it('--region, then AWS_REGION, then AWS_DEFAULT_REGION', async () => {
    await start();
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_DEFAULT_REGION', 'eu-central-1');
    expect(await regionUsed(['--region', 'eu-west-3'])).toBe('eu-west-3');
    expect(await regionUsed(['--region=eu-west-3'])).toBe('eu-west-3');
    expect(await regionUsed([])).toBe('eu-west-1');
    vi.stubEnv('AWS_REGION', undefined);
    expect(await regionUsed([])).toBe('eu-central-1');
  });

  it("then the profile's region; --profile before AWS_PROFILE", async () => {
    await start();
    profiles();
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_PROFILE', 'ringg-a');
    expect(await regionUsed([])).toBe('ap-south-1');
    expect(await regionUsed(['--profile', 'ringg-b'])).toBe('sa-east-1');
    expect(await regionUsed(['--profile', 'ringg-b', '--region', 'us-west-2'])).toBe('us-west-2');
    vi.stubEnv('AWS_DEFAULT_REGION', 'eu-central-1');
    expect(await regionUsed(['--profile', 'ringg-b'])).toBe('eu-central-1');
  });

  it("uses the profile's credentials: a profile without any is a configuration problem naming it", async () => {
    await start();
    profiles();
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const works = await cli([
      'status',
      '--secret-id',
      SECRET,
      '--profile',
      'ringg-a',
      '--region',
      'us-east-1',
    ]);
    expect(works.code).toBe(0);
    const none = await cli(['status', '--secret-id', SECRET, '--profile', 'no-keys']);
    expect(none.code).toBe(78);
    expect(none.stderr).toMatch(
      /^Configuration problem: No AWS credentials were found for profile "no-keys" \(--profile\)/,
    );
    expect(none.stderr).toContain('aws sso login --profile no-keys');
  });

  it('--profile wins over credentials in the environment, without the SDK’s warning that both are set', async () => {
    await start();
    profiles();
    // The stand-ins' environment has AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set.
    const result = await cli([
      'status',
      '--secret-id',
      SECRET,
      '--profile',
      'ringg-b',
      '--region',
      'us-east-1',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it.each([
    [['--region', ''], '--region needs a Region code such as eu-west-1.'],
    [['--region', 'eu west 1'], '--region "eu west 1" is not a Region code such as eu-west-1.'],
    [['--profile', ''], '--profile needs the name of a profile'],
  ])('%j is a usage error', async (flags, message) => {
    const result = await cli(['status', '--secret-id', SECRET, ...flags]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(message);
  });

  it('the options may come before the command, as with the AWS CLI', async () => {
    await start();
    const result = await cli([
      '--region',
      'ca-central-1',
      '--output',
      'json',
      'status',
      '--secret-id',
      'ringg/nope',
    ]);
    expect(result.code).toBe(78);
    expect(JSON.parse(result.stdout)).toMatchObject({
      result: 'configuration-error',
      error: { code: 'unknown-secret' },
    });
    expect(result.stderr).toContain('in ca-central-1 of this account');
  });
});
