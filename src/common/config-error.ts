/**
 * A mistake in how a run was configured (flags, scenario options, throttle specs). The CLI maps it to exit
 * code 2 and prints only the message, so messages name the setting and the bad value.
 */
export class LoadConfigError extends Error {
  override readonly name = 'LoadConfigError';
}
