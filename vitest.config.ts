import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one fewer worker than cores: one on these 2-core machines, so the suite ran file by file
    // (839 s). Most files wait on Postgres, Redis, browsers or child processes: two workers take 616 s.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
