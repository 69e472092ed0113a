/**
 * Timing-sensitive acceptance tests (latency checked against the fixture's ground truth, "no clear difference"
 * between two runs). They run after the main suite, one file at a time, so other test files' browsers do not
 * steal the CPU whose absence they would then measure.
 */
import { defineConfig } from 'vitest/config';
import { TIMING_SENSITIVE } from './vitest.config.js';

export default defineConfig({
  test: {
    include: [...TIMING_SENSITIVE],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
