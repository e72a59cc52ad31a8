import { defineConfig } from 'vitest/config';

/**
 * Unit tests under src/ that need PostgreSQL or Redis (they run on both stores, or on the real
 * cache): they belong to the second layer with test/, so `npm run test:fast` needs no service.
 */
const NEEDS_SERVICES = [
  'src/core/sql/contract.test.ts',
  'src/core/pools/queue.test.ts',
  'src/core/pools/pool-ops.test.ts',
  'src/core/security/tokens.test.ts',
  'src/infra/cache/cache.contract.test.ts',
  'src/tools/security/rotate-secrets.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // end-to-end tests spawn processes and servers; two cores, so keep parallelism modest
    maxWorkers: 2,
    projects: [
      // the fast layer beside the code: in-process, embedded store, in-memory MCP, app.request()
      {
        extends: true,
        test: { name: 'fast', include: ['src/**/*.test.ts'], exclude: NEEDS_SERVICES, pool: 'threads' },
      },
      // real processes, sockets, PostgreSQL and Redis
      { extends: true, test: { name: 'full', include: ['test/**/*.test.ts', ...NEEDS_SERVICES] } },
    ],
  },
});
