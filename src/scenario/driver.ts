/**
 * The seam between the load engine and the kind of user it runs. A driver opens one session per user (a browser
 * context and page, or a lite page on a Node DOM) whose frames feed the probe's observation sink; the engine
 * builds the same `u` on top of any session. Adding a kind of user means one folder with a driver (see
 * src/browser/driver.ts and src/lite/driver.ts), not changes to the engine (src/load/engine.ts).
 */
import type { BrowserContext, Page } from 'playwright';
import type { ConnectionState, ObservationSink } from '../probe/page-probe.js';
import type { LiveViewVerbs } from './define.js';
import type { VerbContext } from './verbs.js';

/** The `client` label every metric carries. */
export type ClientKind = 'browser' | 'lite';

/** What the verbs of a session need besides its page and probe. */
export type SessionVerbOptions = Omit<VerbContext, 'page' | 'port' | 'probe'>;

export interface UserSession {
  /** Aborts when the session can no longer be used (its browser crashed, the pool closed). */
  readonly signal: AbortSignal;
  /** Playwright objects (browser users); lite sessions throw an error naming the member. */
  page(): Page;
  context(): BrowserContext;
  verbs(opts: SessionVerbOptions): LiveViewVerbs;
  /** The main LiveView the page holds connected now (for `lv_connected`), and whether that is settled. */
  connection(): ConnectionState;
  /** Turns unanswered pushes older than the push timeout into timeout errors (called every interval). */
  expire(): void;
  /** After an iteration failed with `err`: true when the session itself is gone and must not be reused. */
  lost(err: unknown): boolean;
  /** Ends the session so that a later open() may reuse its resources. Never throws. */
  release(): Promise<void>;
  /** Ends the session after errors that may have left it in a bad state. Never throws. */
  discard(): Promise<void>;
}

export interface UserDriver {
  readonly client: ClientKind;
  /**
   * Opens user `userId`'s session; its WebSocket frames go through the LiveView decoder to `sink`. `signal` aborts
   * when the schedule ends: a user still waiting for a context (ramp governor) gives up.
   */
  open(userId: number, sink: ObservationSink, signal?: AbortSignal): Promise<UserSession>;
  /** Why `u.snapshot` cannot work for this kind of user (undefined when it can). */
  readonly noSnapshots?: string;
}
