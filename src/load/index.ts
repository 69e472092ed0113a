/**
 * load/: what load a run applies and when — durations, load profiles and their schedules, slices for
 * distributed runs, and throttles shared by users. (The engine that applies it lives here too.)
 */
export { LoadConfigError } from './config-error.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  arrivalsBefore,
  arrivalsDue,
  describeProfile,
  globalIndex,
  parseStages,
  PROFILE_DEFAULTS,
  resolveProfile,
  sliceProfile,
  splitVariants,
  targetUsersAt,
  totalDurationMs,
  type ArrivalProfile,
  type ConstantProfile,
  type LoadProfile,
  type ProfileOverrides,
  type ProfileSlice,
  type StagesProfile,
} from './profile.js';
export { apportionment, type Apportionment } from './apportion.js';
export { createThrottle, createThrottles } from './throttle.js';
