/**
 * Why a scenario (or its data) could not be used. The CLI prints `message` alone and exits 2, so the message
 * carries everything a person needs (file, line, what was found) and no stack trace.
 */
export type ScenarioErrorKind =
  | 'not-found'
  | 'compile'
  | 'import'
  | 'no-default-export'
  | 'not-a-scenario'
  | 'bundle-hash'
  | 'data';

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';

  constructor(
    readonly kind: ScenarioErrorKind,
    /** The scenario (or data) file the problem is in. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
