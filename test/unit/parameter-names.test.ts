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
    expect(names.record('0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b')).toBe(
      '/ringg-rotation/ringg/team_a-1.prod/rotation/0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b',
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
    const records = names.map((name) => parameterNames('/p', name).record('t'));
    const mirrors = names.map((name) => mirrorParameterName('/m', name));
    expect(new Set(records).size).toBe(names.length);
    expect(new Set(mirrors).size).toBe(names.length);
    for (const parameter of [...records, ...mirrors]) expect(parameter).toMatch(/^(\/[A-Za-z0-9_.-]+)+$/);
    expect(parameterNames('/p', 'ringg/team+a').record('t')).toMatch(
      /^\/p\/ringg\/team_a\.[0-9a-f]{10}\/rotation\/t$/,
    );
  });

  it('give every token one safe segment of its own: safe tokens as they are, others hashed', () => {
    const tokens = ['abc', 'a/b', 'a_b', 'a b', '.', '..', 'x'.repeat(64), 'x'.repeat(65), 'tök'];
    const segments = tokens.map(tokenSegment);
    expect(new Set(segments).size).toBe(tokens.length);
    for (const segment of segments) expect(segment).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    for (const segment of segments) expect(segment).not.toMatch(/^\.\.?$/);
    expect(tokenSegment('abc')).toBe('abc');
    expect(tokenSegment('a/b')).toMatch(/^t-[0-9a-f]{32}$/);
    expect(levelsOf(parameterNames('/p', 'ringg/x').record('a/b/c/d'))).toBe(5);
  });

  it(`refuse a secret whose deepest parameter would pass SSM's ${SSM_MAX_HIERARCHY_LEVELS} levels`, () => {
    const twelve = 'org/a/b/c/d/e/f/g/h/i/j/ringg';
    expect(levelsOf(parameterNames('/ringg-rotation', twelve).record('t'))).toBe(15);
    expect(parameterNamesProblem('/ringg-rotation', twelve)).toBeUndefined();
    expect(parameterNamesProblem('/ringg-rotation', `${twelve}/x`)).toMatch(
      /would have 16 levels, and SSM Parameter Store allows 15/,
    );
    expect(parameterNamesProblem('/team/ringg-rotation', twelve)).toMatch(/16 levels/);
  });

  it('keep each rotation token to one segment: one that would add segments, spell a kind or hold unsafe characters is hashed', () => {
    const names = parameterNames('/p', 'ringg/prod');
    const plain = '0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b';
    expect(names.rescue(plain)).toBe(`/p/ringg/prod/rescue/${plain}`);
    for (const token of [
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/journal',
      'x/../../journal',
      '..',
      'journal',
      'rotation',
      't+=@ken',
    ]) {
      const rescue = names.rescue(token);
      expect(levelsOf(rescue)).toBe(levelsOf(names.rescue(plain)));
      expect(rescue).toMatch(/^\/p\/ringg\/prod\/rescue\/[A-Za-z0-9_.-]+\.[0-9a-f]{10}$/);
      expect(levelsOf(names.intent(token, 1))).toBe(levelsOf(names.intent(plain, 1)));
    }
    expect(names.rescue('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/journal')).not.toBe(
      names.rescue('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_journal'),
    );
  });

  it('end every name in its kind, so the CI grant on <prefix>/*/journal matches journals and nothing that can hold a key', () => {
    const ciGrant = '/ringg-rotation/*/journal';
    const secrets = [
      'ringg/prod',
      'ringg/prod/journal',
      'ringg/prod/rescue',
      'journal',
      'a/rotation',
      'x+y/journal',
    ];
    const tokens = [
      '0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/journal',
      'journal',
    ];
    for (const secret of secrets) {
      const names = parameterNames('/ringg-rotation', secret);
      expect(iamMatches(ciGrant, names.journal)).toBe(true);
      const keyHolding = [names.rotation, ...tokens.map((t) => names.rescue(t))];
      for (const name of keyHolding)
        expect({ name, matches: iamMatches(ciGrant, name) }).toEqual({ name, matches: false });
      // No key-holding name of one secret is a journal of another.
      for (const other of secrets) {
        for (const name of keyHolding)
          expect(name).not.toBe(parameterNames('/ringg-rotation', other).journal);
      }
    }
    // What the token used verbatim gave: a rescue the CI grant matched.
    expect(
      iamMatches(ciGrant, '/ringg-rotation/ringg/prod/rescue/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/journal'),
    ).toBe(true);
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
