import { defineConfig } from 'vitest/config';

// The one file that mocks a module (console-authz: Fastify's route table) runs in a fresh module
// graph; every other file shares its worker's modules with the files before it, which spares each
// file loading the whole application again (about a quarter of the suite's time). Each file still
// has its own database and Redis key prefix (test/support/harness.ts).
const MOCKING = ['test/console-authz.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // On a 2-core machine vitest would run one file at a time; many files mostly wait (on PostgreSQL,
    // Redis, child processes and the browser), so two at a time keep both cores busy.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: MOCKING, isolate: false } },
      { extends: true, test: { name: 'isolated', include: MOCKING } },
    ],
  },
});
