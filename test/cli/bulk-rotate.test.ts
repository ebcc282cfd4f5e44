import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../common/fingerprint.js';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../../dev/local-environment.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import { RateLimit } from '../../dev/throttle.js';
import { LeakWatch } from '../support/leak-watch.js';
import { startWithFreshHandler } from '../support/local.js';
import { runCli } from '../support/run-cli.js';

const ESC = String.fromCharCode(27);
const FUNCTION_NAME = 'ringg-key-rotation-local';
const OTHER_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:someone-elses-rotation';
/** Ringg answers 429 above this many requests per rolling second. */
const RINGG_RATE = 20;
/** Regenerates answered 429 (Retry-After: 1) before any other, on every machine. */
// Fewer than one regenerate's attempts (3), so that the forced 429s alone never fail a step.
const FORCED_429S = 2;

let env: LocalEnvironment | undefined;
let functionLogs: StdoutCapture | undefined;
const watch = new LeakWatch();

interface Seeded {
  readonly name: string;
  readonly workspaceId: string;
  readonly key: string;
}

/**
 * The stand-ins with `count` secrets named ringg/bulk-NN, each holding the key of its own Ringg
 * workspace and rotated by the local function, as the stack configures them.
 */
async function start(
  count: number,
  functionEnv: Record<string, string> = {},
): Promise<{ env: LocalEnvironment; secrets: Seeded[] }> {
  ({ env, logs: functionLogs } = await startWithFreshHandler(functionEnv));
  const secrets = Array.from({ length: count }, (_, i) =>
    seed(`ringg/bulk-${String(i + 1).padStart(2, '0')}`, LOCAL_FUNCTION_ARN),
  );
  return { env, secrets };
}

function seed(name: string, functionArn: string | undefined, canManageKeys = true): Seeded {
  if (!env) throw new Error('not started');
  const workspace = env.ringg.addWorkspace({ name, canManageKeys });
  const sm = env.aws.secretsManager;
  sm.createSecret({ Name: name, SecretString: JSON.stringify({ apiKey: workspace.key, team: name }) });
  if (functionArn) sm.enableRotation(name, functionArn);
  return { name, workspaceId: workspace.id, key: workspace.key };
}

afterEach(async () => {
  await watch.stop(env, functionLogs);
  env = undefined;
});

afterAll(() => {
  expect(watch.keys.size).toBeGreaterThan(40);
  expect(watch.leaks()).toEqual([]);
});

/** Waits are cut to 200 ms, as the function's Retry-After is, so the CLI's checks meet the same limit. */
async function cli(args: string[], options: { tty?: boolean } = {}) {
  const result = await runCli(args, { ...options, maxSleepMs: 200 });
  watch.see(result.stdout, result.stderr);
  return result;
}

const ids = (secrets: Seeded[]) => secrets.flatMap((s) => ['--secret-id', s.name]);
const currentKey = (e: LocalEnvironment, name: string) =>
  JSON.parse(e.aws.secretsManager.valueAt(name, 'AWSCURRENT') ?? '{}').apiKey as string;
const rateLimited = (e: LocalEnvironment) => e.ringg.events.filter((ev) => ev.status === 429).length;

describe('ringg-rotate rotate with many secrets', () => {
  it('rotates twenty secrets, four at a time, against a rate-limited Ringg; the summary table says so', async () => {
    const { env: e, secrets } = await start(20);
    e.ringg.rateLimit = new RateLimit(RINGG_RATE);
    // Whether the rate limit is reached depends on the machine's speed; these 429s do not.
    e.ringg.inject('regenerate-429', FORCED_429S);
    const result = await cli(['rotate', ...ids(secrets), '--parallel', '4', '--timeout', '15']);

    expect(result.code).toBe(0);
    for (const s of secrets) {
      const live = e.ringg.liveKey(s.workspaceId);
      expect(live).not.toBe(s.key);
      expect(currentKey(e, s.name)).toBe(live);
      expect(e.ringg.regenerations(s.workspaceId)).toBe(1);
      // One progress line (stderr) when it starts, one when it is done, one row in the table (stdout).
      expect(result.stderr).toMatch(new RegExp(`^${s.name}: rotation started, version [0-9a-f-]{36}$`, 'm'));
      expect(result.stderr).toMatch(
        new RegExp(
          `^\\[\\s*\\d+/20\\] ${s.name}: rotated in \\d+\\.\\d s, version [0-9a-f]{8}…, key ${fingerprint(live)}, Ringg accepts it$`,
          'm',
        ),
      );
      expect(result.stdout).toMatch(
        new RegExp(
          `^${s.name}\\s+rotated\\s+[0-9a-f]{8}…\\s+${fingerprint(live)}\\s+\\d+\\.\\d s\\s+-$`,
          'm',
        ),
      );
    }
    expect(result.stdout).toMatch(/^SECRET\s+RESULT\s+VERSION\s+KEY\s+DURATION\s+ERROR$/m);
    expect(result.stdout).toMatch(/^20 secrets: 20 rotated, 0 failed, 0 refused, in \d+\.\d s\.$/m);
    expect(result.stdout).not.toContain('rotation started');
    expect(result.stderr).toContain('Exit 0: every secret rotated.');
    expect(result.stdout + result.stderr).not.toContain('What to do');
    expect(result.stdout + result.stderr).not.toContain('\r');
    // Ringg answered 429 at least to the forced regenerates, and every key rotated anyway.
    expect(rateLimited(e)).toBeGreaterThanOrEqual(FORCED_429S);
    expect(functionLogs?.lines.filter((line) => line.includes('"step failed"'))).toEqual([]);
  });

  it('--json gives one object with an entry per secret, in the order given', async () => {
    const { env: e, secrets } = await start(20);
    const result = await cli(['rotate', ...ids(secrets), '--parallel', '6', '--json']);

    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({
      command: 'rotate',
      mode: 'bulk',
      parallel: 6,
      exitCode: 0,
      summary: { total: 20, rotated: 20, failed: 0, refused: 0 },
    });
    expect(parsed.secrets.map((entry: { name: string }) => entry.name)).toEqual(secrets.map((s) => s.name));
    for (const [i, s] of secrets.entries()) {
      const versions = e.aws.secretsManager.stagesOf(s.name);
      const current = Object.keys(versions).find((v) => versions[v]?.includes('AWSCURRENT'));
      expect(parsed.secrets[i]).toEqual({
        secretId: s.name,
        name: s.name,
        result: 'rotated',
        token: current,
        elapsedSeconds: expect.any(Number),
        key: { fingerprint: fingerprint(e.ringg.liveKey(s.workspaceId)), verified: true },
        workspaceId: s.workspaceId,
        // Untagged before its first rotation: the preflight asked Ringg which workspace the key is of.
        workspace: { id: s.workspaceId, source: 'ringg', sharedWith: [], searched: true },
      });
    }
  });

  it('reports a dead key, a stuck rotation and a 403 with their advice while the other secrets rotate', async () => {
    // Ringg's Retry-After is 1 s; the function waits at most 200 ms here to keep the test short.
    const { env: e, secrets } = await start(17, { RINGG_MAX_RETRY_AFTER_MS: '200' });
    const dead = secrets[2] as Seeded;
    e.ringg.regenerateInDashboard(dead.workspaceId); // someone changed the key outside Secrets Manager
    const forbidden = seed('ringg/bulk-forbidden', LOCAL_FUNCTION_ARN, false);
    const stuck = seed('ringg/bulk-stuck', LOCAL_FUNCTION_ARN);
    const stuckVersion = e.aws.secretsManager.beginRotation({ SecretId: stuck.name });
    const missing = 'ringg/does-not-exist';
    e.ringg.rateLimit = new RateLimit(2 * RINGG_RATE);
    const dir = mkdtempSync(join(tmpdir(), 'ringg-summary-'));
    const summaryFile = join(dir, 'summary.md');
    try {
      const all = [...secrets.slice(0, 10), forbidden, stuck, ...secrets.slice(10)];
      const result = await cli([
        'rotate',
        ...ids(all),
        '--secret-id',
        missing,
        '--markdown-summary',
        summaryFile,
      ]);

      expect(result.code).toBe(1); // failed outranks refused
      const healthy = secrets.filter((s) => s !== dead);
      for (const s of healthy) expect(currentKey(e, s.name)).toBe(e.ringg.liveKey(s.workspaceId));
      expect(e.ringg.regenerations(dead.workspaceId)).toBe(0);
      expect(currentKey(e, forbidden.name)).toBe(forbidden.key);
      expect(e.ringg.liveKey(forbidden.workspaceId)).toBe(forbidden.key);
      expect(e.aws.secretsManager.stagesOf(stuck.name)[stuckVersion]).toEqual(['AWSPENDING']);

      const out = result.stdout;
      expect(out).toMatch(/^20 secrets: 16 rotated, 2 failed, 2 refused, in \d+\.\d s\.$/m);
      expect(out).toMatch(
        new RegExp(
          `^${dead.name}\\s+FAILED\\s+[0-9a-f]{8}…\\s+-\\s+\\d+\\.\\d s\\s+current-key-rejected$`,
          'm',
        ),
      );
      expect(out).toMatch(
        /^ringg\/bulk-forbidden\s+FAILED\s+[0-9a-f]{8}…\s+-\s+\d+\.\d s\s+permission-denied$/m,
      );
      expect(out).toMatch(
        /^ringg\/bulk-stuck\s+REFUSED\s+-\s+-\s+\d+\.\d s\s+previous-rotation-incomplete$/m,
      );
      expect(out).toMatch(
        /^ringg\/does-not-exist\s+REFUSED\s+-\s+-\s+\d+\.\d s\s+ResourceNotFoundException$/m,
      );
      expect(out).not.toContain('What to do:');
      const advice = result.stderr.slice(result.stderr.indexOf('What to do:'));
      expect(advice).toContain(
        `  current-key-rejected (${dead.name}):\n    Ringg rejects AWSCURRENT; nothing was regenerated. First look for another secret holding this workspace's live key`,
      );
      // The dashboard comes last, only if no other secret holds the live key.
      expect(advice.indexOf('look in the other Regions and accounts')).toBeLessThan(
        advice.indexOf('regenerate the key in the Ringg dashboard'),
      );
      expect(advice).toContain('  permission-denied (ringg/bulk-forbidden):\n    Ringg answered 403');
      expect(advice).toContain(
        '  previous-rotation-incomplete (ringg/bulk-stuck):\n    An earlier rotation is unfinished',
      );
      expect(advice).toContain(
        '  ResourceNotFoundException (ringg/does-not-exist):\n    No such secret here',
      );
      expect(result.stderr).toContain('Exit 1: at least one secret did not rotate');

      const markdown = readFileSync(summaryFile, 'utf8');
      expect(markdown).toContain('### Ringg key rotation: 16 of 20 rotated');
      expect(markdown).toContain('| secret | result | version | key | duration | error | what to do |');
      expect(markdown).toMatch(
        /\| `ringg\/bulk-forbidden` \| FAILED \| [0-9a-f-]{36} \| - \| \d+\.\d s \| permission-denied \| Ringg answered 403/,
      );
      expect(markdown).toContain(`| \`${stuck.name}\` | REFUSED | - | - |`);
      expect(markdown.split('\n').filter((line) => line.startsWith('| `'))).toHaveLength(20);
      watch.see(markdown);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows one line per secret on a terminal: running lines redrawn in place, one final line each', async () => {
    const { env: e, secrets } = await start(6);
    e.ringg.newKeyDelayMs = 300;
    const result = await cli(['rotate', ...ids(secrets), '--parallel', '3'], { tty: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('\x1b[2K  ringg/bulk-01: ');
    expect(result.stderr).toMatch(new RegExp(`${ESC}\\[\\d+A`)); // the running lines are redrawn, not appended
    expect(result.stdout).not.toContain(ESC);
    for (const s of secrets) {
      const finals = result.stderr
        .split('\x1b[2K')
        .filter((part) => part.includes(`] ${s.name}: rotated in`));
      expect(finals).toHaveLength(1);
    }
  });
});

describe('secrets that hold the same Ringg workspace', () => {
  /** A second secret holding a copy of `of`'s key, rotated by the local function too: a copy for another team. */
  function copyOf(of: Seeded, name: string, tagged = false): Seeded {
    if (!env) throw new Error('not started');
    const sm = env.aws.secretsManager;
    sm.createSecret({ Name: name, SecretString: JSON.stringify({ apiKey: of.key }) });
    sm.enableRotation(name, LOCAL_FUNCTION_ARN);
    if (tagged) sm.tagResource({ SecretId: name, Tags: [{ Key: WORKSPACE_TAG_KEY, Value: of.workspaceId }] });
    return { ...of, name };
  }

  it('two secrets with one workspace: both refused before anything destructive, both keys still live, each names the other', async () => {
    const { env: e, secrets } = await start(2);
    const [a, other] = secrets as [Seeded, Seeded];
    const b = copyOf(a, 'ringg/bulk-copy');
    const result = await cli(['rotate', ...ids([a, b, other]), '--function', FUNCTION_NAME]);

    expect(result.code).toBe(3);
    // Nothing regenerated for the shared workspace: the one live key is still in both secrets.
    expect(e.ringg.regenerations(a.workspaceId)).toBe(0);
    expect(currentKey(e, a.name)).toBe(a.key);
    expect(currentKey(e, b.name)).toBe(a.key);
    expect(e.ringg.liveKey(a.workspaceId)).toBe(a.key);
    expect(e.aws.secretsManager.calls.RotateSecret).toBe(1); // the third secret only
    expect(currentKey(e, other.name)).toBe(e.ringg.liveKey(other.workspaceId));

    // Diagnostics (what was found, each secret's line, what to do) on stderr; the result on stdout.
    const out = result.stdout;
    const err = result.stderr;
    expect(err).toContain(
      `Shared workspace ${a.workspaceId}: ringg/bulk-01, ringg/bulk-copy hold its one live key; none of the selected ones is rotated`,
    );
    expect(err).toMatch(
      /\] ringg\/bulk-01: REFUSED: shared-workspace with ringg\/bulk-copy; nothing changed$/m,
    );
    expect(err).toMatch(
      /\] ringg\/bulk-copy: REFUSED: shared-workspace with ringg\/bulk-01; nothing changed$/m,
    );
    expect(out).toMatch(/^ringg\/bulk-01\s+REFUSED\s+-\s+-\s+\d+\.\d s\s+shared-workspace$/m);
    expect(out).toContain(`Shared workspaces (a workspace has one live key`);
    expect(out).toContain(`  ${a.workspaceId}: ringg/bulk-01, ringg/bulk-copy`);
    expect(err).toMatch(
      /shared-workspace \(ringg\/bulk-01, ringg\/bulk-copy\):\n {4}Nothing was changed: other secrets hold the same Ringg workspace/,
    );
    expect(err).not.toMatch(/shared-workspace[^\n]*\n[^\n]*Ringg dashboard/);
    expect(out).not.toContain('What to do:');
    expect(out).toContain('2 refused');
  });

  it('--json: the refusal names the other secret, and the shared workspace is listed with its holders', async () => {
    const { env: e, secrets } = await start(1);
    const a = secrets[0] as Seeded;
    const b = copyOf(a, 'ringg/bulk-copy');
    const result = await cli(['rotate', ...ids([a, b]), '--json']);

    expect(result.code).toBe(3);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.summary).toEqual({ total: 2, rotated: 0, failed: 0, refused: 2 });
    expect(parsed.sharedWorkspaces).toEqual([
      {
        workspaceId: a.workspaceId,
        secrets: [a.name, b.name].map((name) => ({
          name,
          arn: e.aws.secretsManager.arnOf(name),
          selected: true,
          rotationEnabled: true,
        })),
      },
    ]);
    const [first, second] = parsed.secrets;
    expect(first).toMatchObject({
      name: a.name,
      result: 'refused',
      error: { code: 'shared-workspace' },
      workspace: {
        id: a.workspaceId,
        source: 'ringg',
        searched: true,
        sharedWith: [{ name: b.name, selected: true }],
      },
      advice: expect.stringContaining('Keep one secret per workspace'),
    });
    expect(first.error.message).toContain(
      `Secret "${a.name}" holds the key of Ringg workspace ${a.workspaceId}, and so does secret "${b.name}"`,
    );
    expect(first.error.message).toContain('Nothing was changed.');
    expect(second.error.message).toContain(`and so does secret "${a.name}"`);
    expect(e.ringg.regenerations()).toBe(0);
  });

  it('a secret whose workspace another secret of the account holds (found by its tag) is refused, naming it as not selected', async () => {
    const { env: e, secrets } = await start(2);
    const [a, other] = secrets as [Seeded, Seeded];
    e.aws.secretsManager.tagResource({
      SecretId: a.name,
      Tags: [{ Key: WORKSPACE_TAG_KEY, Value: a.workspaceId }],
    });
    copyOf(a, 'team-b/ringg', true); // not selected, and rotated by nobody here: still holds the key
    e.aws.secretsManager.disableRotation('team-b/ringg');
    const result = await cli(['rotate', ...ids([a, other]), '--json']);

    expect(result.code).toBe(3);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.secrets[0]).toMatchObject({
      result: 'refused',
      error: { code: 'shared-workspace' },
      workspace: {
        id: a.workspaceId,
        source: 'tag',
        sharedWith: [{ name: 'team-b/ringg', selected: false, rotationEnabled: false }],
      },
    });
    expect(parsed.secrets[0].error.message).toContain('and so does secret "team-b/ringg" (rotation off)');
    expect(parsed.secrets[1]).toMatchObject({ name: other.name, result: 'rotated' });
    expect(e.ringg.regenerations(a.workspaceId)).toBe(0);
    expect(currentKey(e, 'team-b/ringg')).toBe(e.ringg.liveKey(a.workspaceId));
    // One filtered search per workspace of the selection, and the function's own check in the
    // createSecret of the one rotation it ran.
    expect(e.aws.secretsManager.calls.ListSecrets).toBe(2 + 1);
  });

  it('rotate --all after an incident: the two copies are refused, the rest rotate, with no more ListSecrets calls than the listing', async () => {
    const { env: e, secrets } = await start(3);
    const a = secrets[0] as Seeded;
    copyOf(a, 'ringg/bulk-copy');
    const result = await cli(['rotate', '--all', '--function', FUNCTION_NAME]);

    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^4 secrets: 2 rotated, 0 failed, 2 refused, in \d+\.\d s\.$/m);
    expect(e.ringg.regenerations(a.workspaceId)).toBe(0);
    expect(currentKey(e, 'ringg/bulk-copy')).toBe(e.ringg.liveKey(a.workspaceId));
    // The listing, and the function's own check in the createSecret of each of the 2 rotations.
    expect(e.aws.secretsManager.calls.ListSecrets).toBe(1 + 2);
  });

  it('without secretsmanager:ListSecrets the selected secrets are still compared, the missing search is reported, and the function changes nothing it cannot check', async () => {
    const { env: e, secrets } = await start(2);
    const [a, other] = secrets as [Seeded, Seeded];
    const b = copyOf(a, 'ringg/bulk-copy');
    e.aws.secretsManager.injectFault({
      operation: 'ListSecrets',
      times: 100,
      error: new AwsServiceError(
        'AccessDeniedException',
        'not authorized to perform: secretsmanager:ListSecrets',
      ),
    });
    const result = await cli(['rotate', ...ids([a, b, other]), '--timeout', '3']);

    // The stand-in refuses ListSecrets to the function too: it cannot show that nobody else holds
    // the other secret's workspace, so it regenerates nothing (retryable, naming the permission: the
    // CLI gives up waiting after --timeout, with that last error).
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `Could not look for other secrets holding workspace ${a.workspaceId} (ListSecrets: AccessDeniedException); only the selected secrets were compared.`,
    );
    expect(result.stderr).toMatch(/ringg\/bulk-copy: REFUSED: shared-workspace with ringg\/bulk-01/);
    expect(result.stdout + result.stderr).toContain('workspace-holders-unknown');
    expect(e.ringg.regenerations(a.workspaceId)).toBe(0);
    expect(e.ringg.regenerations(other.workspaceId)).toBe(0);
    expect(currentKey(e, other.name)).toBe(e.ringg.liveKey(other.workspaceId));
  });
});

describe('--all and --dry-run', () => {
  async function mixedAccount() {
    const started = await start(5);
    const e = started.env;
    const disabled = seed('ringg/bulk-disabled', LOCAL_FUNCTION_ARN);
    e.aws.secretsManager.disableRotation(disabled.name);
    const stuck = seed('ringg/bulk-stuck', LOCAL_FUNCTION_ARN);
    e.aws.secretsManager.beginRotation({ SecretId: stuck.name });
    const other = [seed('other/one', OTHER_FUNCTION_ARN), seed('other/two', OTHER_FUNCTION_ARN)];
    const unrotated = seed('plain/no-rotation', undefined);
    return { e, ours: started.secrets, disabled, stuck, other, unrotated };
  }

  it('--all finds exactly the secrets whose rotation function is --function, by name or by ARN', async () => {
    const { e, ours, disabled, stuck } = await mixedAccount();
    const expected = [...ours.map((s) => s.name), disabled.name, stuck.name].sort();
    for (const fn of [FUNCTION_NAME, LOCAL_FUNCTION_ARN]) {
      const result = await cli(['rotate', '--all', '--function', fn, '--dry-run', '--json']);
      const parsed = JSON.parse(result.stdout);
      expect(parsed.listed).toBe(10);
      expect(parsed.secrets.map((entry: { name: string }) => entry.name).sort()).toEqual(expected);
      expect(
        parsed.secrets.every((entry: { secretId: string }) =>
          entry.secretId.startsWith('arn:aws:secretsmanager:'),
        ),
      ).toBe(true);
    }
    const none = await cli(['rotate', '--all', '--function', 'not-our-function']);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('Found 0 of 10 secrets rotated by not-our-function.');
    expect(none.stderr).toContain('Exit 3: no secret to rotate; check --function.');
    expect(e.aws.secretsManager.calls.ListSecrets).toBe(3);
  });

  it('--dry-run lists what would rotate and what would be refused, and changes nothing', async () => {
    const { e, ours, disabled, stuck, other } = await mixedAccount();
    const names = [...ours, disabled, stuck, other[0] as Seeded];
    const labelsBefore = names.map((s) => e.aws.secretsManager.stagesOf(s.name));
    const ringgCallsBefore = e.ringg.events.length;

    const result = await cli(['rotate', ...ids(names), '--function', FUNCTION_NAME, '--dry-run']);

    expect(result.code).toBe(3);
    expect(names.map((s) => e.aws.secretsManager.stagesOf(s.name))).toEqual(labelsBefore);
    // Only GET /workspace, for the untagged secrets' workspaces: nothing regenerated, nothing changed.
    expect(e.ringg.events.slice(ringgCallsBefore).map((ev) => ev.kind)).toEqual(
      Array(7).fill('workspace-call'),
    );
    expect(e.ringg.regenerations()).toBe(0);
    expect(e.aws.secretsManager.calls.RotateSecret ?? 0).toBe(0);
    expect(Object.keys(e.aws.ssm.calls)).toEqual([]); // the CLI reads no parameter (failures are in a tag)
    expect(result.stderr).toContain('Dry run: checking 8 secrets; nothing will be changed.');
    for (const s of ours)
      expect(result.stderr).toMatch(
        new RegExp(`\\] ${s.name}: would rotate \\(function ${LOCAL_FUNCTION_ARN}\\)`),
      );
    expect(result.stderr).toMatch(/\] ringg\/bulk-disabled: REFUSED: rotation-disabled; nothing changed/);
    expect(result.stderr).toMatch(
      /\] ringg\/bulk-stuck: REFUSED: previous-rotation-incomplete; nothing changed/,
    );
    expect(result.stderr).toMatch(/\] other\/one: REFUSED: other-rotation-function; nothing changed/);
    expect(result.stdout).toMatch(/^8 secrets: 5 would rotate, 0 failed, 3 refused, in \d+\.\d s\.$/m);
    expect(result.stderr).toContain('Rotation is turned off on this secret and the CLI will not turn it on');
  });
});

describe('the bulk command line', () => {
  it.each([
    [['rotate', '--all'], /--all needs --function <name or ARN>/],
    [['rotate', '--all', '--function', 'f', '--secret-id', 'a'], /either --all or --secret-id, not both/],
    [
      ['rotate', '--secret-id', 'a', '--secret-id', 'b', '--parallel', '0'],
      /--parallel "0" must be a whole number from 1 to 20/,
    ],
    [['rotate', '--secret-id', 'a', '--secret-id', 'b', '--parallel', '21'], /--parallel "21" must be/],
    [['rotate', '--secret-id', 'a', '--secret-id', 'b', '--no-wait'], /--no-wait rotates one secret only/],
    [
      ['rotate', '--all', '--function', 'arn:aws:lambda:x'],
      /--function "arn:aws:lambda:x" is neither a Lambda function name/,
    ],
    [['rotate', '--dry-run'], /rotate needs --secret-id <name or ARN> \(repeatable\) or --all --function/],
    [['status', '--secret-id', 'a', '--secret-id', 'b'], /status takes one --secret-id/],
    [['status', '--secret-id', 'a', '--all'], /--all does not apply to status/],
    [['recover', '--secret-id', 'a', '--parallel', '2'], /--parallel does not apply to recover/],
  ])('%j is a usage error (exit 64) and changes nothing', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
