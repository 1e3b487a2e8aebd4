import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'controllers/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real servers, databases and Redis queues; two cores do not gain from more forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
