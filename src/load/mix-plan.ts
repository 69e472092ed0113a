/**
 * How a run's users are split between browser users (in this process, on the browser pool) and lite users (in
 * worker processes). The whole load profile covers every user; its units (users, arrivals, iterations) are dealt
 * by weight with the same apportionment distributed runs use (src/load/apportion.ts): slice 0 is the browser
 * users (when there are any), then one slice per lite worker. So user ids are unique run-wide, variants alternate
 * across both kinds of user, and every slice follows the same schedule.
 */
import { LoadConfigError } from '../common/config-error.js';
import { profilePeakUsers, sliceProfile, type LoadProfile } from './profile.js';

/**
 * Lite users per worker process before another starts (up to one per core). Measured on a quiet 2-core machine
 * (bench/lite-density.ts --workers 1, BENCHMARKS.md "Lite users"): one worker held 500 and 700 users at one click
 * every 2 s with click→patch p95 3–5 ms, far inside the 50 ms bar, so a second process is only forked beyond 500.
 */
export const LITE_USERS_PER_WORKER = 500;

export interface MixInput {
  /** The resolved profile as if every user were a browser user. */
  profile: LoadProfile;
  /** `users` as given (scenario or CLI); undefined when unset (then 0 browser users next to lite ones). */
  browserUsers: number | undefined;
  liteUsers: number | undefined;
  liteShare: number | undefined;
  workers: number | undefined;
  usersPerWorker: number | undefined;
  cores: number;
}

export interface MixPlan {
  /** The profile of the whole run (every user of both kinds): what reports describe. */
  whole: LoadProfile;
  /** The browser users' slice; undefined when the run has none. */
  browser: LoadProfile | undefined;
  /** One slice per lite worker process (empty without lite users). */
  lite: LoadProfile[];
  /** Peak concurrent users of each kind (pool sizing, reports). */
  peakBrowser: number;
  peakLite: number;
  /** Set when the lite users exceed workers × usersPerWorker (they still run, the run may saturate). */
  warning: string | undefined;
}

const SHARE_WEIGHT = 10_000;

/** Splits `total` into `n` near-equal positive integers (the first ones larger). */
export function evenSplit(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0)).filter((w) => w > 0);
}

export function planMix(m: MixInput): MixPlan {
  const { profile } = m;
  if (m.liteUsers === undefined && m.liteShare === undefined) {
    return { whole: profile, browser: profile, lite: [], peakBrowser: profilePeakUsers(profile), peakLite: 0, warning: undefined };
  }
  if (m.liteUsers !== undefined && m.liteShare !== undefined) throw new LoadConfigError('liteUsers (--lite-users) and liteShare (--lite-share) cannot be combined; give one');
  const perWorker = m.usersPerWorker ?? LITE_USERS_PER_WORKER;
  if (!(Number.isInteger(perWorker) && perWorker > 0)) throw new LoadConfigError(`liteUsersPerWorker: ${perWorker} must be a whole number > 0`);
  if (m.workers !== undefined && !(Number.isInteger(m.workers) && m.workers > 0)) throw new LoadConfigError(`liteWorkers: ${m.workers} must be a whole number > 0`);

  let whole: LoadProfile;
  let browserWeight: number;
  let liteWeight: number;
  let peakLite: number;
  if (m.liteUsers !== undefined) {
    if (profile.kind !== 'constant') {
      throw new LoadConfigError(`--lite-users counts users of the constant model; with ${profile.kind === 'stages' ? '--stages' : '--arrival-rate'} give --lite-share (0..1], the share of users/arrivals that are lite`);
    }
    if (!(Number.isInteger(m.liteUsers) && m.liteUsers >= 0)) throw new LoadConfigError(`--lite-users: ${m.liteUsers} must be a whole number ≥ 0`);
    const browser = m.browserUsers ?? 0;
    if (browser + m.liteUsers === 0) throw new LoadConfigError('--users 0 and --lite-users 0: there is nobody to run');
    whole = { ...profile, users: browser + m.liteUsers };
    browserWeight = browser;
    liteWeight = m.liteUsers;
    peakLite = m.liteUsers;
  } else {
    const share = m.liteShare as number;
    if (!(share > 0 && share <= 1)) throw new LoadConfigError(`--lite-share: ${share} must be in (0, 1]`);
    whole = profile;
    liteWeight = Math.round(share * SHARE_WEIGHT);
    browserWeight = SHARE_WEIGHT - liteWeight;
    peakLite = Math.ceil(profilePeakUsers(profile) * share);
  }

  const wanted = m.workers ?? Math.max(1, Math.min(m.cores, Math.ceil(peakLite / perWorker)));
  const liteWeights = liteWeight > 0 ? evenSplit(liteWeight, Math.min(wanted, liteWeight)) : [];
  const weights = [...(browserWeight > 0 ? [browserWeight] : []), ...liteWeights];
  const slices = weights.map((_, index) => sliceProfile(whole, { weights, index }));
  const browser = browserWeight > 0 ? slices[0] : undefined;
  const lite = browserWeight > 0 ? slices.slice(1) : slices;
  const warning = peakLite > liteWeights.length * perWorker
    ? `${peakLite} lite users on ${liteWeights.length} worker process(es) is more than ${perWorker} per worker (the measured safe load); the run may saturate (watch harness_event_loop_lag_ms{client=lite})`
    : undefined;
  const peakBrowser = m.liteUsers !== undefined ? browserWeight : Math.ceil(profilePeakUsers(profile) * (browserWeight / SHARE_WEIGHT));
  return { whole, browser, lite, peakBrowser, peakLite, warning };
}
