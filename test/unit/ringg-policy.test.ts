import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../common/backoff.js';
import { decideAfterProbe, decideAfterRegenerate, decideAfterVerify } from '../../common/ringg-policy.js';

const status = (code: number, retryAfterMs?: number) => ({
  kind: 'status' as const,
  status: code,
  retryAfterMs,
});

describe('decideAfterRegenerate', () => {
  it('stores a new key', () => {
    expect(decideAfterRegenerate({ kind: 'ok', newKey: 'k' })).toEqual({ action: 'store', newKey: 'k' });
  });

  it('never retries an answer that does not prove whether Ringg regenerated: it probes', () => {
    for (const result of [
      status(500),
      status(502),
      status(418),
      { kind: 'no-key' as const },
      { kind: 'network' as const, sent: true, code: 'UND_ERR_HEADERS_TIMEOUT' },
      { kind: 'network' as const, sent: true, code: 'ECONNRESET' },
    ]) {
      expect(decideAfterRegenerate(result)).toEqual({ action: 'probe' });
    }
  });

  it('retries what never reached Ringg', () => {
    expect(decideAfterRegenerate({ kind: 'network', sent: false, code: 'ECONNREFUSED' })).toEqual({
      action: 'retry',
    });
  });

  it('maps 429, 403 and 401', () => {
    expect(decideAfterRegenerate(status(429, 2000))).toEqual({ action: 'wait-and-retry', waitMs: 2000 });
    expect(decideAfterRegenerate(status(403))).toEqual({ action: 'fail-forbidden' });
    expect(decideAfterRegenerate(status(401))).toEqual({ action: 'fail-unauthorized' });
  });
});

describe('decideAfterProbe', () => {
  it('tells not-regenerated, lost and unknown apart', () => {
    expect(decideAfterProbe({ kind: 'ok', workspaceId: 'w', apiKey: undefined })).toBe('not-regenerated');
    expect(decideAfterProbe(status(401))).toBe('regenerated-and-lost');
    expect(decideAfterProbe(status(503))).toBe('unknown');
    expect(decideAfterProbe({ kind: 'network', sent: true, code: 'X' })).toBe('unknown');
  });
});

describe('decideAfterVerify', () => {
  it('retries 401 only for a fresh key', () => {
    expect(decideAfterVerify(status(401), true)).toBe('retry');
    expect(decideAfterVerify(status(401), false)).toBe('rejected');
  });

  it('retries 5xx, 429 and network errors, gives up on other codes', () => {
    expect(decideAfterVerify(status(500), false)).toBe('retry');
    expect(decideAfterVerify(status(429), false)).toBe('retry');
    expect(decideAfterVerify({ kind: 'network', sent: false, code: 'ECONNREFUSED' }, false)).toBe('retry');
    expect(decideAfterVerify(status(404), false)).toBe('give-up');
    expect(decideAfterVerify(status(403), false)).toBe('forbidden');
  });
});

describe('backoffMs', () => {
  it('grows exponentially within [half, all] of the ceiling, and stops at the cap', () => {
    expect(backoffMs(1, 500, 4000, () => 0)).toBe(250);
    expect(backoffMs(1, 500, 4000, () => 1)).toBe(500);
    expect(backoffMs(3, 500, 4000, () => 1)).toBe(2000);
    expect(backoffMs(10, 500, 4000, () => 1)).toBe(4000);
  });
});
