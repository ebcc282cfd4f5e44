import { describe, expect, it } from 'vitest';
import { parseJournalEntry } from '../../common/journal-entry.js';

const valid = {
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ringg/prod-AbCdEf',
  token: 't-1',
  step: 'setSecret',
  state: 'failed',
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
  workspaceId: 'ws-1',
  regenerate: { state: 'in-flight', at: '2026-01-01T00:00:00.500Z' },
  lastError: {
    code: 'new-key-lost',
    message: 'm',
    step: 'setSecret',
    at: '2026-01-01T00:00:01.000Z',
    retryable: false,
  },
};

describe('parseJournalEntry: the journal schema', () => {
  it('accepts what the function writes', () => {
    expect(parseJournalEntry(JSON.stringify(valid))).toEqual({ ok: true, entry: valid });
  });

  it('accepts a promotion, deferred with its reason or done', () => {
    for (const promotion of [
      { state: 'deferred', step: 'setSecret', at: '2026-01-01T00:00:01.000Z', reason: 'no time left' },
      { state: 'promoted', step: 'finishSecret', at: '2026-01-01T00:00:02.000Z' },
    ]) {
      const entry = { ...valid, state: 'promoted', lastError: undefined, promotion };
      expect(parseJournalEntry(JSON.stringify(entry))).toMatchObject({ ok: true, entry: { promotion } });
    }
  });

  it.each([
    ['garbage', '{{', 'it is not JSON'],
    ['an array', '[]', 'it is not a JSON object'],
    [
      'a non-string workspaceId',
      JSON.stringify({ ...valid, workspaceId: {} }),
      '"workspaceId" is not a non-empty string',
    ],
    ['an unknown state', JSON.stringify({ ...valid, state: 'done' }), '"state" is not one of'],
    [
      'an unknown regenerate state',
      JSON.stringify({ ...valid, regenerate: { state: 'x', at: 'a' } }),
      '"regenerate.state"',
    ],
    [
      'retryable as a string',
      JSON.stringify({ ...valid, lastError: { ...valid.lastError, retryable: 'no' } }),
      '"lastError.retryable"',
    ],
    [
      'an unknown promotion state',
      JSON.stringify({ ...valid, promotion: { state: 'maybe', step: 'setSecret', at: 'a' } }),
      '"promotion.state"',
    ],
    ['no token', JSON.stringify({ ...valid, token: undefined }), '"token" is not a non-empty string'],
  ])('refuses %s, naming what is wrong', (_what, text, problem) => {
    const parsed = parseJournalEntry(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toContain(problem);
  });
});
