import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const README = readFileSync('README.md', 'utf8');
const DOCUMENTS = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  ...readdirSync('docs').map((f) => `docs/${f}`),
].filter((f) => f.endsWith('.md'));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => anchorOf(line.replace(/^#+ /, '')));
  return new Set(headings);
}

/** The text outside fenced code blocks. */
const prose = (text: string) => text.replace(/```[\s\S]*?```/g, '');

describe('the README', () => {
  it('fits on a few screens: at most 300 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('shows examples/cdk-app/app.ts as its construct example, verbatim (test/cdk/readme-example.test.ts synthesizes it)', () => {
    const example = readFileSync('examples/cdk-app/app.ts', 'utf8');
    expect(README).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('has an entry for every README section the code sends its users to', () => {
    const files = ['lambda', 'cli', 'lib', 'consumer', 'common', 'scripts'].flatMap((dir) =>
      readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(dir, f)),
    );
    const named = new Set<string>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/README(?: runbook|: runbook|:| section)? "([^"]+)"/g))
        named.add(m[1] as string);
      for (const m of text.matchAll(/README: error code ([a-z-]+)/g)) named.add(m[1] as string);
    }
    expect(named.size).toBeGreaterThan(3);
    const entries = [...README.matchAll(/\*\*\[([^\]]+)\]/g)].map((m) => m[1]);
    expect([...named].filter((name) => !entries.includes(name))).toEqual([]);
  });
});

describe('the documents', () => {
  it.each(DOCUMENTS)('%s: every relative link reaches a file, and its #anchor a heading there', (file) => {
    const broken: string[] = [];
    for (const [, target] of prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#');
      const resolved = path ? normalize(join(dirname(file), path)) : file;
      if (!existsSync(resolved)) broken.push(`${target} (no ${resolved})`);
      else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
        broken.push(`${target} (no heading)`);
    }
    expect(broken).toEqual([]);
  });

  it('state each measured figure once: the values of docs/benchmarks.md appear in no other document', () => {
    const figure = /\b\d[\d,]*(?:\.\d+)? ?(?:ms|s|KiB|MiB|MB|kB|x)\b/g;
    // The measured values: the cells of the benchmark tables after their first (which names the figure).
    const cells = readFileSync('docs/benchmarks.md', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
      .flatMap((line) => line.split(' | ').slice(1));
    const figures = new Set(cells.flatMap((cell) => [...cell.matchAll(figure)].map((m) => m[0])));
    expect(figures.size).toBeGreaterThan(20);
    const repeated = DOCUMENTS.filter((f) => f !== 'docs/benchmarks.md').flatMap((file) =>
      [...prose(readFileSync(file, 'utf8')).matchAll(figure)]
        .map((m) => m[0])
        .filter((value) => figures.has(value))
        .map((value) => `${file}: ${value}`),
    );
    expect(repeated).toEqual([]);
  });
});
