import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The adoption test packs and installs the package: npm run test:package (vitest.package.config.ts).
    exclude: ['test/package/adoption.test.ts'],
    environment: 'node',
    // The end-to-end CLI and continuity tests run in real time (the CLI looks at a rotation once a
    // second); on a loaded 2-core machine they can take several times their usual few seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { CDK_VALIDATION: 'false' },
  },
});
