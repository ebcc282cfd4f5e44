import { describe, expect, it } from 'vitest';
import { Logger } from '../../lambda/logger.js';

describe('Logger', () => {
  it('writes one JSON object per line with the child fields', () => {
    const lines: string[] = [];
    new Logger((l) => lines.push(l), { app: 'x' }).child({ step: 'setSecret' }).info('hello', { n: 1 });
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'INFO',
      message: 'hello',
      app: 'x',
      step: 'setSecret',
      n: 1,
    });
  });

  it('masks every registered secret, in children too, wherever it appears', () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l));
    const child = log.child({ step: 'testSecret' });
    log.redact('7251cb4b-3373-43a4-844c-b27a1d45e0c9');
    child.error('boom 7251cb4b-3373-43a4-844c-b27a1d45e0c9', {
      nested: { v: 'x7251cb4b-3373-43a4-844c-b27a1d45e0c9x' },
    });
    expect(lines[0]).not.toContain('7251cb4b-3373-43a4-844c-b27a1d45e0c9');
    expect(lines[0]).toContain('[REDACTED]');
  });
});
