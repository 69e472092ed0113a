// The runner's side of the protocol as state-machine transitions, with no sockets or processes: the handshake
// (mutual proof), collector loss before and during a run (closed, silent, bye, violation), refusals, bad frames,
// signals, and that nothing from an unproven collector is acted upon.
import { describe, expect, it } from 'vitest';
import { RunnerMachine, type RunnerEffect } from '../../src/cluster/runner-machine.js';
import { generateToken, newNonce, proofFor } from '../../src/cluster/auth.js';
import type { CollectorMessage } from '../../src/cluster/protocol.js';
import { resolveProfile } from '../../src/load/profile.js';
import { sha256 } from '../../src/scenario/load.js';

const TOKEN = generateToken();
const T0 = 1_700_000_000_000;
const code = 'export default { name: "x", user: async () => {} };';
const assign: Extract<CollectorMessage, { t: 'assign' }> = {
  v: 1,
  t: 'assign',
  runId: 'r',
  scenario: { name: 'x', code, sha256: sha256(code) },
  target: 'http://127.0.0.1:9',
  profile: resolveProfile({ users: 2, duration: '5s' }),
  settings: { input: 'fast', actionTimeoutMs: 1000, abortOnError: false },
  feederRows: null,
};
const start: Extract<CollectorMessage, { t: 'start' }> = { v: 1, t: 'start', inMs: 100, weights: [1, 1], index: 0, extraUsers: 0 };

function harness() {
  const nonce = newNonce();
  const m = new RunnerMachine(TOKEN, nonce, { name: 'n', host: 'h', pid: 1, capacity: 3, lite: { capacity: 400, workers: 2 }, versions: { node: 'v20' } }, T0);
  const all: RunnerEffect[] = [];
  const step = (input: Parameters<RunnerMachine['step']>[0]) => {
    const out = m.step(input);
    all.push(...out);
    return out;
  };
  const msg = (message: CollectorMessage, now = T0) => step({ t: 'message', msg: message, now });
  /** Through the handshake: challenge → hello → welcome (with a valid proof). */
  const welcome = () => {
    const hello = msg({ v: 1, t: 'challenge', nonce: newNonce() }).find((e) => e.t === 'send');
    msg({ v: 1, t: 'welcome', runnerId: 'r7', proof: proofFor(TOKEN, 'collector', nonce), heartbeatMs: 500, silenceMs: 2_500 });
    return hello;
  };
  const running = () => {
    welcome();
    msg(assign);
    step({ t: 'prepared', now: T0 });
    msg(start);
  };
  const ends = () => all.filter((e): e is Extract<RunnerEffect, { t: 'end' }> => e.t === 'end').map((e) => e.end);
  return { m, step, msg, welcome, running, ends, all, nonce };
}

describe('runner machine: handshake', () => {
  it('answers the challenge with its capacities and a proof, and accepts only a collector that proves the token', () => {
    const h = harness();
    const hello = h.welcome() as Extract<RunnerEffect, { t: 'send' }>;
    expect(hello.message).toMatchObject({ t: 'hello', capacity: 3, lite: { capacity: 400, workers: 2 }, name: 'n' });
    expect(h.m.phase).toBe('idle');
    expect(h.m.id).toBe('r7');
    expect(h.all).toContainEqual({ t: 'welcomed', runnerId: 'r7', heartbeatMs: 500, silenceMs: 2_500 });

    const forged = harness();
    forged.msg({ v: 1, t: 'challenge', nonce: newNonce() });
    const out = forged.msg({ v: 1, t: 'welcome', runnerId: 'r1', proof: proofFor(generateToken(), 'collector', forged.nonce), heartbeatMs: 500, silenceMs: 2_500 });
    expect(out.map((e) => e.t)).toEqual(['log', 'send', 'disconnect', 'release', 'end']);
    expect(forged.ends()).toEqual([{ kind: 'retry', reason: 'protocol error: the collector could not prove it knows the token' }]);
    // An assign before the proof is a violation too: nothing is prepared.
    const early = harness();
    early.msg({ v: 1, t: 'challenge', nonce: newNonce() });
    expect(early.msg(assign).some((e) => e.t === 'prepare')).toBe(false);
    expect(early.ends()[0]).toEqual({ kind: 'retry', reason: 'protocol error: expected welcome, got assign' });
  });

  it('a refusal is final, a busy refusal means dial again; a missing handshake times out', () => {
    const refused = harness();
    refused.msg({ v: 1, t: 'reject', reason: 'wrong token' });
    expect(refused.ends()).toEqual([{ kind: 'final', exitCode: 2, reason: 'refused by the collector: wrong token' }]);
    const busy = harness();
    busy.msg({ v: 1, t: 'reject', reason: 'too many', retry: true });
    expect(busy.ends()).toEqual([{ kind: 'retry', reason: 'the collector is busy: too many' }]);
    const silent = harness();
    silent.step({ t: 'handshake-timeout', now: T0 + 10_000 });
    expect(silent.ends()[0]?.kind).toBe('retry');
    // Ended: nothing more happens, ever.
    expect(silent.msg({ v: 1, t: 'challenge', nonce: newNonce() })).toEqual([]);
  });
});

describe('runner machine: faults', () => {
  it('collector loss before work: closed or silent means dial again, with what was prepared released', () => {
    const h = harness();
    h.welcome();
    h.msg(assign);
    expect(h.m.phase).toBe('preparing');
    expect(h.step({ t: 'closed', reason: 'connection closed (1006)', now: T0 + 5 }).map((e) => e.t)).toEqual(['release', 'end']);
    expect(h.ends()).toEqual([{ kind: 'retry', reason: 'connection closed (1006)' }]);
    // A prepare that lands after the end releases its pool and says nothing.
    expect(h.step({ t: 'prepared', now: T0 + 10 })).toEqual([]);

    const s = harness();
    s.welcome();
    s.step({ t: 'tick', now: T0 + 600 });
    expect(s.all.filter((e) => e.t === 'send' && e.message.t === 'ping')).toHaveLength(1);
    s.step({ t: 'tick', now: T0 + 2_600 });
    expect(s.ends()).toEqual([{ kind: 'retry', reason: 'collector silent for 2600 ms' }]);
  });

  it('collector loss during a run: the run is told once (closed, silent or bye), and decides how the runner ends', () => {
    for (const lose of [
      (h: ReturnType<typeof harness>) => h.step({ t: 'closed', reason: 'connection closed (1006)', now: T0 + 1_000 }),
      (h: ReturnType<typeof harness>) => h.step({ t: 'tick', now: T0 + 3_000 }),
      (h: ReturnType<typeof harness>) => h.msg({ v: 1, t: 'bye' }, T0 + 1_000),
      (h: ReturnType<typeof harness>) => h.step({ t: 'bad-frame', error: 'frame is not JSON', closeCode: 1003, now: T0 + 1_000 }),
    ]) {
      const h = harness();
      h.running();
      expect(h.all).toContainEqual({ t: 'start', start });
      lose(h);
      lose(h);
      h.step({ t: 'closed', reason: 'again', now: T0 + 4_000 });
      expect(h.all.filter((e) => e.t === 'collector-lost')).toHaveLength(1);
      expect(h.ends()).toEqual([]); // the run ends the session (partial results), not the connection
      expect(h.m.phase).toBe('orphaned');
      // A signal still reaches the run.
      expect(h.step({ t: 'signal', now: T0 + 5_000 })).toEqual([{ t: 'stop', reason: 'runner stopped by signal' }]);
    }
  });

  it('after done, bye (or the connection closing) lets the run finish; runtime control reaches the run', () => {
    const h = harness();
    h.running();
    expect(h.msg({ v: 1, t: 'users', delta: 3 })).toEqual([{ t: 'users', delta: 3 }]);
    expect(h.msg({ v: 1, t: 'reslice', weights: [1], index: 0, iterations: 10 })).toEqual([{ t: 'reslice', weights: [1], index: 0, iterations: 10 }]);
    // Runs with lite users: per-worker deltas and every part's new slice reach the run as sent.
    expect(h.msg({ v: 1, t: 'users', delta: 1, lite: [2, 3] })).toEqual([{ t: 'users', delta: 1, lite: [2, 3] }]);
    const parts = { browser: null, lite: [{ index: 0, iterations: 4 }, { index: 1 }] };
    expect(h.msg({ v: 1, t: 'reslice', weights: [5, 5], index: 0, parts })).toEqual([{ t: 'reslice', weights: [5, 5], index: 0, iterations: undefined, parts }]);
    expect(h.msg({ v: 1, t: 'stop', reason: 'ctrl-c' })).toEqual([{ t: 'stop', reason: 'ctrl-c' }]);
    h.step({ t: 'sent-done', now: T0 + 5_000 });
    expect(h.m.phase).toBe('closing');
    expect(h.msg({ v: 1, t: 'bye' }, T0 + 5_010)).toEqual([{ t: 'bye' }]);
    expect(h.all.some((e) => e.t === 'collector-lost')).toBe(false);
  });

  it('bad messages: out-of-phase frames and garbage are violations (error sent, connection closed)', () => {
    const h = harness();
    h.welcome();
    const out = h.msg(start);
    expect(out).toContainEqual({ t: 'send', message: { v: 1, t: 'error', message: 'start while idle' } });
    expect(out).toContainEqual({ t: 'disconnect', code: 1008 });
    expect(h.ends()).toEqual([{ kind: 'retry', reason: 'protocol error: start while idle' }]);

    const r = harness();
    r.running();
    const again = r.msg(assign);
    expect(again).toContainEqual({ t: 'send', message: { v: 1, t: 'error', message: 'assign while running' } });
    expect(again).toContainEqual({ t: 'collector-lost', reason: 'protocol error: assign while running' });
  });

  it('a failed prepare is reported and final; a signal before the run leaves at once; idle shutdown after no work', () => {
    const h = harness();
    h.welcome();
    h.msg(assign);
    const out = h.step({ t: 'prepare-failed', message: 'no chromium', now: T0 });
    expect(out).toContainEqual({ t: 'send', message: { v: 1, t: 'failed', message: 'no chromium' } });
    expect(h.ends()).toEqual([{ kind: 'final', exitCode: 2, reason: 'could not prepare: no chromium' }]);

    const s = harness();
    s.welcome();
    s.step({ t: 'signal', now: T0 });
    expect(s.ends()).toEqual([{ kind: 'final', exitCode: 0, reason: 'stopped by signal before the run' }]);

    const i = harness();
    i.welcome();
    i.step({ t: 'idle-timeout', now: T0 + 300_000 });
    expect(i.ends()).toEqual([{ kind: 'final', exitCode: 0, reason: 'idle shutdown' }]);
  });
});
