import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliLockfile, cliPackageJson } from '../../scripts/cli-lockfile.js';

const WORKFLOW = 'examples/github-actions/rotate-ringg-key.yml';
const RELEASE = 'examples/github-actions/release.yml';
const CLI_DIR = 'examples/github-actions/ringg-rotate';

/** The shell script of the workflow's "Rotate" step, as GitHub Actions would run it. */
function rotateStepScript(): string {
  const lines = readFileSync(WORKFLOW, 'utf8').split('\n');
  const step = lines.findIndex((line) => line.trim() === '- name: Rotate');
  const run = lines.findIndex((line, i) => i > step && line.trim() === 'run: |');
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== '' && !line.startsWith('          ')) break;
    body.push(line.slice(10));
  }
  return body.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'ringg-workflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the step with bash -e (as Actions does), the CLI replaced by a stub that records its arguments. */
function runStep(env: Record<string, string>, cliExit = 0) {
  const cli = join(dir, 'ringg-rotate');
  writeFileSync(cli, `#!/bin/sh\nfor a in "$@"; do echo "$a"; done > "${dir}/args"\nexit ${cliExit}\n`);
  chmodSync(cli, 0o755);
  const summary = join(dir, 'summary.md');
  writeFileSync(summary, '');
  writeFileSync(join(dir, 'args'), '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', rotateStepScript()], {
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
  const args = readFileSync(join(dir, 'args'), 'utf8').split('\n').filter(Boolean);
  return { code: result.status, stdout: result.stdout, args, summary: readFileSync(summary, 'utf8') };
}

describe('the incident workflow', () => {
  it('passes a list of ids, separated by commas or spaces, as repeated --secret-id, one job', () => {
    const run = runStep({ SECRET_IDS: 'ringg/a, ringg/b ringg/c*' });
    expect(run.code).toBe(0);
    expect(run.args).toEqual([
      'rotate',
      '--parallel',
      '4',
      '--timeout',
      '600',
      '--markdown-summary',
      join(dir, 'summary.md'),
      '--secret-id',
      'ringg/a',
      '--secret-id',
      'ringg/b',
      '--secret-id',
      'ringg/c*',
    ]);
    expect(run.summary).toContain('- Reason: INC-42 leaked .env');
    expect(run.summary).toContain('- Triggered by: octocat');
  });

  it('turns "all" into --all with the stack function, and refuses "all" without it', () => {
    const all = runStep({ SECRET_IDS: ' all ', ROTATION_FUNCTION: 'ringg-key-rotation' });
    expect(all.args.slice(-3)).toEqual(['--all', '--function', 'ringg-key-rotation']);
    const missing = runStep({ SECRET_IDS: 'all' });
    expect(missing.code).toBe(64);
    expect(missing.stdout).toContain('::error::Set the repository variable RINGG_ROTATION_FUNCTION');
    expect(missing.args).toEqual([]);
  });

  it('fails the job when any secret did not rotate (the CLI exits 1 or 3)', () => {
    expect(runStep({ SECRET_IDS: 'ringg/a' }, 1).code).toBe(1);
    expect(runStep({ SECRET_IDS: 'ringg/a' }, 3).code).toBe(3);
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
    expect(() => execFileSync('bash', ['-n', '-c', rotateStepScript()])).not.toThrow();
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
    if (id) jobs[(current = id)] = [];
    else if (current) jobs[current]?.push(line);
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
