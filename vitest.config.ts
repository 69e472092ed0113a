import { defineConfig } from 'vitest/config';

/** Run alone afterwards by vitest.timing.config.ts (see there). */
export const TIMING_SENSITIVE = ['test/integration/probe-accuracy.test.ts', 'test/integration/compare-runs.test.ts', 'test/integration/server-metrics.test.ts'];

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    exclude: [...TIMING_SENSITIVE, '**/node_modules/**'],
    // Integration tests drive real Chromium; two cores cannot run many of them at once without skewing latencies.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
