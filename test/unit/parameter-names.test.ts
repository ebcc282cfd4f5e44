import { describe, expect, it } from 'vitest';
import {
  levelsOf,
  mirrorParameterName,
  parameterNames,
  parameterNamesProblem,
  SSM_MAX_HIERARCHY_LEVELS,
} from '../../common/parameter-names.js';

describe('parameter names', () => {
  it('keep a name SSM can hold as it is', () => {
    const names = parameterNames('/ringg-rotation', 'ringg/team_a-1.prod');
    expect(names.journal).toBe('/ringg-rotation/ringg/team_a-1.prod/journal');
    expect(names.intent('0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b', 2)).toBe(
      '/ringg-rotation/ringg/team_a-1.prod/intent/0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b.2',
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
    const journals = names.map((name) => parameterNames('/p', name).journal);
    const mirrors = names.map((name) => mirrorParameterName('/m', name));
    expect(new Set(journals).size).toBe(names.length);
    expect(new Set(mirrors).size).toBe(names.length);
    for (const parameter of [...journals, ...mirrors]) expect(parameter).toMatch(/^(\/[A-Za-z0-9_.-]+)+$/);
    expect(parameterNames('/p', 'ringg/team+a').journal).toMatch(
      /^\/p\/ringg\/team_a\.[0-9a-f]{10}\/journal$/,
    );
  });

  it(`refuse a secret whose deepest parameter would pass SSM's ${SSM_MAX_HIERARCHY_LEVELS} levels`, () => {
    const twelve = 'org/a/b/c/d/e/f/g/h/i/j/ringg';
    expect(levelsOf(parameterNames('/ringg-rotation', twelve).intent('t', 1))).toBe(15);
    expect(parameterNamesProblem('/ringg-rotation', twelve)).toBeUndefined();
    expect(parameterNamesProblem('/ringg-rotation', `${twelve}/x`)).toMatch(
      /would have 16 levels, and SSM Parameter Store allows 15/,
    );
    expect(parameterNamesProblem('/team/ringg-rotation', twelve)).toMatch(/16 levels/);
  });
});
