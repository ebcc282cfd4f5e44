import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The one error-code table (docs/operating.md, "Error codes") against the codes the code can produce:
// every code the function or the CLI can report is in the table, and every code in the table is one
// of them. Read from the sources, so a new code without a row (or a row for a removed code) fails here.

const OPERATING = 'docs/operating.md';

/** The codes of the table's first column: each `code` in backticks there. */
function documentedCodes(): Set<string> {
  const text = readFileSync(OPERATING, 'utf8');
  const start = text.indexOf('### Error codes');
  const end = text.indexOf('\n### ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return new Set(
    rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string)),
  );
}

/** Every code of the error table in lambda/errors.ts (its keys). */
function functionCodes(): Set<string> {
  const text = readFileSync('lambda/errors.ts', 'utf8');
  return new Set([...text.matchAll(/^ {2}'([a-z-]+)': rule</gm)].map((m) => m[1] as string));
}

const sources = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');

/**
 * The codes the CLI reports itself: `code: '...'` in its errors and configuration problems, the
 * refusals of its preflight, and the codes `errorCodeOf` gives a result that has no error of its own.
 */
function cliCodes(): Set<string> {
  const text = sources('cli');
  const results =
    /export function errorCodeOf[\s\S]*?\n}/.exec(readFileSync('cli/bulk-result.ts', 'utf8'))?.[0] ?? '';
  return new Set([
    ...[...text.matchAll(/\bcode: '([a-z][a-z0-9-]*)'/g)].map((m) => m[1] as string),
    ...[...text.matchAll(/\brefuse\(\s*'([a-z][a-z0-9-]*)'/g)].map((m) => m[1] as string),
    ...[...results.matchAll(/(?:return|\?\?) '([a-z][a-z0-9-]*)'/g)].map((m) => m[1] as string),
  ]);
}

/** The codes the CLI has advice for (cli/failure-advice.ts), AWS SDK error names included. */
function advisedCodes(): Set<string> {
  const text = readFileSync('cli/failure-advice.ts', 'utf8');
  const table = /const ADVICE[^=]*= \{([\s\S]*?)\n\};/.exec(text)?.[1] ?? '';
  return new Set([...table.matchAll(/^ {2}'?([A-Za-z][A-Za-z0-9-]*)'?:/gm)].map((m) => m[1] as string));
}

describe('the error-code table in docs/operating.md', () => {
  const documented = documentedCodes();
  const fromFunction = functionCodes();
  const fromCli = cliCodes();
  const advised = advisedCodes();

  it('reads the codes it compares (the sources and the table are where this test looks)', () => {
    expect(fromFunction.size).toBeGreaterThan(20);
    expect(fromFunction).toContain('new-key-lost');
    expect(fromCli).toContain('previous-rotation-incomplete');
    expect(fromCli).toContain('no-region');
    expect(fromCli).toContain('timed-out');
    expect(advised).toContain('AccessDeniedException');
    expect(documented).toContain('current-key-rejected');
  });

  it('has a row for every code the function can record', () => {
    expect([...fromFunction].filter((code) => !documented.has(code))).toEqual([]);
  });

  it('has a row for every code the CLI reports or advises on', () => {
    expect([...fromCli, ...advised].filter((code) => !documented.has(code))).toEqual([]);
  });

  it('has no row for a code nothing produces', () => {
    const produced = new Set([...fromFunction, ...fromCli, ...advised]);
    expect([...documented].filter((code) => !produced.has(code))).toEqual([]);
  });
});
