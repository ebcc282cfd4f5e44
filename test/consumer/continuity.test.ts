import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalEnvironment } from '../../dev/local-environment.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import {
  type ContinuityResult,
  libraryConsumer,
  METHODS,
  naiveConsumer,
  runContinuity,
} from '../../scripts/continuity.js';
import { startWithFreshHandler } from '../support/local.js';

// The real handler rotates the key three times, its steps 100 ms apart, while services call Ringg
// with GET and POST continuously through the consumer library (configured only from the environment:
// RINGG_BASE_URL and the SDK's endpoint variables), and, for comparison, with a naive cache.
let env: LocalEnvironment;
let logs: StdoutCapture;
let result: ContinuityResult;

beforeAll(async () => {
  ({ env, logs } = await startWithFreshHandler());
  result = await runContinuity(env, {
    rotations: 3,
    loops: 2,
    stepGapMs: 100,
    rotationGapMs: 150,
    kinds: [libraryConsumer, naiveConsumer()],
  });
});

afterAll(async () => {
  logs.restore();
  await env.stop();
});

const figure = (kind: string, method: string) => {
  const found = result.figures.find((f) => f.kind === kind && f.method === method);
  if (!found) throw new Error(`no figure for ${kind} ${method}`);
  return found;
};

describe('continuity through whole rotations with paced steps', () => {
  it('rotated the key three times at Ringg', () => {
    expect(result.regenerations).toBe(3);
  });

  it.each(METHODS)('no %s through the library failed', (method) => {
    const library = figure('library', method);
    expect(library.requests).toBeGreaterThan(50);
    expect(library.failed).toBe(0);
    // Each rotation did reach the library's loops: they were rejected and repeated with the new key.
    expect(library.repeated).toBeGreaterThanOrEqual(3);
  });

  it.each(METHODS)('the same rotations break %s for a consumer that caches AWSCURRENT', (method) => {
    expect(figure('naive 300 s cache', method).failed).toBeGreaterThan(0);
  });

  it('no key reached the function log', () => {
    const text = logs.lines.join('\n');
    for (const key of env.ringg.issuedKeys) expect(text).not.toContain(key);
  });
});
