import { describe, expect, it } from 'vitest';
import { carriedGaugeSums } from '../../bench/support/window-measure.js';

describe('carriedGaugeSums (bench: users_active over several lite worker processes)', () => {
  it('carries a source into the bucket that missed its snapshot, and drops it one bucket after its last', () => {
    // Two workers; w1's tick drifts: none of its snapshots lands in bucket 1, two land in bucket 2.
    const r = [
      { source: 'w0', atMs: 500, value: 200 },
      { source: 'w0', atMs: 1500, value: 200 },
      { source: 'w0', atMs: 2500, value: 200 },
      { source: 'w0', atMs: 3500, value: 200 },
      { source: 'w1', atMs: 990, value: 150 },
      { source: 'w1', atMs: 2010, value: 200 },
      { source: 'w1', atMs: 2990, value: 200 },
    ];
    // bucket 1 [1000,2000): w1 carries 150 from 990; bucket 3: w1 still counted (last at 2990 ≥ 4000 − 2000);
    // bucket 5 [5000,6000): w0's last was 3500 < 6000 − 2000, gone.
    expect(carriedGaugeSums(r, 0, 1000, 6)).toEqual([350, 350, 400, 400, 200, 0]);
  });

  it('counts a source only from its first reading', () => {
    expect(carriedGaugeSums([{ source: 'a', atMs: 2500, value: 7 }], 0, 1000, 4)).toEqual([0, 0, 7, 7]);
    expect(carriedGaugeSums([], 0, 1000, 2)).toEqual([0, 0]);
  });
});
