/**
 * Who runs which part of a distributed run. Pure functions over capacities; the collector applies them.
 *
 * Users (closed models), arrivals (open model) and iterations are global units dealt by `apportionment(weights)`
 * (src/load/apportion.ts), so the slices sum to the whole exactly at every instant. Users added at run time
 * (`rookery ctl add`) are dealt the same way, as a signed count on top of the schedule.
 */
import { apportionment } from '../load/apportion.js';

export interface SliceAssignment {
  /** Capacities of the runners taking part, in slice order. */
  weights: number[];
  /** Runner id → its slice index. */
  index: Map<string, number>;
}

/** Slices for runners in the given order, weighted by their capacity. */
export function assignSlices(runners: ReadonlyArray<{ id: string; capacity: number }>): SliceAssignment {
  if (runners.length === 0) throw new Error('assignSlices: no runners');
  return { weights: runners.map((r) => r.capacity), index: new Map(runners.map((r, i) => [r.id, i])) };
}

/**
 * Slice `index`'s part of a signed count of extra users: the parts sum to `n` exactly (negative counts are
 * dealt like positive ones, with the sign flipped).
 */
export function signedShare(weights: readonly number[], index: number, n: number): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`signedShare: ${n} is not a whole number`);
  const deal = apportionment(weights);
  return n >= 0 ? deal.unitsOf(index, n) : -deal.unitsOf(index, -n);
}

/**
 * Iteration budgets after a runner is lost: what the run still owes (`total` minus every iteration reported so
 * far, by any runner) is dealt to the survivors on top of what each has already done.
 */
export function iterationBudgets(total: number, survivors: ReadonlyArray<{ weight: number; reported: number }>, reportedByAll: number): number[] {
  const remaining = Math.max(0, total - reportedByAll);
  const weights = survivors.map((s) => s.weight);
  const deal = apportionment(weights);
  return survivors.map((s, i) => s.reported + deal.unitsOf(i, remaining));
}
