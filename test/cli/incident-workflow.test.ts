import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../cli/doctor-findings.js';
import { doctorJson } from '../../cli/doctor-report.js';
import { cliLockfile, cliPackageJson } from '../../scripts/cli-lockfile.js';

const WORKFLOW = 'examples/github-actions/rotate-ringg-key.yml';
const RELEASE = 'examples/github-actions/release.yml';
const CLI_DIR = 'examples/github-actions/ringg-rotate';
const STEP = 'Check with doctor, then rotate';

/** The shell script of the workflow's step, as GitHub Actions would run it. */
function stepScript(): string {
  const lines = readFileSync(WORKFLOW, 'utf8').split('\n');
  const step = lines.findIndex((line) => line.trim() === `- name: ${STEP}`);
  const run = lines.findIndex((line, i) => i > step && line.trim() === 'run: |');
  expect(step).toBeGreaterThan(-1);
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== '' && !line.startsWith('          ')) break;
    body.push(line.slice(10));
  }
  return body.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'ringg-workflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const diagnosis = (secretId: string, ready: boolean): Diagnosis => ({
  secretId,
  name: secretId.replace(/^arn:.*:secret:(.*)-\w{6}$/, '$1'),
  ready,
  workspaceId: undefined,
  findings: ready ? [] : [{ code: 'workspace-shared', message: 'Ringg workspace w is also held by …' }],
  notChecked: [],
});

/**
 * Runs the step with bash -e (as Actions does). `ringg-rotate` (the locked install puts it on PATH) is
 * a stub that records each call's arguments, answers `doctor` with the document the real report module
 * makes for `doctor`, and exits as told.
 */
function runStep(
  env: Record<string, string>,
  options: { doctor?: Diagnosis[]; doctorExit?: number; rotateExit?: number } = {},
) {
  for (const file of readdirSync(dir)) rmSync(join(dir, file), { force: true });
  const diagnoses = options.doctor ?? [];
  const doctorExit = options.doctorExit ?? (diagnoses.every((d) => d.ready) ? 0 : 1);
  writeFileSync(
    join(dir, 'doctor.json'),
    JSON.stringify(doctorJson({ diagnoses, exitCode: doctorExit }), null, 2),
  );
  const cli = join(dir, 'ringg-rotate');
  writeFileSync(
    cli,
    [
      '#!/bin/sh',
      `n=$(ls "${dir}" | grep -c '^call\\.')`,
      `for a in "$@"; do echo "$a"; done > "${dir}/call.$n"`,
      `if [ "$1" = doctor ]; then cat "${dir}/doctor.json"; exit ${doctorExit}; fi`,
      `exit ${options.rotateExit ?? 0}`,
      '',
    ].join('\n'),
  );
  chmodSync(cli, 0o755);
  const summary = join(dir, 'summary.md');
  writeFileSync(summary, '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', stepScript()], {
    env: {
      PATH: `${dir}:${process.env.PATH}`,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_ACTOR: 'octocat',
      REASON: 'INC-42 leaked .env',
      PARALLEL: '4',
      ROTATION_FUNCTION: '',
      ...env,
    },
    encoding: 'utf8',
  });
  const calls = readdirSync(dir)
    .filter((file) => file.startsWith('call.'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean));
  return { code: result.status, stdout: result.stdout, calls, summary: readFileSync(summary, 'utf8') };
}

const ROTATE = (summary: string) => [
  'rotate',
  '--parallel',
  '4',
  '--timeout',
  '600',
  '--markdown-summary',
  summary,
];

describe('the incident workflow', () => {
  it('runs doctor first on the ids (separated by commas or spaces), then rotates the ready ones', () => {
    const ids = ['ringg/a', 'ringg/b', 'ringg/c*'];
    const run = runStep(
      { SECRET_IDS: 'ringg/a, ringg/b ringg/c*' },
      { doctor: ids.map((id) => diagnosis(id, true)) },
    );
    expect(run.code).toBe(0);
    const summary = join(dir, 'summary.md');
    expect(run.calls).toEqual([
      [
        'doctor',
        '--secret-id',
        'ringg/a',
        '--secret-id',
        'ringg/b',
        '--secret-id',
        'ringg/c*',
        '--json',
        '--markdown-summary',
        summary,
      ],
      [...ROTATE(summary), '--secret-id', 'ringg/a', '--secret-id', 'ringg/b', '--secret-id', 'ringg/c*'],
    ]);
    expect(run.summary).toContain('- Reason: INC-42 leaked .env');
    expect(run.summary).toContain('- Triggered by: octocat');
    expect(run.stdout).toContain('doctor: ringg/a: ready');
  });

  it('holds back what doctor found not ready, rotates the rest, and fails the job naming them', () => {
    const run = runStep(
      { SECRET_IDS: 'ringg/a ringg/shared ringg/b' },
      { doctor: [diagnosis('ringg/a', true), diagnosis('ringg/shared', false), diagnosis('ringg/b', true)] },
    );
    expect(run.code).toBe(1);
    expect(run.calls[1]?.slice(-4)).toEqual(['--secret-id', 'ringg/a', '--secret-id', 'ringg/b']);
    expect(run.stdout).toContain('doctor: ringg/shared: workspace-shared');
    expect(run.stdout).toContain('::warning::Held back, not rotated (doctor');
    expect(run.stdout).toContain('): ringg/shared');
  });

  it('turns "all" into doctor --all with the stack function, rotates the ARNs it found ready', () => {
    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
    const all = runStep(
      { SECRET_IDS: ' all ', ROTATION_FUNCTION: 'ringg-key-rotation' },
      { doctor: [diagnosis(arn('ringg/a'), true), diagnosis(arn('ringg/b'), true)] },
    );
    expect(all.code).toBe(0);
    expect(all.calls[0]?.slice(0, 4)).toEqual(['doctor', '--all', '--function', 'ringg-key-rotation']);
    expect(all.calls[1]?.slice(-4)).toEqual(['--secret-id', arn('ringg/a'), '--secret-id', arn('ringg/b')]);
    const missing = runStep({ SECRET_IDS: 'all' });
    expect(missing.code).toBe(64);
    expect(missing.stdout).toContain('::error::Set the repository variable RINGG_ROTATION_FUNCTION');
    expect(missing.calls).toEqual([]);
  });

  it('stops before rotating when doctor reports a configuration problem or bad input', () => {
    for (const exit of [78, 64]) {
      const run = runStep({ SECRET_IDS: 'ringg/a' }, { doctorExit: exit });
      expect(run.code).toBe(exit);
      expect(run.calls).toHaveLength(1);
      expect(run.stdout).toContain(`::error::ringg-rotate doctor exited ${exit}`);
    }
  });

  it('rotates nothing and fails when no secret is ready', () => {
    const run = runStep({ SECRET_IDS: 'ringg/a' }, { doctor: [diagnosis('ringg/a', false)] });
    expect(run.code).toBe(1);
    expect(run.calls).toHaveLength(1);
    expect(run.stdout).toContain('::error::No secret is ready to rotate');
  });

  it('fails the job when any secret did not rotate (the CLI exits 1 or 3)', () => {
    const ready = { doctor: [diagnosis('ringg/a', true)] };
    expect(runStep({ SECRET_IDS: 'ringg/a' }, { ...ready, rotateExit: 1 }).code).toBe(1);
    expect(runStep({ SECRET_IDS: 'ringg/a' }, { ...ready, rotateExit: 3 }).code).toBe(3);
  });

  it('runs doctor and rotate from the locked install, never a package named at run time (npx)', () => {
    // RINGG_KEY_ROTATION_PACKAGE (issue 20) named the package npx fetched at run time; the locked install
    // (issue 18) replaces it: the version is the one .github/ringg-rotate/package.json pins.
    const ready = { doctor: [diagnosis('ringg/a', true)] };
    const run = runStep(
      { SECRET_IDS: 'ringg/a', RINGG_KEY_ROTATION_PACKAGE: 'ringg-key-rotation@9.9.9' },
      ready,
    );
    expect(run.code).toBe(0);
    expect(run.calls.map((call) => call[0])).toEqual(['doctor', 'rotate']);
    expect(run.calls.flat()).not.toContain('ringg-key-rotation@9.9.9');
    expect(readFileSync(WORKFLOW, 'utf8')).not.toContain('RINGG_KEY_ROTATION_PACKAGE');
  });

  it('installs the CLI from its committed lock, without install scripts, before it assumes the role', () => {
    const steps = readFileSync(WORKFLOW, 'utf8');
    const install = steps.indexOf('npm ci --ignore-scripts');
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(steps.indexOf('aws-actions/configure-aws-credentials@'));
    expect(steps).toContain('working-directory: .github/ringg-rotate');
    expect(steps).toContain('sparse-checkout: .github/ringg-rotate');
    expect(steps).not.toMatch(/\bnpx\b|npm (install|i) /);
  });

  it('locks the CLI of the package version this repository releases, with this repository’s dependency versions', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    const committed = JSON.parse(readFileSync(join(CLI_DIR, 'package-lock.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8'))).toEqual(cliPackageJson(pkg));
    expect(committed.packages[''].dependencies).toEqual({ [pkg.name]: pkg.version });
    // What `npm run cli-lock` writes from package-lock.json now: run it after changing dependencies.
    expect(committed).toEqual(
      cliLockfile(pkg, JSON.parse(readFileSync('package-lock.json', 'utf8')), committed),
    );
    for (const [path, entry] of Object.entries(
      committed.packages as Record<string, Record<string, unknown>>,
    )) {
      if (path === '' || path === `node_modules/${pkg.name}`) continue;
      expect({ path, integrity: entry.integrity }).toEqual({
        path,
        integrity: expect.stringMatching(/^sha512-/),
      });
      expect(entry.dev).toBeUndefined();
    }
    expect(Object.keys(committed.packages)).toEqual(
      expect.arrayContaining(Object.keys(pkg.dependencies).map((name) => `node_modules/${name}`)),
    );
  });

  it('has a script bash can parse (bash -n)', () => {
    expect(() => execFileSync('bash', ['-n', '-c', stepScript()])).not.toThrow();
  });
});

/** The jobs of a workflow file: each job's lines, by job id (two-space indent under `jobs:`). */
function jobsOf(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.indexOf('jobs:');
  const jobs: Record<string, string[]> = {};
  let current: string | undefined;
  for (const line of lines.slice(start + 1)) {
    const id = /^ {2}([\w-]+):\s*$/.exec(line)?.[1];
    if (id) {
      current = id;
      jobs[id] = [];
    } else if (current) jobs[current]?.push(line);
  }
  return Object.fromEntries(Object.entries(jobs).map(([id, body]) => [id, body.join('\n')]));
}

describe('the example workflows', () => {
  it.each([WORKFLOW, RELEASE])('%s pins every action by commit, with the tag in a comment', (file) => {
    const uses = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /^\s*-?\s*uses:/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('release: builds and tests without an OIDC token, then publishes the packed tarball in a job that runs no project code', () => {
    const text = readFileSync(RELEASE, 'utf8');
    expect(text).toMatch(/^permissions: \{\}$/m);
    const jobs = jobsOf(RELEASE);
    expect(Object.keys(jobs)).toEqual(['build', 'publish']);
    const { build = '', publish = '' } = jobs;
    expect(build).toContain('bash .ci/run');
    expect(build).toContain('npm pack');
    expect(build).toContain('actions/upload-artifact@');
    expect(build).not.toContain('id-token');
    expect(build).not.toMatch(/npm publish/);
    expect(publish).toContain('needs: build');
    expect(publish).toContain('id-token: write');
    expect(publish).toContain('actions/download-artifact@');
    expect(publish).toMatch(/npm publish "\.\/\$TARBALL" --provenance --access public --ignore-scripts/);
    expect(publish).not.toMatch(/actions\/checkout|npm ci|npm install|\.ci\/run|npm run|npx/);
    for (const job of [build, publish]) expect(job).toContain('package-manager-cache: false');
    expect(text.match(/id-token: write/g)).toHaveLength(1);
  });
});
