import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time on the 2-core machines: 616 s instead of 839 s for the whole suite.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
