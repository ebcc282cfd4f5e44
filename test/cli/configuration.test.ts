import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configurationProblem } from '../../cli/aws-setup.js';
import type { CliContext } from '../../cli/context.js';
import type { CliIo } from '../../cli/io.js';
import { run } from '../../cli/main.js';
import type { LocalEnvironment } from '../../dev/local-environment.js';
import { startWithFreshHandler } from '../support/local.js';

const VERSION = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
let env: LocalEnvironment | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  await env?.stop();
  env = undefined;
});

async function cli(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: { write: (t: string) => stdout.push(t), isTTY: false },
    stderr: { write: (t: string) => stderr.push(t) },
    stdin: Readable.from([]),
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
    now: Date.now,
  };
  const code = await run(args, io);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** An AWS setup with nothing configured: no region, no credentials, no profile, no instance metadata. */
function stubNoAws(overrides: Record<string, string> = {}) {
  for (const name of [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/ringg-test/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/ringg-test/credentials');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  for (const [name, value] of Object.entries(overrides)) vi.stubEnv(name, value);
}

describe('--version', () => {
  it.each([['--version'], ['-v']])('%s prints the package version and needs no AWS setup', async (flag) => {
    stubNoAws();
    expect(await cli([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('takes no arguments', async () => {
    const result = await cli(['--version', '--json']);
    expect(result.code).toBe(64);
  });
});

describe('configuration problems exit 78 with a hint, distinct from a failed rotation (1)', () => {
  it('no region', async () => {
    stubNoAws();
    const result = await cli(['rotate', '--secret-id', 'ringg/prod']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(
      /^Configuration problem: No AWS region is set \(no --region, AWS_REGION or AWS_DEFAULT_REGION, and profile "default" has none\)\. Nothing was changed\.\nHint: Give the region of the secret with --region/,
    );
    expect(result.stdout).toBe('');
  });

  it('no credentials', async () => {
    stubNoAws({ AWS_REGION: 'eu-west-1' });
    const result = await cli(['status', '--secret-id', 'ringg/prod', '--json']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/No AWS credentials were found/);
    expect(JSON.parse(result.stdout)).toMatchObject({
      command: 'status',
      result: 'configuration-error',
      error: { code: 'no-credentials', hint: expect.stringMatching(/aws sso login/) },
    });
  });

  it('a bad environment variable, before any AWS call', async () => {
    stubNoAws({ AWS_REGION: 'eu-west-1', RINGG_BASE_URL: 'http://ringg.example.com' });
    const result = await cli(['status', '--secret-id', 'ringg/prod']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/RINGG_BASE_URL/);
    expect(result.stderr).toMatch(/Hint: Fix or unset that environment variable/);
  });

  it('an unknown secret, for every command, before recover asks for a key', async () => {
    ({ env } = await startWithFreshHandler());
    for (const command of ['rotate', 'status', 'recover']) {
      const result = await cli([command, '--secret-id', 'ringg/nope']);
      expect(result.code, command).toBe(78);
      expect(result.stderr).toMatch(
        /Secrets Manager has no secret "ringg\/nope" in us-east-1 of this account\. Nothing was changed\.\nHint: Check --secret-id/,
      );
    }
    expect(env.aws.secretsManager.calls.RotateSecret ?? 0).toBe(0);
  });

  it('a secret that exists passes the check and the command runs', async () => {
    ({ env } = await startWithFreshHandler());
    const workspace = env.ringg.addWorkspace({ name: 'Configured' });
    await new SecretsManagerClient({}).send(
      new CreateSecretCommand({ Name: 'ringg/configured', SecretString: workspace.key }),
    );
    const result = await cli(['status', '--secret-id', 'ringg/configured']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Secret {7}ringg\/configured/);
  });
});

describe('which errors are configuration problems', () => {
  const ctx = {
    sm: { config: { region: async () => 'eu-west-1' } },
    aws: { region: 'eu-west-1', regionFrom: 'AWS_REGION', profile: undefined, profileFrom: 'default' },
  } as unknown as CliContext;
  const named = (name: string, message = 'x', extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(message), { name, ...extra });

  it.each([
    [named('Error', 'Region is missing'), 'no-region'],
    [
      named('Error', 'Region not accepted: region="eu west 1" is not a valid hostname component.'),
      'invalid-region',
    ],
    [named('CredentialsProviderError', 'Could not load credentials from any providers'), 'no-credentials'],
    [
      named('ExpiredTokenException', 'The security token included in the request is expired'),
      'invalid-credentials',
    ],
    [named('UnrecognizedClientException'), 'invalid-credentials'],
    [
      named('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
      'unknown-secret',
    ],
    [
      named('AccessDeniedException', 'not authorized to perform: secretsmanager:DescribeSecret'),
      'access-denied',
    ],
    [named('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), 'aws-unreachable'],
  ])('%s → %s', async (error, code) => {
    const problem = await configurationProblem(error, ctx, 'ringg/prod');
    expect(problem?.code).toBe(code);
    expect(problem?.hint).toMatch(/\w/);
  });

  it.each([
    named('InternalServiceError', 'Injected failure'),
    named('ThrottlingException', 'Rate exceeded'),
    new Error('something else'),
  ])('%s is not one: the command reports it as a failure', async (error) => {
    expect(await configurationProblem(error, ctx, 'ringg/prod')).toBeUndefined();
  });
});
