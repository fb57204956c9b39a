import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/sdk/test/**/*.test.ts'],
    pool: 'forks',
    // the suites wait on HTTP and PostgreSQL more than on the CPU: one worker more than cores overlaps that
    maxWorkers: availableParallelism() + 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
