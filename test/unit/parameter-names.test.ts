import { describe, expect, it } from 'vitest';
import {
  levelsOf,
  mirrorParameterName,
  parameterNames,
  parameterNamesProblem,
  SSM_MAX_HIERARCHY_LEVELS,
  tokenSegment,
} from '../../common/parameter-names.js';

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
});
