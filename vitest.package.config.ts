import { defineConfig } from 'vitest/config';

// The adoption test (npm run test:package): packs the package and installs it into scratch projects.
export default defineConfig({
  test: {
    include: ['test/package/adoption.test.ts'],
    environment: 'node',
    setupFiles: ['test/support/quiet-output.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    env: { CDK_VALIDATION: 'false' },
  },
});
