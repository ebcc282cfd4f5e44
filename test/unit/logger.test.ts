import { describe, expect, it } from 'vitest';
import { Logger } from '../../lambda/logger.js';

/** A key the key rule accepts (printable ASCII) that JSON must escape: `"` and `\`. */
const QUOTED_KEY = 'k"ey\\with\\"quotes"-7251cb4b-3373-43a4-844c';
const escapedForm = (value: string) => JSON.stringify(value).slice(1, -1);

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

  it('masks a key holding " and \\ before serializing: neither its raw nor its escaped form is written', () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l));
    log.redact(QUOTED_KEY);
    log.warn(`in the message ${QUOTED_KEY}`, {
      field: QUOTED_KEY,
      deep: [{ inside: `a${QUOTED_KEY}b` }],
      [QUOTED_KEY]: 'as a field name',
      quoted: `SDK said: {"apiKey":"${escapedForm(QUOTED_KEY)}"}`,
    });
    const line = lines[0] ?? '';
    expect(line).not.toContain(QUOTED_KEY);
    expect(line).not.toContain(escapedForm(QUOTED_KEY));
    const parsed = JSON.parse(line);
    expect(parsed.message).toBe('in the message [REDACTED]');
    expect(parsed.field).toBe('[REDACTED]');
    expect(parsed.deep).toEqual([{ inside: 'a[REDACTED]b' }]);
    expect(parsed['[REDACTED]']).toBe('as a field name');
    expect(parsed.quoted).toBe('SDK said: {"apiKey":"[REDACTED]"}');
  });

  it('masks a value holding another whole (longest first)', () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l));
    log.redact('abcd');
    log.redact('xxabcdyy');
    log.info('xxabcdyy and abcd');
    expect(JSON.parse(lines[0] ?? '').message).toBe('[REDACTED] and [REDACTED]');
  });

  it('keeps every value registered in an invocation, however many (no eviction after 256)', async () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l));
    const values = Array.from({ length: 1_000 }, (_, i) => `key-${String(i).padStart(4, '0')}-secret`);
    await log.invocation(async () => {
      for (const value of values) log.redact(value);
      log.info(values.join(' '));
    });
    expect(values.filter((value) => lines[0]?.includes(value))).toEqual([]);
  });

  it('gives each invocation its own set, shared by children and by loggers made before it', async () => {
    const lines: string[] = [];
    const root = new Logger((l) => lines.push(l));
    const heldByAnAdapter = root.child({ adapter: 'journal' });
    let releaseFirst: () => void = () => {};
    const firstMayLog = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const first = root.invocation(async () => {
      root.redact('first-invocation-key');
      await firstMayLog;
      heldByAnAdapter.info('first sees first-invocation-key and second-invocation-key');
    });
    const second = root.invocation(async () => {
      root.child({ step: 'x' }).redact('second-invocation-key');
      heldByAnAdapter.info('second sees first-invocation-key and second-invocation-key');
      releaseFirst();
    });
    await Promise.all([first, second]);
    const byInvocation = Object.fromEntries(lines.map((l) => [JSON.parse(l).message.split(' ')[0], l]));
    expect(JSON.parse(byInvocation.first ?? '').message).toBe(
      'first sees [REDACTED] and second-invocation-key',
    );
    expect(JSON.parse(byInvocation.second ?? '').message).toBe(
      'second sees first-invocation-key and [REDACTED]',
    );
    // Nothing outlives its invocation.
    root.info('after: first-invocation-key second-invocation-key');
    expect(JSON.parse(lines.at(-1) ?? '').message).toBe('after: first-invocation-key second-invocation-key');
  });

  it('turns an error into one to throw: same name, code and retryable; message and stack masked; nothing else', async () => {
    const log = new Logger(() => {});
    const scrubbed = await log.invocation(async () => {
      log.redact(QUOTED_KEY);
      const raw = Object.assign(new Error(`ValidationException: value ${escapedForm(QUOTED_KEY)} rejected`), {
        name: 'ValidationException',
        code: 'invalid-secret-value',
        retryable: false,
        $response: { body: QUOTED_KEY },
      });
      return log.scrubbedError(raw);
    });
    expect(scrubbed).toBeInstanceOf(Error);
    expect(scrubbed.name).toBe('ValidationException');
    expect(scrubbed.code).toBe('invalid-secret-value');
    expect(scrubbed.retryable).toBe(false);
    expect(scrubbed.message).toBe('ValidationException: value [REDACTED] rejected');
    expect(scrubbed.stack).toMatch(
      /^ValidationException: ValidationException: value \[REDACTED\] rejected\n/,
    );
    const everything = JSON.stringify({ ...scrubbed, message: scrubbed.message, stack: scrubbed.stack });
    expect(everything).not.toContain(QUOTED_KEY);
    expect(everything).not.toContain(escapedForm(QUOTED_KEY));
    expect(Object.keys(scrubbed).sort()).toEqual(['code', 'retryable']);
    expect(log.scrubbedError('a thrown string').message).toBe('a thrown string');
  });
});
