import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'controllers/**/*.test.ts', 'src/**/*.test.ts'],
    // The compiled build is run by test/cli/binary.test.ts, never collected as tests itself.
    exclude: [...configDefaults.exclude, 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real servers, databases and Redis queues; two cores do not gain from more forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
