import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The adoption test packs and installs the package: npm run test:package (vitest.package.config.ts).
    exclude: ['test/package/adoption.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    env: { CDK_VALIDATION: 'false' },
  },
});
