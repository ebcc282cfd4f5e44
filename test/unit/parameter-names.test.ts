import { describe, expect, it } from 'vitest';
import {
  levelsOf,
  mirrorParameterName,
  PARAMETER_KINDS,
  parameterNames,
  parameterNamesProblem,
  parameterPrefixProblem,
  prefixesOverlap,
  SSM_MAX_HIERARCHY_LEVELS,
  tokenSegment,
} from '../../common/parameter-names.js';
import { loadConfig } from '../../lambda/config.js';

/** IAM's matching of `*` in a resource ARN: any characters, `/` included. */
const iamMatches = (pattern: string, name: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(name);

describe('parameter names', () => {
  it('keep a name SSM can hold as it is', () => {
    const names = parameterNames('/ringg-rotation', 'ringg/team_a-1.prod');
    expect(names.recordPath).toBe('/ringg-rotation/ringg/team_a-1.prod/rotation');
    expect(names.record('0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b', 1)).toBe(
      '/ringg-rotation/ringg/team_a-1.prod/rotation/0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b.g1',
    );
    expect(names.legacyRescue('0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b')).toBe(
      '/ringg-rotation/ringg/team_a-1.prod/rescue/0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b',
    );
    expect(mirrorParameterName('/services/ringg', 'ringg/prod')).toBe('/services/ringg/ringg/prod');
  });

  it('never give two secret names one parameter (+ = @ and stray slashes are not lost)', () => {
    const names = [
      'ringg/team+a',
      'ringg/team=a',
      'ringg/team@a',
      'ringg/team_a',
      'ringg/x',
      '/ringg/x',
      'ringg/x/',
    ];
    const records = names.map((name) => parameterNames('/p', name).record('t', 1));
    const mirrors = names.map((name) => mirrorParameterName('/m', name));
    expect(new Set(records).size).toBe(names.length);
    expect(new Set(mirrors).size).toBe(names.length);
    for (const parameter of [...records, ...mirrors]) expect(parameter).toMatch(/^(\/[A-Za-z0-9_.-]+)+$/);
    expect(parameterNames('/p', 'ringg/team+a').record('t', 1)).toMatch(
      /^\/p\/ringg\/team_a\.[0-9a-f]{10}\/rotation\/t\.g1$/,
    );
  });

  it('give every token one safe segment of its own: safe tokens as they are, others hashed', () => {
    const tokens = [
      'abc',
      'a/b',
      'a_b',
      'a b',
      '.',
      '..',
      'x'.repeat(64),
      'x'.repeat(65),
      'tök',
      ...PARAMETER_KINDS,
    ];
    const segments = tokens.map(tokenSegment);
    expect(new Set(segments).size).toBe(tokens.length);
    for (const segment of segments) expect(segment).toMatch(/^[A-Za-z0-9_.-]+$/);
    for (const segment of segments) expect(segment).not.toMatch(/^\.+$/);
    for (const kind of PARAMETER_KINDS) expect(segments).not.toContain(kind);
    expect(tokenSegment('abc')).toBe('abc');
    expect(tokenSegment('x'.repeat(64))).toBe('x'.repeat(64));
    expect(tokenSegment('a/b')).toMatch(/^a_b\.[0-9a-f]{10}$/);
    expect(tokenSegment('a/b')).not.toBe(tokenSegment('a_b'));
    expect(levelsOf(parameterNames('/p', 'ringg/x').record('a/b/c/d', 1))).toBe(5);
  });

  it(`refuse a secret whose deepest parameter would pass SSM's ${SSM_MAX_HIERARCHY_LEVELS} levels`, () => {
    const twelve = 'org/a/b/c/d/e/f/g/h/i/j/ringg';
    expect(levelsOf(parameterNames('/ringg-rotation', twelve).record('t', 1))).toBe(15);
    expect(parameterNamesProblem('/ringg-rotation', twelve)).toBeUndefined();
    expect(parameterNamesProblem('/ringg-rotation', `${twelve}/x`)).toMatch(
      /would have 16 levels, and SSM Parameter Store allows 15/,
    );
    expect(parameterNamesProblem('/team/ringg-rotation', twelve)).toMatch(/16 levels/);
  });

  it('keep each rotation token to one segment: one that would add segments, spell a kind or hold unsafe characters is hashed', () => {
    const names = parameterNames('/p', 'ringg/prod');
    const plain = '0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b';
    expect(names.record(plain, 1)).toBe(`/p/ringg/prod/rotation/${plain}.g1`);
    for (const token of [
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/journal',
      'x/../../journal',
      '..',
      'journal',
      'rotation',
      'rescue',
      'intent',
      't+=@ken',
    ]) {
      const record = names.record(token, 1);
      expect(levelsOf(record)).toBe(levelsOf(names.record(plain, 1)));
      expect(record).toMatch(/^\/p\/ringg\/prod\/rotation\/[A-Za-z0-9_.-]+\.[0-9a-f]{10}\.g1$/);
    }
    expect(names.record('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/journal', 1)).not.toBe(
      names.record('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_journal', 1),
    );
  });

  it('give each claim of a rotation its own parameter, and know which claim of which rotation a name is', () => {
    const names = parameterNames('/p', 'ringg/prod');
    const tokens = ['t', 't.g1', 't.g', 'a/journal', 'x'.repeat(64)];
    const all = tokens.flatMap((t) => [1, 2, 10].map((g) => ({ t, g, name: names.record(t, g) })));
    expect(new Set(all.map((r) => r.name)).size).toBe(all.length);
    for (const a of all)
      for (const t of tokens) expect(names.generationOf(a.name, t)).toBe(t === a.t ? a.g : undefined);
    expect(names.generationOf(`${names.recordPath}/t.g0`, 't')).toBeUndefined();
    expect(names.generationOf(`${names.recordPath}/t`, 't')).toBeUndefined();
    expect(parameterNames('/p', 'ringg/other').generationOf(names.record('t', 1), 't')).toBeUndefined();
  });

  it("put every record one level under its secret's record path and nowhere another secret lists, inside the KMS grant on <prefix>/*/rotation/*", () => {
    const kmsGrant = '/ringg-rotation/*/rotation/*';
    const secrets = [
      'ringg/prod',
      'ringg/prod/rotation',
      'ringg/prod/rotation/x',
      'ringg/prod/journal',
      'rotation',
      'a/rotation',
      'x+y/rotation',
    ];
    const tokens = [
      '0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/journal',
      'x/rotation',
      ...PARAMETER_KINDS,
    ];
    const recordsOf = (secret: string) =>
      tokens.map((t) => parameterNames('/ringg-rotation', secret).record(t, 1));
    for (const secret of secrets) {
      const names = parameterNames('/ringg-rotation', secret);
      for (const record of recordsOf(secret)) {
        expect(record.startsWith(`${names.recordPath}/`)).toBe(true);
        expect(levelsOf(record)).toBe(levelsOf(names.recordPath) + 1);
        expect(iamMatches(kmsGrant, record)).toBe(true);
      }
      // GetParametersByPath (not recursive) on another secret's record path never lists this one's records.
      for (const other of secrets.filter((o) => o !== secret)) {
        const otherPath = parameterNames('/ringg-rotation', other).recordPath;
        for (const record of recordsOf(secret)) {
          expect({
            record,
            otherPath,
            listed: record.startsWith(`${otherPath}/`) && levelsOf(record) === levelsOf(otherPath) + 1,
          }).toEqual({ record, otherPath, listed: false });
          expect(record).not.toBe(otherPath);
          expect(recordsOf(other)).not.toContain(record);
        }
      }
    }
    // What the token used verbatim gave: ringg/prod's record of the token "rotation" was the path that
    // lists the records of ringg/prod/rotation.
    expect('/ringg-rotation/ringg/prod/rotation/rotation').toBe(
      parameterNames('/ringg-rotation', 'ringg/prod/rotation').recordPath,
    );
    expect(PARAMETER_KINDS).toEqual(['journal', 'rotation', 'rescue', 'intent']);
  });

  it('tell overlapping prefixes (segment by segment) and refuse what is no SSM path', () => {
    expect(prefixesOverlap('/ringg', '/ringg')).toBe(true);
    expect(prefixesOverlap('/ringg', '/ringg/mirror')).toBe(true);
    expect(prefixesOverlap('/ringg/mirror', '/ringg')).toBe(true);
    expect(prefixesOverlap('/ringg', '/ringg-mirror')).toBe(false);
    expect(prefixesOverlap('/ringg-rotation', '/services/ringg')).toBe(false);
    expect(parameterPrefixProblem('/ringg-rotation')).toBeUndefined();
    for (const bad of ['ringg', '/ringg/', '/aws/x', '/ssm-x', '/a b', '/a//b']) {
      expect(parameterPrefixProblem(bad)).toBeDefined();
    }
    expect(() =>
      loadConfig({ ROTATION_PARAMETER_PREFIX: '/ringg', MIRROR_PARAMETER_PREFIX: '/ringg/mirror' }),
    ).toThrow(/MIRROR_PARAMETER_PREFIX "\/ringg\/mirror" and ROTATION_PARAMETER_PREFIX "\/ringg" overlap/);
  });
});
