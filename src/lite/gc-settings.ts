/**
 * V8 flags of a lite worker, chosen from the users it will hold (measured in BENCHMARKS.md, "Lite users: GC
 * measured, and per-worker settings").
 *
 * - `--max-semi-space-size=64`: a large young generation turns many short scavenges into fewer and cut CPU per click
 *   (smaller ones cost 9–17 % more CPU per click and saved no memory at 1000 users).
 * - `--heap-growing-percent`: how far the old generation may grow past what the last mark-compact kept before the
 *   next one starts. V8's own choice here let it grow to ≈ 4× the live heap (old-generation garbage was the largest
 *   share of a lite user's PSS). A worker's fixed costs (Node, happy-dom, the young generation: ≈ 200 MB) weigh more
 *   per user the fewer users it holds, so a small worker gets less old-generation headroom, a large one more (its
 *   mark-compacts are longer: fewer of them keep the latency tail short). Per click the marking work grows as the
 *   headroom shrinks, so this is a memory-for-CPU trade, bounded on both sides.
 *
 * `ROOKERY_LITE_EXEC_ARGV` (space-separated Node flags) replaces the choice, e.g. to measure other settings.
 */

export const LITE_SEMI_SPACE_MIB = 64;

/** Old-generation headroom (percent over the live heap) for a worker holding `users` users. */
export function liteHeapGrowingPercent(users: number): number {
  if (!Number.isFinite(users) || users <= 400) return 50;
  if (users <= 600) return 75;
  return 100;
}

/** The V8 flags a lite worker holding `users` users is forked with. */
export function liteWorkerExecArgv(users: number): string[] {
  return [`--max-semi-space-size=${LITE_SEMI_SPACE_MIB}`, `--heap-growing-percent=${liteHeapGrowingPercent(users)}`];
}

/** The override from `ROOKERY_LITE_EXEC_ARGV`, if set (an empty value means: no flags at all). */
export function execArgvOverride(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const v = env.ROOKERY_LITE_EXEC_ARGV;
  return v === undefined ? undefined : v.split(/\s+/).filter(Boolean);
}
