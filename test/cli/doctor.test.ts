import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { fingerprint } from '../../common/fingerprint.js';
import { FAILURE_TAG_KEY, failureTagValue, WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../../dev/local-environment.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import { LeakWatch } from '../support/leak-watch.js';
import { startWithFreshHandler } from '../support/local.js';
import { runCli } from '../support/run-cli.js';

const FUNCTION_NAME = 'ringg-key-rotation-local';
const OTHER_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:someone-elses-rotation';
/** What doctor may call: Secrets Manager and SSM reads, and Ringg's GET /workspace. */
const SM_READS = ['DescribeSecret', 'GetSecretValue', 'ListSecretVersionIds', 'ListSecrets'];

let env: LocalEnvironment | undefined;
let functionLogs: StdoutCapture | undefined;
const watch = new LeakWatch();
let seeded: string[] = [];

async function start(): Promise<LocalEnvironment> {
  ({ env, logs: functionLogs } = await startWithFreshHandler());
  seeded = [];
  return env;
}

afterEach(async () => {
  vi.unstubAllEnvs();
  await watch.stop(env, functionLogs);
  env = undefined;
});

afterAll(() => {
  expect(watch.keys.size).toBeGreaterThan(20);
  expect(watch.leaks()).toEqual([]);
});

interface Seeded {
  readonly name: string;
  readonly workspaceId: string;
  readonly key: string;
}

/**
 * A secret as the stack leaves it: a JSON value with its workspace's key, rotation on with the local
 * function, tagged with its workspace as the function's first rotation does. Options change one thing.
 */
function seed(
  name: string,
  options: {
    key?: string;
    workspaceId?: string;
    tag?: string | null;
    fn?: string | null;
    value?: string;
  } = {},
): Seeded {
  const e = env;
  if (!e) throw new Error('not started');
  const workspace =
    options.key && options.workspaceId
      ? { id: options.workspaceId, key: options.key }
      : e.ringg.addWorkspace({ name });
  const sm = e.aws.secretsManager;
  sm.createSecret({
    Name: name,
    SecretString: options.value ?? JSON.stringify({ apiKey: workspace.key, team: name }),
  });
  if (options.fn !== null) sm.enableRotation(name, options.fn ?? LOCAL_FUNCTION_ARN);
  const tag = options.tag === undefined ? workspace.id : options.tag;
  if (tag !== null) sm.tagResource({ SecretId: name, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: tag }] });
  seeded.push(name);
  return { name, workspaceId: workspace.id, key: workspace.key };
}

/** Everything doctor could change: each secret's description (labels, tags, rotation), values, parameters. */
function world(e: LocalEnvironment) {
  const sm = e.aws.secretsManager;
  return JSON.stringify({
    secrets: seeded.map((name) => ({
      described: sm.describeSecret({ SecretId: name }),
      values: Object.keys(sm.stagesOf(name)).map((version) => sm.valueOf(name, version)),
    })),
    parameters: [...e.aws.ssm.parameters.entries()],
  });
}

/**
 * Runs doctor and proves it only read: no Secrets Manager or SSM write, no Ringg request but
 * GET /workspace, no regenerate, and nothing in the stand-ins' state changed.
 */
async function doctor(args: string[]) {
  const e = env;
  if (!e) throw new Error('not started');
  const before = {
    sm: { ...e.aws.secretsManager.calls },
    ssm: { ...e.aws.ssm.calls },
    ringg: e.ringg.events.length,
    world: world(e),
  };
  const result = await runCli(['doctor', ...args], { maxSleepMs: 20 });
  watch.see(result.stdout, result.stderr);
  const grew = (now: Record<string, number>, then: Record<string, number>) =>
    Object.keys(now).filter((op) => (now[op] ?? 0) > (then[op] ?? 0));
  expect(grew(e.aws.secretsManager.calls, before.sm).filter((op) => !SM_READS.includes(op))).toEqual([]);
  expect(grew(e.aws.ssm.calls, before.ssm).filter((op) => op !== 'GetParameter')).toEqual([]);
  expect(e.ringg.events.slice(before.ringg).filter((ev) => ev.kind !== 'workspace-call')).toEqual([]);
  expect(e.ringg.regenerations()).toBe(0);
  expect(world(e)).toBe(before.world);
  return result;
}

const ids = (...secrets: Seeded[]) => secrets.flatMap((s) => ['--secret-id', s.name]);
const row = (name: string, ready: 'yes' | 'NO', findings: string) =>
  new RegExp(`^${name.replace(/\//g, '\\/')}\\s+${ready}\\s+${findings}(\\s|$)`, 'm');

describe('ringg-rotate doctor', () => {
  it('a healthy secret is ready: exit 0, one table row, only reads', async () => {
    await start();
    const s = seed('ringg/healthy');
    const result = await doctor(ids(s));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SECRET\s+READY\s+FINDINGS\s+NOT CHECKED$/m);
    expect(result.stdout).toMatch(row(s.name, 'yes', '-\\s+key-manage-permission'));
    expect(result.stdout).not.toContain('What to do');
    expect(result.stdout).toContain('Every secret is ready (1 of 1). Exit 0.');
    expect(result.stderr).toBe('Checking 1 secret...\n');

    const json = await doctor([...ids(s), '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      command: 'doctor',
      ready: true,
      exitCode: 0,
      secrets: [
        {
          secretId: s.name,
          name: s.name,
          ready: true,
          workspaceId: s.workspaceId,
          findings: [],
          notChecked: [{ check: 'key-manage-permission', reason: expect.stringContaining('never asks') }],
        },
      ],
    });
    expect((await doctor([...ids(s), '--output', 'json'])).stdout).toBe(json.stdout);
  });

  it('a dead key: current-key-rejected with its fingerprint and the recovery command, exit 1', async () => {
    const e = await start();
    const s = seed('ringg/dead');
    e.ringg.regenerateInDashboard(s.workspaceId); // changed outside Secrets Manager
    const result = await doctor(ids(s));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(row(s.name, 'NO', 'current-key-rejected'));
    expect(result.stdout).toContain(
      `current-key-rejected: Ringg rejects the AWSCURRENT key ${fingerprint(s.key)} of ringg/dead (HTTP 401)`,
    );
    expect(result.stdout).toContain('then store it with ringg-rotate recover --secret-id ringg/dead.');
    expect(result.stdout).toContain('0 of 1 secrets ready; 1 needs action. Exit 1.');
  });

  it('rotation off, no rotation function, or another function than --function: rotation-disabled', async () => {
    const e = await start();
    const off = seed('ringg/off');
    e.aws.secretsManager.disableRotation(off.name);
    const none = seed('ringg/none', { fn: null });
    const other = seed('ringg/other', { fn: OTHER_FUNCTION_ARN });
    const ok = seed('ringg/ok');
    const result = await doctor([...ids(off, none, other, ok), '--function', FUNCTION_NAME]);
    expect(result.code).toBe(1);
    for (const s of [off, none, other]) expect(result.stdout).toMatch(row(s.name, 'NO', 'rotation-disabled'));
    expect(result.stdout).toMatch(row(ok.name, 'yes', '-'));
    expect(result.stdout).toContain('Rotation is turned off on ringg/off');
    expect(result.stdout).toContain('ringg/none has no rotation function');
    expect(result.stdout).toContain(
      `ringg/other is rotated by ${OTHER_FUNCTION_ARN}, not by ${FUNCTION_NAME}`,
    );
    // Without --function, a secret rotated by another function is not doctor's to judge.
    expect((await doctor(ids(other))).code).toBe(0);
  });

  it('an open rotation: rotation-stuck, since its version was created, its last failure, and how to resume', async () => {
    const e = await start();
    const s = seed('ringg/stuck');
    const sm = e.aws.secretsManager;
    const token = sm.beginRotation({ SecretId: s.name });
    // What the function leaves when a step of that rotation failed: its failure tag.
    sm.tagResource({
      SecretId: s.name,
      Tags: [
        {
          Key: FAILURE_TAG_KEY,
          Value: failureTagValue({
            code: 'ringg-unavailable',
            step: 'setSecret',
            retryable: true,
            token,
            at: '2026-05-01T10:00:04.000Z',
          }),
        },
      ],
    });
    const created = sm
      .listSecretVersionIds({ SecretId: s.name })
      .Versions.find((v) => v.VersionId === token)
      ?.CreatedDate.toISOString();

    const result = await doctor(ids(s));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(row(s.name, 'NO', 'rotation-stuck'));
    expect(result.stdout).toContain(
      `AWSPENDING is on version ${token} (created ${created}), not on AWSCURRENT`,
    );
    expect(result.stdout).toContain(
      'its last attempt failed in setSecret at 2026-05-01T10:00:04.000Z with ringg-unavailable (Secrets Manager retries)',
    );
    expect(result.stdout).toContain('resume it: ringg-rotate resume --secret-id ringg/stuck');
  });

  it('a dead AWSCURRENT with the live key in the open rotation: resume, never regenerate', async () => {
    const e = await start();
    const s = seed('ringg/half-done');
    const sm = e.aws.secretsManager;
    const token = sm.beginRotation({ SecretId: s.name });
    const live = e.ringg.regenerateInDashboard(s.workspaceId);
    sm.putSecretValue({
      SecretId: s.name,
      ClientRequestToken: token,
      SecretString: JSON.stringify({ apiKey: live, team: s.name }),
      VersionStages: ['AWSPENDING'],
    });
    const result = await doctor(ids(s));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(row(s.name, 'NO', 'rotation-stuck, current-key-rejected'));
    expect(result.stdout).toContain(
      `Do not regenerate: the open rotation's AWSPENDING version ${token} holds key ${fingerprint(live)}, which Ringg accepts. Finish the rotation with it: ringg-rotate resume --secret-id ringg/half-done.`,
    );
    expect(result.stdout).not.toContain('regenerate the key in the Ringg dashboard');
  });

  it('two secrets holding one workspace are both reported, and a copy tagged elsewhere in the account', async () => {
    const e = await start();
    const a = seed('ringg/team-a');
    const copy = seed('ringg/team-a-copy', { key: a.key, workspaceId: a.workspaceId, tag: null });
    const tagged = seed('eu/team-a', { key: a.key, workspaceId: a.workspaceId });
    // Tag filters match by prefix: this one comes back from ListSecrets, and is not a holder.
    const prefix = seed('ringg/decoy', { tag: `${a.workspaceId}0` });
    const lone = seed('ringg/lone');
    const result = await doctor(ids(a, copy, lone));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(row(a.name, 'NO', 'workspace-shared'));
    expect(result.stdout).toMatch(row(copy.name, 'NO', 'workspace-shared'));
    expect(result.stdout).toMatch(row(lone.name, 'yes', '-'));
    const print = fingerprint(a.key);
    expect(result.stdout).toContain(
      `workspace-shared: Ringg workspace ${a.workspaceId} is also held by ${tagged.name} (tagged ${WORKSPACE_TAG_KEY} with it, not checked here), ${copy.name} (checked here: Ringg accepts its key ${print}). A workspace has one live key`,
    );
    expect(result.stdout).toContain(
      `is also held by ${tagged.name} (tagged ${WORKSPACE_TAG_KEY} with it, not checked here), ${a.name} (checked here: Ringg accepts its key ${print})`,
    );
    expect(result.stdout).not.toContain(prefix.name);
    expect(e.aws.secretsManager.calls.ListSecrets).toBe(3); // one lookup per secret with a known workspace
  });

  it('a tag that disagrees with Ringg: workspace-mismatch, with both ways out', async () => {
    const e = await start();
    const elsewhere = e.ringg.addWorkspace({ name: 'Another team' });
    const s = seed('ringg/moved', { tag: elsewhere.id });
    const result = await doctor(ids(s));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(row(s.name, 'NO', 'workspace-mismatch'));
    expect(result.stdout).toContain(
      `belongs to Ringg workspace ${s.workspaceId}, but the secret's tag ${WORKSPACE_TAG_KEY} says ${elsewhere.id}`,
    );
    expect(result.stdout).toContain(
      `aws secretsmanager tag-resource --secret-id ringg/moved --tags Key=${WORKSPACE_TAG_KEY},Value=${s.workspaceId}`,
    );
  });

  it('a value the function cannot parse, and one too large for the new key', async () => {
    await start();
    const invalid = seed('ringg/invalid', { value: '{"apiKey": 42}', tag: null });
    const big = seed('ringg/big');
    const key = big.key;
    env?.aws.secretsManager.putSecretValue({
      SecretId: big.name,
      SecretString: JSON.stringify({ apiKey: key, notes: 'x'.repeat(65_000) }),
    });
    const result = await doctor(ids(invalid, big));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(row(invalid.name, 'NO', 'invalid-secret-value'));
    expect(result.stdout).toContain('its "apiKey" field is not a string');
    expect(result.stdout).toMatch(row(big.name, 'NO', 'secret-too-large'));
    expect(result.stdout).toMatch(/could reach 6\d{4} bytes with the longest key/);
  });

  it("with the CI role's permissions, what it may not read is not checked and leaves exit 0", async () => {
    const e = await start();
    const s = seed('ringg/ci-view');
    const denied = (operation: 'GetSecretValue' | 'ListSecrets') =>
      e.aws.secretsManager.injectFault({
        operation,
        times: 1_000,
        error: new AwsServiceError('AccessDeniedException', `User is not authorized to perform ${operation}`),
      });
    denied('GetSecretValue');
    denied('ListSecrets');
    const result = await doctor([...ids(s), '--json']);
    expect(result.code).toBe(0);
    const [entry] = JSON.parse(result.stdout).secrets;
    expect(entry).toMatchObject({ ready: true, findings: [], workspaceId: s.workspaceId });
    expect(entry.notChecked.map((n: { check: string }) => n.check)).toEqual([
      'secret-value',
      'current-key',
      'workspace-holders',
    ]);
    expect(entry.notChecked[0].reason).toContain("the stack's CI role may not, by design");
    expect(e.ringg.events).toEqual([]); // no key was read, so Ringg was not asked

    // Findings that need no value are still found, and decide the exit code.
    const stuck = seed('ringg/ci-stuck');
    e.aws.secretsManager.beginRotation({ SecretId: stuck.name });
    const both = await doctor(ids(s, stuck));
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(row(s.name, 'yes', '-\\s+secret-value, current-key, workspace-holders'));
    expect(both.stdout).toMatch(row(stuck.name, 'NO', 'rotation-stuck'));
    expect(both.stdout).toContain('Not checked (not findings; the exit code does not count them):');

    const all = await doctor(['--all', '--function', FUNCTION_NAME]);
    expect(all.code).toBe(78);
    expect(all.stderr).toContain(
      'Configuration problem: These credentials may not list the secrets (ListSecrets',
    );
    expect(all.stdout).toBe('');
  });

  it('Ringg not answering is not checked, never a finding', async () => {
    const e = await start();
    const s = seed('ringg/ringg-down');
    e.ringg.inject('workspace-500', 100);
    const result = await doctor([...ids(s), '--json']);
    expect(result.code).toBe(0);
    const [entry] = JSON.parse(result.stdout).secrets;
    expect(entry.notChecked).toEqual([
      { check: 'current-key', reason: expect.stringContaining('Ringg did not answer usefully') },
    ]);
  });

  it('--all --output json: one document over a mix of healthy and broken secrets, by name', async () => {
    const e = await start();
    const healthy = seed('ringg/b-healthy');
    const dead = seed('ringg/a-dead');
    e.ringg.regenerateInDashboard(dead.workspaceId);
    const off = seed('ringg/c-off');
    e.aws.secretsManager.disableRotation(off.name);
    seed('other/not-ours', { fn: OTHER_FUNCTION_ARN });
    seed('plain/no-rotation', { fn: null });
    const result = await doctor(['--all', '--function', FUNCTION_NAME, '--output', 'json']);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({
      command: 'doctor',
      function: FUNCTION_NAME,
      listed: 5,
      ready: false,
      exitCode: 1,
    });
    const sm = e.aws.secretsManager;
    expect(
      parsed.secrets.map(
        (entry: { secretId: string; name: string; ready: boolean; findings: { code: string }[] }) => [
          entry.secretId,
          entry.name,
          entry.ready,
          entry.findings.map((f) => f.code),
        ],
      ),
    ).toEqual([
      [sm.arnOf(dead.name), dead.name, false, ['current-key-rejected']],
      [sm.arnOf(healthy.name), healthy.name, true, []],
      [sm.arnOf(off.name), off.name, false, ['rotation-disabled']],
    ]);
    for (const entry of parsed.secrets) {
      for (const finding of entry.findings) expect(Object.keys(finding)).toEqual(['code', 'message']);
    }
  });

  it('a secret that does not exist is a finding of its own; the others are still checked', async () => {
    await start();
    const s = seed('ringg/real');
    const result = await doctor([...ids(s), '--secret-id', 'ringg/typo']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(row('ringg/typo', 'NO', 'secret-not-found'));
    expect(result.stdout).toContain(
      'Secrets Manager has no secret "ringg/typo" in us-east-1 of this account.',
    );
    expect(result.stdout).toMatch(row(s.name, 'yes', '-'));
  });

  it('--markdown-summary appends the table for a CI job summary', async () => {
    const e = await start();
    const s = seed('ringg/summary-ok');
    const dead = seed('ringg/summary-dead');
    e.ringg.regenerateInDashboard(dead.workspaceId);
    const dir = mkdtempSync(join(tmpdir(), 'ringg-doctor-'));
    try {
      const file = join(dir, 'summary.md');
      const result = await doctor([...ids(s, dead), '--markdown-summary', file]);
      expect(result.code).toBe(1);
      const markdown = readFileSync(file, 'utf8');
      watch.see(markdown);
      expect(markdown).toContain('### Ringg key rotation doctor: 1 of 2 ready');
      expect(markdown).toContain('| `ringg/summary-ok` | yes | - |  | key-manage-permission |');
      expect(markdown).toContain(
        '| `ringg/summary-dead` | **no** | current-key-rejected | current-key-rejected: Ringg rejects',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the doctor command line', () => {
  it.each([
    [[], /doctor needs --secret-id <name or ARN> \(repeatable\) or --all --function/],
    [['--all'], /--all needs --function <name or ARN>/],
    [['--all', '--function', 'f', '--secret-id', 'a'], /either --all or --secret-id, not both/],
    [['--secret-id', 'a', '--output', 'yaml'], /--output "yaml" is not one of text, json/],
    [['--secret-id', 'a', '--json', '--output', 'text'], /contradict each other/],
    [['--secret-id', 'a', '--dry-run'], /--dry-run does not apply to doctor/],
  ])('doctor %j is a usage error (exit 64)', async (args, message) => {
    const result = await runCli(['doctor', ...args]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('doctor --help prints its own help, with every finding code', async () => {
    const result = await runCli(['doctor', '--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('ringg-rotate doctor --secret-id');
    for (const code of [
      'rotation-disabled',
      'rotation-stuck',
      'current-key-rejected',
      'workspace-mismatch',
      'workspace-shared',
      'secret-too-large',
    ]) {
      expect(result.stdout).toContain(code);
    }
    expect((await runCli(['--help'])).stdout).toMatch(/^ {2}doctor\b/m);
  });

  it('no AWS region is a configuration problem: exit 78, nothing checked', async () => {
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) vi.stubEnv(name, undefined);
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/ringg-test/config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/ringg-test/credentials');
    const result = await runCli(['doctor', '--secret-id', 'ringg/x', '--json']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/Configuration problem: No AWS region is set .*Nothing was changed\./);
    expect(JSON.parse(result.stdout)).toMatchObject({
      command: 'doctor',
      result: 'configuration-error',
      error: { code: 'no-region' },
    });
  });
});
