import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SDK_MAX_ATTEMPTS } from '../../lambda/adapters/aws-call.js';

it('docs/operating.md states the SDK attempts lambda/handler.ts configures', () => {
  const row = readFileSync('docs/operating.md', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('| `ROTATION_AWS_CALL_TIMEOUT_MS`'));
  expect(row).toContain(`up to ${SDK_MAX_ATTEMPTS} attempts`); // says "up to 6 attempts"
});
