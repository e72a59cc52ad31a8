import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // end-to-end tests spawn processes and servers; two cores, so keep parallelism modest
    maxWorkers: 2,
  },
});
