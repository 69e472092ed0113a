// The wire protocol between collector and runners: every frame is validated strictly, and anything else —
// garbage, other versions, oversized or binary frames, fields this version does not know — is a ProtocolError
// (never another exception, never accepted). Plus the challenge–response proofs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LIMITS,
  PROTOCOL_VERSION,
  ProtocolError,
  decodeFrame,
  encodeMessage,
  validateCollectorMessage,
  validateProfile,
  validateRunnerMessage,
  type CollectorMessage,
  type RunnerMessage,
} from '../../src/cluster/protocol.js';
import { checkToken, generateToken, newNonce, proofFor, secretsEqual, verifyProof } from '../../src/cluster/auth.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { resolveProfile } from '../../src/load/profile.js';

const hex64 = 'ab'.repeat(32);
const snapshot = (() => {
  const r = new MetricsRegistry({ startedAt: 1_000 });
  r.record('lv_event_rtt_ms', { event: 'inc', view: '/counter' }, 12.5);
  r.count('lv_events', { event: 'inc', view: '/counter' });
  r.gauge('users_active', {}, 3);
  r.error('user.scenario', 'boom', { user: 1 });
  return r.takeInterval(2_000);
})();
const health = { saturated: false, reasons: [], eventLoopLagP99Ms: 3, eventLoopLagMaxMs: 9, cpuPeakPercent: { node: 20 }, rssPeakBytes: { node: 1e8 }, cores: 2 };

const goodRunner: RunnerMessage[] = [
  { v: 1, t: 'hello', name: 'local-1', host: 'vm', pid: 42, capacity: 10, nonce: hex64, proof: hex64, versions: { node: 'v20' } },
  { v: 1, t: 'ready' },
  { v: 1, t: 'failed', message: 'no chromium' },
  { v: 1, t: 'snapshot', seq: 0, runStartedAt: 1_000, snapshot, status: { active: 3, target: 3, iterations: 1, errors: 0, dropped: 0 }, health: { line: 'cpu 5%', saturated: false } },
  { v: 1, t: 'done', lastSeq: 4, outcome: { iterations: 5, errors: 0, dropped: 0 }, health, versions: { chromium: '156' } },
  { v: 1, t: 'ping', at: 5 },
  { v: 1, t: 'error', message: 'x' },
];

const profile = resolveProfile({ users: 5, duration: '10s' });
const goodCollector: CollectorMessage[] = [
  { v: 1, t: 'challenge', nonce: hex64 },
  { v: 1, t: 'welcome', runnerId: 'r1', proof: hex64, heartbeatMs: 500, silenceMs: 2500 },
  { v: 1, t: 'reject', reason: 'wrong token' },
  {
    v: 1,
    t: 'assign',
    runId: 'abc',
    scenario: { name: 's', code: 'export default 1', sha256: hex64 },
    target: 'http://127.0.0.1:4000',
    profile,
    settings: { input: 'fast', actionTimeoutMs: 15_000, abortOnError: false, blockResources: ['image'] },
    feederRows: [{ a: 1 }],
    setupData: { token: 'x' },
  },
  { v: 1, t: 'start', inMs: 1000, weights: [2, 1], index: 1, extraUsers: 0 },
  { v: 1, t: 'users', delta: -3 },
  { v: 1, t: 'reslice', weights: [1], index: 0, iterations: 7 },
  { v: 1, t: 'users', delta: 1, lite: [2, -3] },
  { v: 1, t: 'reslice', weights: [4, 200, 200], index: 0, parts: { browser: { index: 0, iterations: 3 }, lite: [{ index: 1 }, { index: 2 }] } },
  { v: 1, t: 'stop', reason: 'SIGINT' },
  { v: 1, t: 'bye' },
  { v: 1, t: 'ping', at: 1 },
];

const frame = (m: unknown) => Buffer.from(JSON.stringify(m));

describe('protocol validation', () => {
  it('accepts every well-formed message, round-tripped through the framing', () => {
    for (const m of goodRunner) expect(validateRunnerMessage(decodeFrame(Buffer.from(encodeMessage(m)), false, LIMITS.runnerFrameBytes))).toEqual(m);
    for (const m of goodCollector) expect(validateCollectorMessage(decodeFrame(Buffer.from(encodeMessage(m)), false, LIMITS.collectorFrameBytes))).toEqual(m);
  });

  it('refuses binary frames, oversized frames and non-JSON, with the right close codes', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const binary = err(() => decodeFrame(frame({ v: 1, t: 'ping', at: 1 }), true, 1000));
    expect(binary).toBeInstanceOf(ProtocolError);
    expect((binary as ProtocolError).closeCode).toBe(1003);
    const big = err(() => decodeFrame(Buffer.alloc(2000, 32), false, 1000));
    expect((big as ProtocolError).closeCode).toBe(1009);
    const junk = err(() => decodeFrame(Buffer.from('{not json'), false, 1000));
    expect((junk as ProtocolError).closeCode).toBe(1003);
  });

  it('refuses other protocol versions, unknown types and unknown fields', () => {
    expect(() => validateRunnerMessage({ v: 2, t: 'ping', at: 1 })).toThrow(/protocol version 2 .* \(1\)/);
    expect(() => validateRunnerMessage({ t: 'ping', at: 1 })).toThrow(ProtocolError);
    expect(() => validateRunnerMessage({ v: 1, t: 'assign' })).toThrow(/unknown type/);
    expect(() => validateCollectorMessage({ v: 1, t: 'hello' })).toThrow(/unknown type/);
    expect(() => validateRunnerMessage({ v: 1, t: 'ping', at: 1, extra: true })).toThrow(/unknown field "extra"/);
    expect(() => validateCollectorMessage({ v: 1, t: 'bye', __proto__x: 1 })).toThrow(/unknown field/);
    expect(PROTOCOL_VERSION).toBe(1);
  });

  it('checks field types and ranges of the messages that drive behaviour', () => {
    const hello = goodRunner[0] as Extract<RunnerMessage, { t: 'hello' }>;
    expect(() => validateRunnerMessage({ ...hello, capacity: 0 })).toThrow(/capacity/);
    expect(() => validateRunnerMessage({ ...hello, capacity: 1.5 })).toThrow(/capacity/);
    expect(() => validateRunnerMessage({ ...hello, proof: 'AB'.repeat(32) })).toThrow(/proof/);
    expect(() => validateRunnerMessage({ ...hello, proof: 'ab' })).toThrow(/proof/);
    expect(() => validateRunnerMessage({ ...hello, name: 'x'.repeat(LIMITS.maxNameLength + 1) })).toThrow(/longer/);
    const snap = goodRunner[3] as Extract<RunnerMessage, { t: 'snapshot' }>;
    expect(() => validateRunnerMessage({ ...snap, snapshot: { ...snapshot, schema: 'other' } })).toThrow(/snapshot.schema/);
    expect(() => validateRunnerMessage({ ...snap, seq: -1 })).toThrow(/seq/);
    expect(() => validateRunnerMessage({ ...snap, status: { ...snap.status, active: 'many' } })).toThrow(/active/);
    const start = goodCollector[4] as Extract<CollectorMessage, { t: 'start' }>;
    expect(() => validateCollectorMessage({ ...start, index: 2 })).toThrow(/index/);
    expect(() => validateCollectorMessage({ ...start, weights: [] })).toThrow(/weights/);
    expect(() => validateCollectorMessage({ ...start, weights: [1, 0] })).toThrow(/weights\[1\]/);
    expect(() => validateCollectorMessage({ ...start, inMs: 1e9 })).toThrow(/inMs/);
    const reslice = goodCollector[8] as Extract<CollectorMessage, { t: 'reslice' }>;
    expect(() => validateCollectorMessage({ ...reslice, parts: { browser: null, lite: [{ index: 3 }] } })).toThrow(/parts\.lite\[0\]\.index/);
    expect(() => validateCollectorMessage({ ...reslice, parts: { browser: { index: 0, iterations: -1 }, lite: [] } })).toThrow(/parts\.browser\.iterations/);
    const assign = goodCollector[3] as Extract<CollectorMessage, { t: 'assign' }>;
    expect(() => validateCollectorMessage({ ...assign, target: 'file:///etc/passwd' })).toThrow(/http/);
    expect(() => validateCollectorMessage({ ...assign, settings: { ...assign.settings, input: 'mouse' } })).toThrow(/input/);
    expect(() => validateCollectorMessage({ ...assign, feederRows: [] })).toThrow(/feederRows/);
    expect(() => validateCollectorMessage({ ...assign, scenario: { ...assign.scenario, sha256: 'nothex' } })).toThrow(/sha256/);
    expect(() => validateProfile({ ...profile, kind: 'burst' })).toThrow(/kind/);
    expect(() => validateProfile({ ...profile, users: -1 })).toThrow(/users/);
  });

  it('fuzz: arbitrary JSON values and mutated messages are accepted or refused with a ProtocolError, nothing else', () => {
    const mutate = (m: object) =>
      fc.tuple(fc.constantFrom(...Object.keys(m)), fc.jsonValue()).map(([k, v]) => ({ ...m, [k]: v }));
    const candidates = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(...goodRunner, ...goodCollector).chain((m) => mutate(m)),
      fc.dictionary(fc.string(), fc.jsonValue()).map((o) => ({ ...o, v: 1 })),
    );
    fc.assert(
      fc.property(candidates, (x) => {
        for (const validate of [validateRunnerMessage, validateCollectorMessage]) {
          try {
            validate(x);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('authentication', () => {
  it('proofs verify only with the same token, nonce and role', () => {
    const token = generateToken();
    const nonce = newNonce();
    const proof = proofFor(token, 'runner', nonce);
    expect(verifyProof(token, 'runner', nonce, proof)).toBe(true);
    expect(verifyProof(`${token}x`, 'runner', nonce, proof)).toBe(false);
    expect(verifyProof(token, 'runner', newNonce(), proof)).toBe(false);
    // A runner's proof cannot be replayed as the collector's (and vice versa).
    expect(verifyProof(token, 'collector', nonce, proof)).toBe(false);
    expect(verifyProof(token, 'runner', nonce, proof.slice(2))).toBe(false);
    expect(verifyProof(token, 'runner', nonce, '')).toBe(false);
  });

  it('bearer secrets compare equal only when equal, whatever their lengths', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abd')).toBe(false);
    expect(secretsEqual('', 'abc')).toBe(false);
    expect(secretsEqual('abc'.repeat(1000), 'abc')).toBe(false);
  });

  it('generated tokens are long and distinct; short ones are refused', () => {
    const a = generateToken();
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(generateToken()).not.toBe(a);
    expect(() => checkToken('short')).toThrow(/at least 16/);
    expect(() => checkToken(undefined)).toThrow(/missing/);
    expect(checkToken(a)).toBe(a);
  });
});
