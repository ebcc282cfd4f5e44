import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const WORKFLOW = 'examples/github-actions/rotate-ringg-key.yml';

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

/** Runs the step with bash -e (as Actions does), `npx` replaced by a stub that records its arguments. */
function runStep(env: Record<string, string>, npxExit = 0) {
  const npx = join(dir, 'npx');
  writeFileSync(npx, `#!/bin/sh\nfor a in "$@"; do echo "$a"; done > "${dir}/args"\nexit ${npxExit}\n`);
  chmodSync(npx, 0o755);
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
      RINGG_KEY_ROTATION_PACKAGE: 'ringg-key-rotation@0.1.0',
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
      '--yes',
      '--package',
      'ringg-key-rotation@0.1.0',
      'ringg-rotate',
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

  it('runs the CLI of the package the repository variable names (a registry spec or a tarball URL), and refuses to run without one', () => {
    const tarball = 'https://example.com/releases/ringg-key-rotation-0.1.0.tgz';
    expect(runStep({ SECRET_IDS: 'ringg/a', RINGG_KEY_ROTATION_PACKAGE: tarball }).args.slice(0, 4)).toEqual([
      '--yes',
      '--package',
      tarball,
      'ringg-rotate',
    ]);
    const unset = runStep({ SECRET_IDS: 'ringg/a', RINGG_KEY_ROTATION_PACKAGE: '' });
    expect(unset.code).toBe(64);
    expect(unset.stdout).toContain('::error::Set the repository variable RINGG_KEY_ROTATION_PACKAGE');
    expect(unset.args).toEqual([]);
    expect(readFileSync(WORKFLOW, 'utf8')).toMatch(
      /RINGG_KEY_ROTATION_PACKAGE: \$\{\{ vars\.RINGG_KEY_ROTATION_PACKAGE \}\}/,
    );
  });

  it('has a script bash can parse (bash -n)', () => {
    expect(() => execFileSync('bash', ['-n', '-c', rotateStepScript()])).not.toThrow();
  });
});
