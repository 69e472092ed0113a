/**
 * V8 flags of a lite worker, chosen from the users it will hold (measured in BENCHMARKS.md, "Lite users: the GC
 * measured").
 *
 * - `--max-semi-space-size`: the young generation. A large one turns many short scavenges into fewer and cut CPU per
 *   click in busy workers (at 700 users, 32 and 16 MiB cost 9–17 % more CPU per click than 64). A worker holding
 *   400 users or fewer allocates half as fast, so 32 MiB gives it the same time between scavenges as 64 gives a
 *   full one, with the same CPU per click measured at 400 users, and 64 MiB less resident memory.
 * - `--heap-growing-percent`: how far the old generation may grow past what the last mark-compact kept before the
 *   next one starts. V8's own choice let it grow to ≈ 4× the live heap (old-generation garbage was the largest
 *   share of a lite user's PSS). A worker's fixed costs (Node and happy-dom ≈ 66 MiB, the young generation) weigh
 *   more per user the fewer users it holds, so a small worker gets less old-generation headroom, a large one more
 *   (its mark-compacts are longer: fewer of them keep the latency tail short). The marking work per click grows as
 *   the headroom shrinks, so this trades memory for CPU, bounded on both sides.
 *
 * A worker whose users change during the run (`rookery ctl add`, a re-deal after a lost runner) takes the growing
 * percent of its new user target at run time (`heapGrowingFlagFor`, applied by src/lite/worker.ts through
 * `v8.setFlagsFromString`); its young generation cannot change after start and stays the one chosen at fork.
 * An unknown count (an open model with no cap on users in flight) gets the large-worker settings: latency-safe.
 *
 * No `--max-old-space-size`: a worker given more users than planned (a re-deal after a lost runner) must not die
 * of OOM. `ROOKERY_LITE_EXEC_ARGV` (space-separated Node flags) replaces the choice, e.g. to measure other settings.
 */

/** Young-generation semi-space (MiB) for a worker holding `users` users. */
export function liteSemiSpaceMiB(users: number): number {
  // `!(users > 400)` would take NaN as small: an unknown count gets the large worker's settings.
  return Number.isNaN(users) || users > 400 ? 64 : 32;
}

/** Old-generation headroom (percent over the live heap) for a worker holding `users` users. */
export function liteHeapGrowingPercent(users: number): number {
  // Above 600 (two workers of 650 at 1300 users on 2 cores), 100 failed p95 in 5 of 7 quiet runs: the marking
  // cycles came too often for a machine that busy; 150 passed 4 of 4 at ≤ 1.75 MiB per user (BENCHMARKS.md, G7–G9).
  // An unknown count (NaN) is taken as a large worker: latency-safe.
  if (Number.isNaN(users) || users > 600) return 150;
  if (users <= 400) return 50;
  return 75;
}

/** The V8 flags a lite worker holding `users` users is forked with. */
export function liteWorkerExecArgv(users: number): string[] {
  return [`--max-semi-space-size=${liteSemiSpaceMiB(users)}`, `--heap-growing-percent=${liteHeapGrowingPercent(users)}`];
}

/** The override from `ROOKERY_LITE_EXEC_ARGV`, if set (an empty value means: no flags at all). */
export function execArgvOverride(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const v = env.ROOKERY_LITE_EXEC_ARGV;
  return v === undefined ? undefined : v.split(/\s+/).filter(Boolean);
}

/**
 * The flag a running worker sets when its user target becomes `users` (src/lite/worker.ts), or undefined: none
 * when its flags were given (`ROOKERY_LITE_EXEC_ARGV` or the group's `execArgv`: `given`), or when the growing
 * percent stays `current`.
 */
export function heapGrowingFlagFor(users: number, given: boolean, current: number | undefined): string | undefined {
  if (given) return undefined;
  const percent = liteHeapGrowingPercent(users);
  return percent === current ? undefined : `--heap-growing-percent=${percent}`;
}
