// Security of the cluster protocol, on real sockets (no browsers needed):
// - the collector refuses peers that do not prove the token before anything but a challenge is sent to them —
//   in particular, never the scenario bundle;
// - a runner executes nothing from a collector that cannot prove the token;
// - malformed, oversized, binary and random frames, fuzzed at the collector and at a runner (through a fake
//   collector), are refused without crashing either; both keep working afterwards.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collector, type AssignPlan } from '../../src/cluster/collector.js';
import { runRunnerAgent } from '../../src/cluster/runner.js';
import { LIMITS } from '../../src/cluster/protocol.js';
import { generateToken, newNonce, proofFor } from '../../src/cluster/auth.js';
import { sha256 } from '../../src/scenario/load.js';
import { resolveProfile } from '../../src/load/profile.js';
import { connectFakeRunner, joinAsFakeRunner, startFakeCollector, type FakeRunner } from '../support/fake-cluster-peer.js';

const TOKEN = generateToken();
const BUNDLE_MARK = 'BUNDLE-CODE-7f3a';

function plan(code = `export default { name: 'x', user: async () => {} }; // ${BUNDLE_MARK}`): AssignPlan {
  return {
    runId: 'sec-test',
    scenario: { name: 'x', code, sha256: sha256(code) },
    target: 'http://127.0.0.1:9',
    profile: resolveProfile({ users: 1, duration: '1s' }),
    settings: { input: 'fast', actionTimeoutMs: 1000, abortOnError: false },
    feederRows: null,
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function collector(log?: string[]): Promise<Collector> {
  const c = await Collector.listen({ token: TOKEN, handshakeTimeoutMs: 2_000, ...(log ? { log: (l: string) => log.push(l) } : {}) });
  cleanups.push(() => c.close());
  return c;
}

const types = (r: FakeRunner) => r.frames.map((f) => (typeof f === 'object' && f !== null ? (f as { t?: string }).t : 'raw'));
const sawBundle = (r: FakeRunner) => r.frames.some((f) => JSON.stringify(f).includes(BUNDLE_MARK));

describe('collector: authentication before anything is sent', () => {
  it('refuses a wrong token, a missing hello and a replayed proof; only authenticated runners get the scenario', async () => {
    const log: string[] = [];
    const c = await collector(log);

    const wrong = await connectFakeRunner(c.url);
    const ch = await wrong.next('challenge');
    wrong.send({ v: 1, t: 'hello', name: 'evil', host: 'x', pid: 1, capacity: 5, nonce: newNonce(), proof: proofFor(`${TOKEN}-not`, 'runner', ch.nonce), versions: {} });
    expect((await wrong.next('reject')).reason).toMatch(/authentication failed/);
    expect((await wrong.closed).code).toBe(1008);

    const skipper = await connectFakeRunner(c.url);
    await skipper.next('challenge');
    skipper.send({ v: 1, t: 'ready' });
    expect((await skipper.next('reject')).reason).toMatch(/expected hello first/);

    // A proof made for another nonce (recorded from an earlier handshake) does not open a new one.
    const replay = await connectFakeRunner(c.url);
    await replay.next('challenge');
    replay.send({ v: 1, t: 'hello', name: 'r', host: 'x', pid: 1, capacity: 5, nonce: newNonce(), proof: proofFor(TOKEN, 'runner', ch.nonce), versions: {} });
    expect((await replay.next('reject')).reason).toMatch(/authentication failed/);

    const silent = await connectFakeRunner(c.url);
    await silent.next('challenge');
    await silent.closed; // dropped after the handshake timeout

    const good = await joinAsFakeRunner(c.url, TOKEN);
    expect(c.runners().map((r) => r.state)).toEqual(['joined']);
    const assigning = c.assign(plan(), 3_000);
    const assign = await good.next('assign');
    expect(assign.scenario.code).toContain(BUNDLE_MARK);
    good.send({ v: 1, t: 'ready' });
    expect((await assigning).map((r) => r.id)).toEqual([good.runnerId]);

    // After the plan went out, a peer with the right token is still refused (the run has started) — and one
    // with a wrong token gets nothing but the challenge and the refusal.
    const late = await connectFakeRunner(c.url);
    const lch = await late.next('challenge');
    late.send({ v: 1, t: 'hello', name: 'late', host: 'x', pid: 1, capacity: 5, nonce: newNonce(), proof: proofFor(TOKEN, 'runner', lch.nonce), versions: {} });
    expect((await late.next('reject')).reason).toMatch(/already started/);

    for (const peer of [wrong, skipper, replay, silent, late]) {
      expect(sawBundle(peer)).toBe(false);
      expect(types(peer).filter((t) => t !== 'challenge' && t !== 'reject')).toEqual([]);
    }
    expect(log.filter((l) => l.startsWith('refused')).length).toBe(5);
    good.close();
  });
});

describe('collector: fuzzed frames', () => {
  it('refuses garbage from unauthenticated and authenticated peers, and still takes a good runner afterwards', async () => {
    const c = await collector();
    // Raw TCP garbage and plain HTTP at the port.
    const port = new URL(c.url).port;
    await new Promise<void>((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => s.end(Buffer.from([0, 1, 2, 255, 13, 10, 13, 10])));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(426);

    const payloads = fc.sample(
      fc.oneof(
        fc.string().map((s) => ({ data: s, binary: false })),
        fc.jsonValue().map((v) => ({ data: JSON.stringify(v), binary: false })),
        fc.uint8Array({ maxLength: 64 }).map((b) => ({ data: Buffer.from(b), binary: true })),
        fc.constantFrom(
          { data: JSON.stringify({ v: 1, t: 'hello' }), binary: false },
          { data: JSON.stringify({ v: 2, t: 'ping', at: 1 }), binary: false },
          { data: 'x'.repeat(LIMITS.handshakeBytes + 1), binary: false },
          { data: JSON.stringify({ v: 1, t: 'snapshot', seq: 0 }), binary: false },
        ),
      ),
      { numRuns: 40, seed: 42 },
    );
    for (const p of payloads) {
      const peer = await connectFakeRunner(c.url);
      await peer.next('challenge');
      peer.sendRaw(p.data, p.binary);
      const closed = await Promise.race([peer.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 3_000))]);
      expect(closed, `peer that sent ${String(p.data).slice(0, 60)} was not closed`).toBeDefined();
      expect(sawBundle(peer)).toBe(false);
    }

    // Authenticated peers that misbehave are dropped (and counted as lost), never crash the collector.
    const bad = [
      (r: FakeRunner) => r.sendRaw(Buffer.from([1, 2, 3]), true),
      (r: FakeRunner) => r.sendRaw('{"v":1,"t":"snapshot","seq":0,"runStartedAt":1,"snapshot":{},"status":{}}'),
      (r: FakeRunner) => r.sendRaw(`{"v":1,"t":"error","message":"${'m'.repeat(LIMITS.runnerFrameBytes)}"}`),
      (r: FakeRunner) => r.send({ v: 1, t: 'hello', name: 'again', host: 'x', pid: 1, capacity: 1, nonce: newNonce(), proof: newNonce(), versions: {} }),
      (r: FakeRunner) => r.send({ v: 1, t: 'done', lastSeq: 0, outcome: { iterations: 0, errors: 0, dropped: 0 }, health: {}, versions: {} }),
    ];
    for (const misbehave of bad) {
      const r = await joinAsFakeRunner(c.url, TOKEN);
      misbehave(r);
      await r.closed;
    }
    const states = c.runners().map((r) => [r.state, r.lostReason ?? '']);
    expect(states).toHaveLength(bad.length);
    for (const [state, reason] of states) {
      expect(state).toBe('lost');
      expect(reason).toMatch(/protocol error|connection closed/);
    }

    const good = await joinAsFakeRunner(c.url, TOKEN);
    expect(c.runners().filter((r) => r.state === 'joined').map((r) => r.id)).toEqual([good.runnerId]);
    good.close();
  });
});

describe('runner: a fake collector', () => {
  it('survives garbage and oversized frames, never runs code from a collector that cannot prove the token, and leaves on bye', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rookery-sec-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const marker = join(dir, 'executed');
    // If this bundle ever ran, the marker file would exist.
    const evil = `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x'); export default { name: 'evil', user: async () => {} };`;
    const evilAssign = { ...plan(evil), v: 1, t: 'assign' };
    const helloFrames: unknown[] = [];

    const fake = await startFakeCollector(async (conn, i) => {
      const challenge = newNonce();
      switch (i) {
        case 0: // garbage before any handshake
          conn.sendRaw(Buffer.from([0xde, 0xad, 0xbe, 0xef]), true);
          return;
        case 1: // oversized for an unauthenticated peer
          conn.sendRaw('y'.repeat(LIMITS.handshakeBytes + 10));
          return;
        case 2: // an impostor: answers the hello with a welcome it cannot prove, then ships code at once
        case 3: {
          conn.send({ v: 1, t: 'challenge', nonce: challenge });
          helloFrames.push(await conn.nextFrame());
          if (i === 2) conn.send({ v: 1, t: 'welcome', runnerId: 'r1', proof: proofFor('not-the-token-at-all', 'collector', newNonce()), heartbeatMs: 500, silenceMs: 2500 });
          conn.send(evilAssign); // i === 3: skips the welcome altogether
          return;
        }
        case 4: { // a real collector (knows the token) that then sends malformed frames: the runner drops it and dials again
          conn.send({ v: 1, t: 'challenge', nonce: challenge });
          const hello = (await conn.nextFrame()) as { nonce: string };
          conn.send({ v: 1, t: 'welcome', runnerId: 'r1', proof: proofFor(TOKEN, 'collector', hello.nonce), heartbeatMs: 500, silenceMs: 2500 });
          conn.send({ v: 1, t: 'start', inMs: 5, weights: [1], index: 0, extraUsers: 0 }); // start before assign
          return;
        }
        default: { // a real collector that says goodbye: the runner leaves cleanly
          conn.send({ v: 1, t: 'challenge', nonce: challenge });
          const hello = (await conn.nextFrame()) as { nonce: string };
          conn.send({ v: 1, t: 'welcome', runnerId: 'r2', proof: proofFor(TOKEN, 'collector', hello.nonce), heartbeatMs: 500, silenceMs: 2500 });
          conn.send({ v: 1, t: 'bye' });
        }
      }
    });
    cleanups.push(() => fake.close());
    const logs: string[] = [];
    const result = await runRunnerAgent({ join: fake.url, token: TOKEN, capacity: 2, connectTimeoutMs: 20_000, log: (l) => logs.push(l) });
    expect(result.exitCode, logs.join('\n')).toBe(0);
    expect(result.reason).toMatch(/goodbye/);
    expect(fake.connections).toHaveLength(6);
    expect(existsSync(marker)).toBe(false);
    expect(logs.join('\n')).toMatch(/could not prove it knows the token/);
    expect(logs.join('\n')).toMatch(/expected welcome, got assign/);
    expect(logs.join('\n')).toMatch(/binary frames/);
    expect(logs.join('\n')).toMatch(/exceeds the 16384-byte limit|1009/);
    expect(logs.join('\n')).toMatch(/start while idle/);
    // The runner proved itself to each peer that challenged it, without ever sending the token.
    for (const h of helloFrames) {
      expect((h as { t: string }).t).toBe('hello');
      expect(JSON.stringify(h)).not.toContain(TOKEN);
    }
    // Each garbage connection got an error notice or was closed by the runner, which then dialled again.
    for (const c of fake.connections.slice(0, 5)) await c.closed;
  });
});
