import { describe, expect, it } from 'vitest';
import {
  type DiagnoseOptions,
  type Diagnosis,
  diagnose,
  type SecretFacts,
  setupBlockers,
} from '../../cli/doctor-findings.js';
import { doctorJson, doctorMarkdown, doctorText } from '../../cli/doctor-report.js';
import { adviceFor } from '../../cli/failure-advice.js';
import { parseFunctionRef } from '../../cli/function-ref.js';
import { preflight } from '../../cli/preflight.js';
import type { SecretState } from '../../cli/secret-state.js';
import { SECRET_STRING_MAX_BYTES } from '../../common/secret-value.js';

const FN = 'arn:aws:lambda:eu-west-1:111122223333:function:ringg-key-rotation';
const OTHER_FN = 'arn:aws:lambda:eu-west-1:111122223333:function:someone-else';
const WS = 'ws-1111';
const OPTIONS: DiagnoseOptions = {
  functionRef: undefined,
  parameterPrefix: '/ringg-rotation',
  ringgBaseUrl: 'https://prod-api.ringg.ai/ca/api/v0',
};
const arnOf = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;

type Described = Extract<SecretFacts, { kind: 'described' }>;

/** A secret whose next rotation works: rotation on, nothing open, Ringg accepts its key, tagged. */
function healthy(name: string, overrides: Partial<Described> = {}): Described {
  return {
    kind: 'described',
    secretId: name,
    arn: arnOf(name),
    name,
    setup: { rotationEnabled: true, rotationFunction: FN, stuck: undefined },
    workspaceTag: WS,
    journal: undefined,
    value: { kind: 'read', format: 'json', worstCaseBytes: 1_100 },
    currentKey: { kind: 'valid', fingerprint: 'sha256:aaaa0001', workspaceId: WS },
    pendingKey: { kind: 'not-asked' },
    holders: { kind: 'listed', holders: [] },
    ...overrides,
  };
}

const one = (facts: SecretFacts, options = OPTIONS): Diagnosis => diagnose([facts], options)[0] as Diagnosis;
const codes = (d: Diagnosis) => d.findings.map((f) => f.code);
const message = (d: Diagnosis, code: string) => d.findings.find((f) => f.code === code)?.message ?? '';
const OPEN = { versionId: 'v-pending', since: new Date('2026-05-01T10:00:00Z') };
/** The advice that destroys a live copy of the key, if one exists. */
const REGENERATE = /regenerate the key in the Ringg dashboard/;

describe('diagnose', () => {
  it('a healthy secret is ready; only the key-manage permission is not checked', () => {
    const d = one(healthy('ringg/a'));
    expect(d).toMatchObject({
      secretId: 'ringg/a',
      name: 'ringg/a',
      ready: true,
      workspaceId: WS,
      findings: [],
    });
    expect(d.notChecked.map((n) => n.check)).toEqual(['key-manage-permission']);
  });

  it('rotation-disabled: off, no function, or another function than --function', () => {
    const off = one(
      healthy('a', { setup: { rotationEnabled: false, rotationFunction: FN, stuck: undefined } }),
    );
    expect(codes(off)).toEqual(['rotation-disabled']);
    expect(message(off, 'rotation-disabled')).toContain('Rotation is turned off on a');
    const none = one(
      healthy('a', { setup: { rotationEnabled: false, rotationFunction: undefined, stuck: undefined } }),
    );
    expect(message(none, 'rotation-disabled')).toContain('has no rotation function');
    const ref = parseFunctionRef('ringg-key-rotation');
    if (!ref.ok) throw new Error(ref.problem);
    const other = one(
      healthy('a', { setup: { rotationEnabled: true, rotationFunction: OTHER_FN, stuck: undefined } }),
      {
        ...OPTIONS,
        functionRef: ref.ref,
      },
    );
    expect(message(other, 'rotation-disabled')).toContain(
      `is rotated by ${OTHER_FN}, not by ringg-key-rotation`,
    );
    expect(one(healthy('a'), { ...OPTIONS, functionRef: ref.ref }).ready).toBe(true);
  });

  it('rotation-stuck names the version, since when, its last failure, and ringg-rotate resume', () => {
    const d = one(
      healthy('ringg/s', {
        setup: { rotationEnabled: true, rotationFunction: FN, stuck: OPEN },
        journal: {
          step: 'setSecret',
          state: 'failed',
          updatedAt: '2026-05-01T10:00:03Z',
          lastError: { code: 'new-key-rescued', step: 'setSecret', retryable: true },
        },
      }),
    );
    expect(codes(d)).toEqual(['rotation-stuck']);
    const text = message(d, 'rotation-stuck');
    expect(text).toContain('AWSPENDING is on version v-pending (created 2026-05-01T10:00:00.000Z)');
    expect(text).toContain(
      'its last attempt failed in setSecret at 2026-05-01T10:00:03Z with new-key-rescued',
    );
    expect(text).toContain('ringg-rotate resume --secret-id ringg/s');
    expect(text).toContain('Never regenerate in the Ringg dashboard while it is open');
    const unknownSince = one(
      healthy('s', {
        setup: { rotationEnabled: true, rotationFunction: FN, stuck: { versionId: 'v', since: undefined } },
      }),
    );
    expect(message(unknownSince, 'rotation-stuck')).toContain('(created at a time not known)');
  });

  it('reports every blocker: rotation off and a rotation open at once', () => {
    const d = one(healthy('a', { setup: { rotationEnabled: false, rotationFunction: FN, stuck: OPEN } }));
    expect(codes(d)).toEqual(['rotation-disabled', 'rotation-stuck']);
  });

  it('current-key-rejected gives the recovery command, and the fingerprint, never the key', () => {
    const d = one(
      healthy('ringg/dead', { currentKey: { kind: 'rejected', fingerprint: 'sha256:dead0001' } }),
    );
    expect(codes(d)).toEqual(['current-key-rejected']);
    const text = message(d, 'current-key-rejected');
    expect(text).toContain('Ringg rejects the AWSCURRENT key sha256:dead0001 of ringg/dead (HTTP 401)');
    expect(text).toContain('README "Key lost", step 0');
    expect(text).toContain('ringg-rotate recover --secret-id ringg/dead');
    expect(d.notChecked.map((n) => n.check)).not.toContain('key-manage-permission');
  });

  it('a rejected key with a live key in the open rotation says resume, never regenerate', () => {
    const d = one(
      healthy('ringg/dead', {
        setup: { rotationEnabled: true, rotationFunction: FN, stuck: OPEN },
        currentKey: { kind: 'rejected', fingerprint: 'sha256:dead0001' },
        pendingKey: { kind: 'valid', fingerprint: 'sha256:1ive0001', workspaceId: WS },
      }),
    );
    expect(codes(d)).toEqual(['rotation-stuck', 'current-key-rejected']);
    const text = message(d, 'current-key-rejected');
    expect(text).toContain(
      "Do not regenerate: the open rotation's AWSPENDING version v-pending holds key sha256:1ive0001",
    );
    expect(text).toContain('ringg-rotate resume --secret-id ringg/dead');
    expect(text).not.toMatch(REGENERATE);
  });

  it('a rejected key whose pending key is of another workspace says do not regenerate, and why', () => {
    const d = one(
      healthy('ringg/dead', {
        setup: { rotationEnabled: true, rotationFunction: FN, stuck: OPEN },
        currentKey: { kind: 'rejected', fingerprint: 'sha256:dead0001' },
        pendingKey: { kind: 'valid', fingerprint: 'sha256:0the0001', workspaceId: 'ws-other' },
      }),
    );
    const text = message(d, 'current-key-rejected');
    expect(text).toContain('for workspace ws-other while the tag says ws-1111');
    expect(text).not.toMatch(REGENERATE);
  });

  it('a rejected key with a copy in another secret checked here points to that copy, never to regenerate', () => {
    const [dead, live] = diagnose(
      [
        healthy('ringg/copy', { currentKey: { kind: 'rejected', fingerprint: 'sha256:dead0001' } }),
        healthy('ringg/main', {
          currentKey: { kind: 'valid', fingerprint: 'sha256:1ive0001', workspaceId: WS },
        }),
      ],
      OPTIONS,
    ) as [Diagnosis, Diagnosis];
    expect(codes(dead)).toEqual(['current-key-rejected', 'workspace-shared']);
    const text = message(dead, 'current-key-rejected');
    expect(text).toContain(
      'Do not regenerate: ringg/main holds the same workspace and Ringg accepts its key sha256:1ive0001',
    );
    expect(text).not.toMatch(REGENERATE);
    expect(codes(live)).toEqual(['workspace-shared']);
    expect(message(live, 'workspace-shared')).toContain(
      'also held by ringg/copy (checked here: Ringg rejects its key sha256:dead0001)',
    );
  });

  it('a rejected key with tagged copies elsewhere says to check them before regenerating', () => {
    const d = one(
      healthy('ringg/dead', {
        currentKey: { kind: 'rejected', fingerprint: 'sha256:dead0001' },
        holders: { kind: 'listed', holders: [{ arn: arnOf('team-b/ringg'), name: 'team-b/ringg' }] },
      }),
    );
    const text = message(d, 'current-key-rejected');
    expect(text.indexOf('team-b/ringg is tagged with the same workspace')).toBeGreaterThan(-1);
    expect(text.indexOf('team-b/ringg')).toBeLessThan(text.search(REGENERATE));
  });

  it('workspace-mismatch: the key of another workspace than the tag, with both ways out', () => {
    const d = one(
      healthy('ringg/m', {
        currentKey: { kind: 'valid', fingerprint: 'sha256:aaaa0001', workspaceId: 'ws-2222' },
      }),
    );
    expect(codes(d)).toEqual(['workspace-mismatch']);
    const text = message(d, 'workspace-mismatch');
    expect(text).toContain(
      "belongs to Ringg workspace ws-2222, but the secret's tag ringg-rotation:workspace-id says ws-1111",
    );
    expect(text).toContain(
      'aws secretsmanager tag-resource --secret-id ringg/m --tags Key=ringg-rotation:workspace-id,Value=ws-2222',
    );
    expect(text).toContain('ringg-rotate recover --secret-id ringg/m');
    expect(d.workspaceId).toBe('ws-2222');
  });

  it('an untagged secret whose key Ringg accepts is ready (the function tags it)', () => {
    expect(one(healthy('a', { workspaceTag: undefined })).ready).toBe(true);
  });

  it('workspace-unknown, permission-denied: what Ringg says about the key that the function refuses', () => {
    const unknown = one(
      healthy('a', { currentKey: { kind: 'valid', fingerprint: 'sha256:aaaa0001', workspaceId: undefined } }),
    );
    expect(codes(unknown)).toEqual(['workspace-unknown']);
    expect(message(unknown, 'workspace-unknown')).toContain(
      'this CLI used https://prod-api.ringg.ai/ca/api/v0',
    );
    const forbidden = one(
      healthy('a', { currentKey: { kind: 'forbidden', fingerprint: 'sha256:aaaa0001' } }),
    );
    expect(codes(forbidden)).toEqual(['permission-denied']);
  });

  it('workspace-shared names secrets checked here and secrets tagged in the account, each once', () => {
    const holders = {
      kind: 'listed' as const,
      holders: [
        { arn: arnOf('ringg/b'), name: 'ringg/b' },
        { arn: arnOf('eu/ringg'), name: 'eu/ringg' },
        { arn: arnOf('ringg/a'), name: 'ringg/a' },
      ],
    };
    const [a, b] = diagnose([healthy('ringg/a', { holders }), healthy('ringg/b')], OPTIONS) as [
      Diagnosis,
      Diagnosis,
    ];
    expect(message(a, 'workspace-shared')).toContain(
      'also held by eu/ringg (tagged ringg-rotation:workspace-id with it, not checked here), ringg/b (checked here: Ringg accepts its key sha256:aaaa0001).',
    );
    expect(message(b, 'workspace-shared')).toContain('also held by ringg/a (checked here');
    expect(a.ready || b.ready).toBe(false);
  });

  it('a secret tagged with the workspace but whose key Ringg places elsewhere does not share it', () => {
    const holders = { kind: 'listed' as const, holders: [{ arn: arnOf('ringg/b'), name: 'ringg/b' }] };
    const [a, b] = diagnose(
      [
        healthy('ringg/a', { holders }),
        healthy('ringg/b', {
          currentKey: { kind: 'valid', fingerprint: 'sha256:bbbb0001', workspaceId: 'ws-2222' },
        }),
      ],
      OPTIONS,
    ) as [Diagnosis, Diagnosis];
    expect(codes(a)).toEqual([]);
    expect(codes(b)).toEqual(['workspace-mismatch']);
  });

  it('what the caller may not read is not checked, never a finding', () => {
    const d = one(
      healthy('ringg/ci', {
        value: { kind: 'unreadable', reason: 'GetSecretValue (AWSCURRENT): AccessDeniedException: …' },
        currentKey: { kind: 'not-asked' },
        holders: { kind: 'not-listed', reason: 'These credentials may not call ListSecrets' },
      }),
    );
    expect(d.ready).toBe(true);
    expect(d.findings).toEqual([]);
    expect(d.notChecked.map((n) => n.check)).toEqual(['secret-value', 'current-key', 'workspace-holders']);
    const noTag = one(
      healthy('a', {
        workspaceTag: undefined,
        value: { kind: 'unreadable', reason: 'x' },
        currentKey: { kind: 'not-asked' },
        holders: { kind: 'no-workspace' },
      }),
    );
    expect(noTag.ready).toBe(true);
    expect(noTag.notChecked.map((n) => n.check)).toContain('workspace-holders');
  });

  it('Ringg not answering is not checked, never a finding', () => {
    const d = one(
      healthy('a', {
        currentKey: { kind: 'unavailable', fingerprint: 'sha256:aaaa0001', detail: 'HTTP 503' },
      }),
    );
    expect(d.ready).toBe(true);
    expect(d.notChecked).toEqual([
      expect.objectContaining({ check: 'current-key', reason: expect.stringContaining('(HTTP 503)') }),
    ]);
  });

  it('invalid-secret-value and secret-too-large, at the limit and one byte over', () => {
    expect(
      codes(
        one(
          healthy('a', {
            value: { kind: 'invalid', problem: 'its "apiKey" field is not a string' },
            currentKey: { kind: 'not-asked' },
          }),
        ),
      ),
    ).toEqual(['invalid-secret-value']);
    const at = one(
      healthy('a', { value: { kind: 'read', format: 'json', worstCaseBytes: SECRET_STRING_MAX_BYTES } }),
    );
    expect(at.ready).toBe(true);
    const over = one(
      healthy('a', { value: { kind: 'read', format: 'json', worstCaseBytes: SECRET_STRING_MAX_BYTES + 1 } }),
    );
    expect(codes(over)).toEqual(['secret-too-large']);
    expect(message(over, 'secret-too-large')).toContain('could reach 65537 bytes');
  });

  it("secret-name-too-deep: the rotation parameters would pass SSM's 15 levels", () => {
    // /ringg-rotation/<name>/intent/<token>.<n>: 12 name segments make 15 levels, 13 make 16.
    const name = (segments: number) => Array.from({ length: segments }, (_, i) => `l${i}`).join('/');
    expect(one(healthy(name(12))).ready).toBe(true);
    expect(codes(one(healthy(name(13))))).toEqual(['secret-name-too-deep']);
    expect(one(healthy('ringg/shallow')).ready).toBe(true);
  });

  it('a secret doctor cannot see is not ready, with the configuration problem as its finding', () => {
    const d = one({
      kind: 'unseen',
      secretId: 'ringg/typo',
      reason: 'not-found',
      message: 'No secret "ringg/typo".',
    });
    expect(d).toMatchObject({
      ready: false,
      findings: [{ code: 'secret-not-found', message: 'No secret "ringg/typo".' }],
    });
  });
});

describe("the bulk preflight shares doctor's setup blockers", () => {
  const state = (setup: Partial<SecretState>): SecretState => ({
    arn: arnOf('ringg/x'),
    name: 'ringg/x',
    rotationEnabled: true,
    rotationFunction: FN,
    schedule: undefined,
    window: undefined,
    lastRotated: undefined,
    nextRotation: undefined,
    labels: {},
    stuck: undefined,
    lastFailure: undefined,
    workspaceTag: WS,
    ...setup,
  });
  const ref = parseFunctionRef('ringg-key-rotation');
  if (!ref.ok) throw new Error(ref.problem);
  const cases: [string, Partial<SecretState>, string | undefined][] = [
    ['ready', {}, undefined],
    ['no function', { rotationFunction: undefined, rotationEnabled: false }, 'rotation-not-configured'],
    ['another function', { rotationFunction: OTHER_FN }, 'other-rotation-function'],
    ['rotation off', { rotationEnabled: false }, 'rotation-disabled'],
    ['rotation open', { stuck: OPEN }, 'previous-rotation-incomplete'],
    ['off and open', { rotationEnabled: false, stuck: OPEN }, 'rotation-disabled'],
  ];
  it.each(cases)('%s: preflight refuses exactly when doctor finds a setup blocker', (_, setup, refusal) => {
    const s = state(setup);
    const decision = preflight(s, ref.ref);
    expect(decision.kind === 'refuse' ? decision.error.code : undefined).toBe(refusal);
    const d = one(healthy('ringg/x', { setup: s }), { ...OPTIONS, functionRef: ref.ref });
    const setupFindings = codes(d).filter((c) => c === 'rotation-disabled' || c === 'rotation-stuck');
    expect(setupFindings.length > 0).toBe(refusal !== undefined);
    expect(setupBlockers(s, ref.ref).length > 0).toBe(refusal !== undefined);
  });

  it("keeps the open rotation's version, since and last error for the bulk summary", () => {
    const decision = preflight(
      state({
        stuck: OPEN,
        lastFailure: {
          code: 'ringg-unavailable',
          step: 'setSecret',
          retryable: true,
          token: 'v-pending',
          at: '2026-05-01T10:00:02Z',
        },
      }),
      undefined,
    );
    expect(decision).toEqual({
      kind: 'refuse',
      error: {
        code: 'previous-rotation-incomplete',
        message:
          'A previous rotation of ringg/x is not complete (AWSPENDING is on version v-pending since 2026-05-01T10:00:00.000Z); Secrets Manager reattempts it and starts no new one until it finishes.',
      },
      pendingVersion: 'v-pending',
      pendingSince: '2026-05-01T10:00:00.000Z',
      lastError: {
        code: 'ringg-unavailable',
        message: adviceFor('ringg-unavailable'),
        step: 'setSecret',
        at: '2026-05-01T10:00:02Z',
      },
    });
  });
});

describe('the doctor report', () => {
  const diagnoses = diagnose(
    [
      healthy('ringg/ok'),
      healthy('ringg/dead', {
        currentKey: { kind: 'rejected', fingerprint: 'sha256:dead0001' },
        workspaceTag: 'ws-9',
      }),
      healthy('ringg/ci', {
        workspaceTag: 'ws-ci',
        value: { kind: 'unreadable', reason: 'denied' },
        currentKey: { kind: 'not-asked' },
      }),
    ],
    OPTIONS,
  );
  const run = { diagnoses, exitCode: 1 };

  it('text: one row per secret, what to do per finding, not-checked grouped by reason, the verdict', () => {
    const text = doctorText(run);
    expect(text).toMatch(/^SECRET\s+READY\s+FINDINGS\s+NOT CHECKED$/m);
    expect(text).toMatch(/^ringg\/ok\s+yes\s+-\s+key-manage-permission$/m);
    expect(text).toMatch(/^ringg\/dead\s+NO\s+current-key-rejected\s+-$/m);
    expect(text).toMatch(/^ringg\/ci\s+yes\s+-\s+secret-value, current-key$/m);
    expect(text).toContain('What to do:\n  ringg/dead:\n    current-key-rejected: Ringg rejects');
    expect(text).toContain('  key-manage-permission (ringg/ok):');
    expect(text).toContain('  secret-value (ringg/ci):\n    denied');
    expect(text.trimEnd().endsWith('2 of 3 secrets ready; 1 needs action. Exit 1.')).toBe(true);
  });

  it('markdown: the same rows, pipes escaped, what to do in its column', () => {
    const markdown = doctorMarkdown(run);
    expect(markdown).toContain('### Ringg key rotation doctor: 2 of 3 ready');
    expect(markdown).toContain('| secret | ready | findings | what to do | not checked |');
    expect(markdown).toContain(
      '| `ringg/dead` | **no** | current-key-rejected | current-key-rejected: Ringg rejects',
    );
    expect(markdown.split('\n').filter((line) => line.startsWith('| `'))).toHaveLength(3);
  });

  it('json: {"secrets":[{"secretId","ready","findings":[{"code","message"}],"notChecked":[…]}]}', () => {
    const json = doctorJson(run) as { ready: boolean; secrets: Record<string, unknown>[] };
    expect(json.ready).toBe(false);
    expect(json.secrets.map((s) => Object.keys(s))).toEqual(
      Array(3).fill(['secretId', 'name', 'ready', 'workspaceId', 'findings', 'notChecked']),
    );
    expect(json.secrets[1]).toMatchObject({
      secretId: 'ringg/dead',
      ready: false,
      findings: [{ code: 'current-key-rejected' }],
    });
  });
});
