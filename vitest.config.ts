import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // On a 2-core machine vitest would run one file at a time; many files mostly wait (on PostgreSQL,
    // Redis, child processes and the browser), so two at a time keep both cores busy.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
