import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../cli/doctor-findings.js';
import { doctorJson } from '../../cli/doctor-report.js';

const WORKFLOW = 'examples/github-actions/rotate-ringg-key.yml';
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
 * Runs the step with bash -e (as Actions does). `npx` is a stub that records each call's arguments,
 * answers `doctor` with the document the real report module makes for `doctor`, and exits as told.
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
  const npx = join(dir, 'npx');
  writeFileSync(
    npx,
    [
      '#!/bin/sh',
      `n=$(ls "${dir}" | grep -c '^call\\.')`,
      `for a in "$@"; do echo "$a"; done > "${dir}/call.$n"`,
      `if [ "$5" = doctor ]; then cat "${dir}/doctor.json"; exit ${doctorExit}; fi`,
      `exit ${options.rotateExit ?? 0}`,
      '',
    ].join('\n'),
  );
  chmodSync(npx, 0o755);
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
      RINGG_KEY_ROTATION_PACKAGE: 'ringg-key-rotation@0.1.0',
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

const PACKAGE = ['--yes', '--package', 'ringg-key-rotation@0.1.0', 'ringg-rotate'];
const ROTATE = (summary: string) => [
  ...PACKAGE,
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
        ...PACKAGE,
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
    expect(all.calls[0]?.slice(4, 8)).toEqual(['doctor', '--all', '--function', 'ringg-key-rotation']);
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

  it('runs the CLI of the package the repository variable names (a registry spec or a tarball URL), and refuses to run without one', () => {
    const tarball = 'https://example.com/releases/ringg-key-rotation-0.1.0.tgz';
    const ready = { doctor: [diagnosis('ringg/a', true)] };
    const calls = runStep({ SECRET_IDS: 'ringg/a', RINGG_KEY_ROTATION_PACKAGE: tarball }, ready).calls;
    expect(calls.length).toBe(2);
    for (const call of calls)
      expect(call.slice(0, 4)).toEqual(['--yes', '--package', tarball, 'ringg-rotate']);
    const unset = runStep({ SECRET_IDS: 'ringg/a', RINGG_KEY_ROTATION_PACKAGE: '' });
    expect(unset.code).toBe(64);
    expect(unset.stdout).toContain('::error::Set the repository variable RINGG_KEY_ROTATION_PACKAGE');
    expect(unset.calls).toEqual([]);
    expect(readFileSync(WORKFLOW, 'utf8')).toMatch(
      /RINGG_KEY_ROTATION_PACKAGE: \$\{\{ vars\.RINGG_KEY_ROTATION_PACKAGE \}\}/,
    );
  });

  it('has a script bash can parse (bash -n)', () => {
    expect(() => execFileSync('bash', ['-n', '-c', stepScript()])).not.toThrow();
  });
});
