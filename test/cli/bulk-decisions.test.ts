import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { BulkProgress } from '../../cli/bulk-progress.js';
import { type BulkEntry, bulkExitCode, countEntries, type WorkspaceNote } from '../../cli/bulk-result.js';
import type { CliContext } from '../../cli/context.js';
import { adviceFor, adviceForEntry } from '../../cli/failure-advice.js';
import { parseFunctionRef, rotatedBy } from '../../cli/function-ref.js';
import { listRotatedSecrets } from '../../cli/list-rotated-secrets.js';
import { mapWithConcurrency } from '../../cli/parallel.js';
import { sharedWorkspaceGroups, sharedWorkspaceRefusal, workspaceNotes } from '../../cli/preflight.js';
import { entryLine, summaryMarkdown, summaryText } from '../../cli/summary-table.js';

const FN = 'arn:aws:lambda:eu-west-1:111122223333:function:ringg-key-rotation';

const rotated = (name: string): BulkEntry => ({
  secretId: name,
  name,
  result: 'rotated',
  elapsedSeconds: 1.25,
  token: '0123abcd-0000-4000-8000-000000000000',
  key: { fingerprint: 'sha256:0a1b2c3d', verified: true },
});
const failed = (name: string, code: string): BulkEntry => ({
  secretId: name,
  name,
  result: 'failed',
  elapsedSeconds: 2,
  token: '4567ef01-0000-4000-8000-000000000000',
  step: 'setSecret',
  error: { code, message: 'm' },
});
const refused = (name: string, code: string): BulkEntry => ({
  secretId: name,
  name,
  result: 'refused',
  elapsedSeconds: 0,
  error: { code, message: 'm' },
});

describe('mapWithConcurrency', () => {
  it('never runs more than the limit at once, starts in order and keeps the order of results', async () => {
    let running = 0;
    let most = 0;
    const startedOrder: number[] = [];
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 1, 2], 3, async (ms, index) => {
      startedOrder.push(index);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms * 3));
      running--;
      return ms * 10;
    });
    expect(most).toBe(3);
    expect(startedOrder).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results).toEqual([50, 10, 40, 20, 30, 10, 20]);
  });

  it('handles fewer items than the limit and none at all, and refuses a limit below 1', async () => {
    expect(await mapWithConcurrency([1], 8, async (x) => x + 1)).toEqual([2]);
    expect(await mapWithConcurrency([], 8, async (x) => x)).toEqual([]);
    await expect(mapWithConcurrency([1], 0, async (x) => x)).rejects.toThrow(/whole number/);
  });
});

describe('the bulk exit code', () => {
  it.each([
    [[rotated('a'), rotated('b')], 0],
    [[rotated('a'), refused('b', 'rotation-disabled')], 3],
    [[rotated('a'), failed('b', 'new-key-lost')], 1],
    [[refused('a', 'x'), failed('b', 'new-key-lost'), rotated('c')], 1],
    [[], 3],
  ] as [BulkEntry[], number][])(
    '%# → %i: failed outranks refused, which outranks rotated',
    (entries, code) => {
      expect(bulkExitCode(countEntries(entries))).toBe(code);
    },
  );

  it('counts a timeout and a rejected key as failed', () => {
    const counts = countEntries([
      { secretId: 'a', name: 'a', result: 'timed-out', elapsedSeconds: 300, token: 't' },
      {
        secretId: 'b',
        name: 'b',
        result: 'key-rejected',
        elapsedSeconds: 1,
        token: 't',
        status: 401,
        key: { fingerprint: 'sha256:00000000', verified: false },
      },
    ]);
    expect(counts).toEqual({ total: 2, rotated: 0, failed: 2, refused: 0 });
  });
});

describe('--function', () => {
  it('matches an ARN exactly and a name against the name in the rotation ARN', () => {
    const byArn = parseFunctionRef(FN);
    const byName = parseFunctionRef('ringg-key-rotation');
    if (!byArn.ok || !byName.ok) throw new Error('should parse');
    expect(rotatedBy(byArn.ref, FN)).toBe(true);
    expect(rotatedBy(byArn.ref, FN.replace('eu-west-1', 'us-east-1'))).toBe(false);
    expect(rotatedBy(byName.ref, FN)).toBe(true);
    expect(rotatedBy(byName.ref, `${FN}:live`)).toBe(true);
    expect(rotatedBy(byName.ref, `${FN}-old`)).toBe(false);
    expect(rotatedBy(byName.ref, undefined)).toBe(false);
  });

  it('refuses what is neither a function name nor a Lambda ARN', () => {
    for (const bad of ['', 'my function', 'arn:aws:s3:::bucket', 'x'.repeat(65)]) {
      expect(parseFunctionRef(bad)).toMatchObject({
        ok: false,
        problem: expect.stringContaining('FunctionName'),
      });
    }
  });
});

describe('the summary', () => {
  const entries = [
    rotated('ringg/a'),
    failed('ringg/b', 'permission-denied'),
    failed('ringg/c', 'permission-denied'),
    refused('ringg/d', 'previous-rotation-incomplete'),
  ];

  it('is a table with one row per secret, then the totals and one piece of advice per error code', () => {
    const text = summaryText(entries, countEntries(entries), 3.04, false);
    expect(text.split('\n').slice(0, 5)).toEqual([
      'SECRET   RESULT   VERSION    KEY              DURATION  ERROR',
      'ringg/a  rotated  0123abcd…  sha256:0a1b2c3d  1.3 s     -',
      'ringg/b  FAILED   4567ef01…  -                2.0 s     permission-denied',
      'ringg/c  FAILED   4567ef01…  -                2.0 s     permission-denied',
      'ringg/d  REFUSED  -          -                0.0 s     previous-rotation-incomplete',
    ]);
    expect(text).toContain('4 secrets: 1 rotated, 2 failed, 1 refused, in 3.0 s.');
    expect(text).toContain('  permission-denied (ringg/b, ringg/c):\n    Ringg answered 403');
    expect(text.match(/permission-denied \(/g)).toHaveLength(1);
    expect(text).toContain('  previous-rotation-incomplete (ringg/d):');
  });

  it('as Markdown has the full version and the advice in a column, with pipes escaped', () => {
    const markdown = summaryMarkdown(
      [...entries, refused('odd|name', 'Weird')],
      countEntries(entries),
      3,
      false,
    );
    expect(markdown).toContain(
      '| `ringg/a` | rotated | 0123abcd-0000-4000-8000-000000000000 | sha256:0a1b2c3d | 1.3 s | - |  |',
    );
    expect(markdown).toMatch(
      /\| `ringg\/b` \| FAILED \| 4567ef01-[0-9a-f-]+ \| - \| 2\.0 s \| permission-denied \| Ringg answered 403/,
    );
    expect(markdown).toContain('| `odd\\|name` | REFUSED |');
  });

  it('prints a line per finished secret that says what happened', () => {
    expect(entryLine(rotated('ringg/a'), 3, 12)).toBe(
      '[ 3/12] ringg/a: rotated in 1.3 s, version 0123abcd…, key sha256:0a1b2c3d, Ringg accepts it',
    );
    expect(entryLine(failed('ringg/b', 'new-key-lost'), 4, 12)).toBe(
      '[ 4/12] ringg/b: FAILED in setSecret after 2.0 s: new-key-lost',
    );
    expect(entryLine(refused('ringg/d', 'rotation-disabled'), 12, 12)).toBe(
      '[12/12] ringg/d: REFUSED: rotation-disabled; nothing changed',
    );
  });
});

describe('bulk progress', () => {
  const sink = (isTTY: boolean, columns?: number) => {
    const written: string[] = [];
    return { written, out: { write: (t: string) => written.push(t), isTTY, columns } };
  };

  it('writes plain lines when not on a terminal: one when a secret starts, one when it is done', () => {
    const { written, out } = sink(false);
    const progress = new BulkProgress(out, true);
    progress.started('a', 'a: rotation started');
    progress.update('a', 'a: setSecret');
    progress.finished('a', '[1/1] a: rotated');
    expect(written).toEqual(['a: rotation started\n', '[1/1] a: rotated\n']);
  });

  it('redraws the running lines in place on a terminal, clipped to its width', () => {
    const { written, out } = sink(true, 30);
    const progress = new BulkProgress(out, true);
    progress.started('a', 'a: started');
    progress.started('b', `b: ${'x'.repeat(40)}`);
    progress.finished('a', '[1/2] a: rotated');
    const esc = String.fromCharCode(27);
    expect(written[1]).toBe(`${esc}[1A\r${esc}[2Ka: started\n${esc}[2Kb: ${'x'.repeat(25)}…\n${esc}[J`);
    expect(written[2]).toBe(`${esc}[2A\r${esc}[2K[1/2] a: rotated\n${esc}[2Kb: ${'x'.repeat(25)}…\n${esc}[J`);
  });

  it('writes nothing in JSON mode', () => {
    const { written, out } = sink(false);
    const progress = new BulkProgress(out, false);
    progress.started('a', 'x');
    progress.finished('a', 'y');
    expect(written).toEqual([]);
  });
});

describe('--all: listing the secrets of a rotation function', () => {
  it('reads every page of ListSecrets and keeps only the secrets that function rotates, sorted by name', async () => {
    const sm = mockClient(SecretsManagerClient);
    const entry = (name: string, fn: string | undefined, enabled = true) => ({
      ARN: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`,
      Name: name,
      RotationLambdaARN: fn,
      RotationEnabled: enabled,
    });
    sm.on(ListSecretsCommand, { NextToken: undefined }).resolves({
      SecretList: [entry('ringg/z', FN), entry('other', `${FN}-x`), entry('plain', undefined)],
      NextToken: 'page-2',
    });
    sm.on(ListSecretsCommand, { NextToken: 'page-2' }).resolves({
      SecretList: [entry('ringg/a', FN, false)],
    });
    const ctx = { sm: new SecretsManagerClient({ region: 'eu-west-1' }) } as unknown as CliContext;
    const ref = parseFunctionRef('ringg-key-rotation');
    if (!ref.ok) throw new Error('should parse');
    expect(await listRotatedSecrets(ctx, ref.ref)).toMatchObject({
      secretIds: [entry('ringg/a', FN).ARN, entry('ringg/z', FN).ARN],
      listed: 4,
    });
    expect(sm.commandCalls(ListSecretsCommand).map((c) => c.args[0].input)).toEqual([
      { MaxResults: 100, NextToken: undefined },
      { MaxResults: 100, NextToken: 'page-2' },
    ]);
    sm.restore();
  });
});

describe('the workspace preflight (pure)', () => {
  const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
  const selected = (name: string, workspaceId: string | undefined, source: 'tag' | 'ringg' = 'tag') => ({
    arn: arn(name),
    name,
    workspaceId,
    source: workspaceId ? source : undefined,
    rotationEnabled: true,
    lastRotated: new Date('2026-03-01T00:00:00Z'),
    ...(workspaceId ? {} : { problem: 'no workspace tag, and AccessDeniedException reading the secret' }),
  });
  const holder = (name: string) => ({
    arn: arn(name),
    name,
    rotationEnabled: false,
    rotationFunction: undefined,
    lastRotated: undefined,
    lastChanged: undefined,
    replicaOf: 'us-east-1',
  });

  it('each secret shares with the other selected ones and the holders found, never with itself', () => {
    const secrets = [
      selected('a', 'w1'),
      selected('b', 'w1', 'ringg'),
      selected('c', 'w2'),
      selected('d', undefined),
    ];
    const found = new Map([
      ['w1', { holders: [holder('a'), holder('x')], complete: true }],
      ['w2', { holders: [holder('c')], complete: false }],
    ]);
    const notes = workspaceNotes(secrets, found);
    expect(notes.get(arn('a'))).toEqual({
      id: 'w1',
      source: 'tag',
      searched: true,
      sharedWith: [
        {
          name: 'b',
          arn: arn('b'),
          selected: true,
          rotationEnabled: true,
          lastRotated: '2026-03-01T00:00:00.000Z',
          replicaOf: undefined,
        },
        {
          name: 'x',
          arn: arn('x'),
          selected: false,
          rotationEnabled: false,
          lastRotated: undefined,
          replicaOf: 'us-east-1',
        },
      ],
    });
    expect(notes.get(arn('b'))?.sharedWith.map((s) => s.name)).toEqual(['a', 'x']);
    expect(notes.get(arn('c'))).toEqual({ id: 'w2', source: 'tag', searched: false, sharedWith: [] });
    expect(notes.get(arn('d'))).toMatchObject({
      id: undefined,
      problem: expect.stringContaining('AccessDenied'),
    });

    expect(sharedWorkspaceRefusal('c', notes.get(arn('c')) as WorkspaceNote)).toBeUndefined();
    const refusal = sharedWorkspaceRefusal('a', notes.get(arn('a')) as WorkspaceNote);
    expect(refusal).toMatchObject({ kind: 'refuse', error: { code: 'shared-workspace' } });
    expect(refusal?.kind === 'refuse' && refusal.error.message).toContain(
      'and so do secrets "b" (rotation on, last rotated 2026-03-01T00:00:00.000Z) and "x" (a replica of a secret in us-east-1, rotated there, rotation off)',
    );
    expect(sharedWorkspaceGroups(secrets, notes)).toEqual([
      { workspaceId: 'w1', secrets: ['a', 'b', 'x'].map((n) => expect.objectContaining({ name: n })) },
    ]);
  });

  it('a rejected key: the advice names the other holder before anything else, and never the dashboard then', () => {
    const workspace: WorkspaceNote = {
      id: 'w1',
      source: 'tag',
      searched: true,
      sharedWith: [
        {
          name: 'team-b/old',
          arn: arn('o'),
          selected: false,
          rotationEnabled: true,
          lastRotated: '2026-01-01T00:00:00.000Z',
          replicaOf: undefined,
        },
        {
          name: 'ringg/prod',
          arn: arn('p'),
          selected: false,
          rotationEnabled: true,
          lastRotated: '2026-03-01T00:00:00.000Z',
          replicaOf: undefined,
        },
      ],
    };
    const entry = { ...failed('ringg/copy', 'current-key-rejected'), workspace };
    const advice = adviceForEntry(entry) ?? '';
    expect(advice).toMatch(
      /^Ringg rejects AWSCURRENT; nothing was regenerated\. Do not regenerate in the Ringg dashboard: "team-b\/old", "ringg\/prod" also hold workspace w1, and "ringg\/prod" \(rotated last\)/,
    );
    expect(advice).toContain('aws secretsmanager get-secret-value --secret-id ringg/prod');
    expect(advice).not.toContain('regenerate the key in the Ringg dashboard');

    // Nobody else known: look first (with the exact search for this workspace), the dashboard only last.
    const alone = adviceFor('new-key-rejected', { ...workspace, sharedWith: [] });
    expect(alone).toContain('No other secret in this Region has the tag ringg-rotation:workspace-id=w1');
    expect(alone).toContain('Key=tag-value,Values=w1');
    expect(alone.indexOf('look in the other Regions')).toBeLessThan(alone.indexOf('Only if none exists'));
    expect(adviceFor('key-rejected')).toContain('Values=<workspace id>');
  });

  it('the summary lists each shared workspace with its holders, and the refused line names the others', () => {
    const workspace: WorkspaceNote = {
      id: 'w1',
      source: 'tag',
      searched: true,
      sharedWith: [
        {
          name: 'x',
          arn: arn('x'),
          selected: false,
          rotationEnabled: true,
          lastRotated: undefined,
          replicaOf: undefined,
        },
      ],
    };
    const entry = { ...refused('ringg/a', 'shared-workspace'), workspace };
    const text = summaryText([entry], countEntries([entry]), 1, false);
    expect(text).toContain('Shared workspaces (a workspace has one live key');
    expect(text).toContain('\n  w1: ringg/a, x (not selected)\n');
    expect(summaryMarkdown([entry], countEntries([entry]), 1, false)).toContain(
      '- w1: ringg/a, x (not selected)',
    );
    expect(entryLine(entry, 1, 1)).toBe('[1/1] ringg/a: REFUSED: shared-workspace with x; nothing changed');
  });
});
