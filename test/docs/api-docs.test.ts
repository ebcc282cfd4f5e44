import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOCS, renderApiDocs } from '../../scripts/api-docs.js';

describe('docs/api.md', () => {
  it('is what `npm run docs` generates from the doc comments (run it after changing a prop)', () => {
    const generated = renderApiDocs();
    expect(generated).toContain('### interface `RinggKeyRotationProps`');
    expect(generated).toMatch(
      /\| `timeout` \| `Duration` \| `Duration\.seconds\(90\)` \| The function's timeout\./,
    );
    expect(readFileSync(API_DOCS, 'utf8')).toBe(generated);
  });
});
