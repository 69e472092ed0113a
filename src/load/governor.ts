/**
 * The ramp governor: new browser contexts are opened no faster than the CPU budget allows. Opening a context
 * (and its renderer) costs ~0.15–1 CPU-s on a 2-core machine; a ramp that opens them as fast as the profile asks
 * swamps the cores before any user is steady, and the whole ramp then measures the harness, not the app. Users
 * waiting for a slot are visible as `users_target` > `users_active`.
 *
 * The rate is a pure function of the budget, the measured (or calibrated) costs and the load now; the gate admits
 * openings at that rate on an injectable clock, so both are tested without a browser or real time.
 */

/** What one more user costs on this machine (see calibrate.ts; defaults are estimates until measured). */
export interface RampCosts {
  /** CPU-seconds to open one context with its page (renderer start, navigation not included). */
  openCpuSeconds: number;
  /** CPU-seconds per second of one active user (browser + harness) while it runs the scenario. */
  userCpuPerSecond: number;
}

/**
 * Until `rookery calibrate` (or the first users of a run) measures them: the middle of what context opens cost on
 * a 2-core CI machine (0.15–1 CPU-s), and a user clicking every 2 s (~15–25 ms of CPU per click).
 */
export const DEFAULT_RAMP_COSTS: Readonly<RampCosts> = Object.freeze({ openCpuSeconds: 0.4, userCpuPerSecond: 0.012 });

/** Share of all cores the harness may use (the rest is headroom: other processes, bursts, the app when local). */
export const DEFAULT_CPU_BUDGET = 0.7;
/** Never stall a ramp completely: at worst one opening every 5 s (a saturated machine still makes progress). */
export const MIN_OPEN_RATE = 0.2;
export const MAX_OPEN_RATE = 50;

export interface OpenRateInput {
  cores: number;
  /** Fraction of all cores (default DEFAULT_CPU_BUDGET). */
  budgetFraction?: number;
  costs: RampCosts;
  /** Users with a context now. */
  activeUsers: number;
  /** Machine (or harness) CPU over the last sample, % of one core; undefined before the first sample. */
  measuredCpuPercent?: number | undefined;
  /** The rate in force while that CPU was measured: its openings are part of the measurement, not steady load. */
  previousRate?: number;
}

/** Context openings per second that keep the steady load plus the openings within the CPU budget. */
export function openRatePerSecond(i: OpenRateInput): number {
  const budget = Math.max(1, i.cores) * (i.budgetFraction ?? DEFAULT_CPU_BUDGET);
  const modelled = i.activeUsers * i.costs.userCpuPerSecond;
  // Measured CPU includes the openings of the previous rate; what remains is the steady load (and other processes).
  const measured = i.measuredCpuPercent === undefined ? 0 : Math.max(0, i.measuredCpuPercent / 100 - (i.previousRate ?? 0) * i.costs.openCpuSeconds);
  const headroom = budget - Math.max(modelled, measured);
  const rate = headroom / Math.max(1e-3, i.costs.openCpuSeconds);
  return Math.min(MAX_OPEN_RATE, Math.max(MIN_OPEN_RATE, rate));
}

export interface GovernorClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: GovernorClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Admits context openings one at a time, spaced by 1 / rate (the rate is re-read for every opening). */
export class RampGovernor {
  private lastAt = -Infinity;
  private queue: Promise<void> = Promise.resolve();
  private waitingCount = 0;
  private lastRate = 0;

  /** `rate` is called for each admission (never in the constructor, so it may refer to the governor). */
  constructor(
    private readonly rate: () => number,
    private readonly clock: GovernorClock = realClock,
  ) {}

  /** Openings waiting for their turn. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** The rate used for the latest admission (openings per second; 0 before the first). */
  get currentRate(): number {
    return this.lastRate;
  }

  /** Resolves when this opening may start; resolves at once when `signal` aborts (the caller then gives up). */
  admit(signal?: AbortSignal): Promise<void> {
    this.waitingCount++;
    const turn = this.queue.then(async () => {
      if (signal?.aborted) return;
      this.lastRate = Math.max(MIN_OPEN_RATE, this.rate());
      const at = Math.max(this.clock.now(), this.lastAt + 1000 / this.lastRate);
      const wait = at - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait, signal);
      this.lastAt = signal?.aborted ? this.lastAt : at;
    });
    this.queue = turn;
    return turn.finally(() => {
      this.waitingCount--;
    });
  }
}

/**
 * A lease source whose new contexts wait for the governor; reusing an idle context is cheap and never waits. A
 * user still waiting when `signal` aborts (the schedule ended) opens nothing: it gets an AbortError.
 */
export function governLeases<L>(source: { acquire(userId: number): Promise<L> }, governor: RampGovernor, needsOpen: () => boolean): { acquire(userId: number, signal?: AbortSignal): Promise<L> } {
  return {
    async acquire(userId: number, signal?: AbortSignal): Promise<L> {
      if (needsOpen()) await governor.admit(signal);
      if (signal?.aborted) throw new DOMException('the run ended while this user waited for a context', 'AbortError');
      return source.acquire(userId);
    },
  };
}
