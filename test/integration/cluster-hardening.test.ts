/**
 * Issue 15, collector hardening, on real loopback sockets (no browsers):
 * - 32 idle unauthenticated connections no longer lock a real runner out (it used to get "too many
 *   unauthenticated connections" and exit 2), also when idle peers from several addresses keep reconnecting;
 * - the pre-auth frame limit is enforced by `ws` from the frame header, before the payload is buffered, and an
 *   authenticated runner's connection is raised to the runner limit;
 * - idle pre-auth peers are cut at the handshake timeout;
 * - peer bytes reach the collector's log escaped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { Collector } from '../../src/cluster/collector.js';
import { runRunnerAgent } from '../../src/cluster/runner.js';
import { LIMITS } from '../../src/cluster/protocol.js';
import { generateToken, newNonce, proofFor } from '../../src/cluster/auth.js';
import { startControlServer, type ControlTarget } from '../../src/cluster/control-server.js';
import { writeControlFile, listControlFiles } from '../../src/cluster/control-client.js';
import { privateDir } from '../../src/cluster/private-dir.js';
import { connectFakeRunner, joinAsFakeRunner, startFakeCollector } from '../support/fake-cluster-peer.js';
import { waitUntil } from '../support/chromium-processes.js';
import { runRookery } from '../support/run-cli.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOKEN = generateToken();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function collector(opts: { log?: string[]; handshakeTimeoutMs?: number } = {}): Promise<Collector> {
  const c = await Collector.listen({ token: TOKEN, handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 5_000, ...(opts.log ? { log: (l: string) => opts.log!.push(l) } : {}) });
  cleanups.push(() => c.close());
  return c;
}

/** An unauthenticated peer that opens the WebSocket and then says nothing, from `localAddress`. */
function idlePeer(url: string, localAddress = '127.0.0.1'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    ws.on('error', () => {});
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
    ws.once('close', () => reject(new Error('closed before open')));
  });
}

/** Completes a raw WebSocket upgrade on a TCP socket; resolves with the socket and what followed the 101. */
function rawUpgrade(port: number): Promise<{ sock: Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.on('error', () => {});
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (upgraded) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
      upgraded = true;
      buf = buf.subarray(end + 4);
      resolve({ sock, received: () => buf, closed });
    });
    sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

/** Server frames (unmasked) in `buf`: opcode and payload. */
function parseFrames(buf: Buffer): Array<{ opcode: number; payload: Buffer }> {
  const out: Array<{ opcode: number; payload: Buffer }> = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    const opcode = buf[i]! & 0x0f;
    let len = buf[i + 1]! & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = buf.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(buf.readBigUInt64BE(at));
      at += 8;
    }
    if (at + len > buf.length) break;
    out.push({ opcode, payload: buf.subarray(at, at + len) });
    i = at + len;
  }
  return out;
}

describe('collector admission under idle peers', () => {
  it('32 idle unauthenticated connections, then a real runner: the runner joins', async () => {
    const log: string[] = [];
    const c = await collector({ log });
    const idle = await Promise.all(Array.from({ length: LIMITS.maxPendingPeers }, () => idlePeer(c.url)));
    cleanups.push(() => idle.forEach((ws) => ws.terminate()));
    const runnerLog: string[] = [];
    const agent = runRunnerAgent({ join: c.url, token: TOKEN, capacity: 2, name: 'real', connectTimeoutMs: 20_000, log: (l) => runnerLog.push(l) });
    const joined = await c.waitForRunners(1, 20_000);
    expect(joined.map((r) => r.name)).toEqual(['real']);
    expect(runnerLog.join('\n')).not.toMatch(/refused/);
    c.finish(); // bye: an idle runner leaves with 0
    expect((await agent).exitCode).toBe(0);
  }, 40_000);

  it('idle peers from four other addresses that reconnect at once when cut never displace a runner', async () => {
    const c = await collector();
    let stop = false;
    let opened = 0;
    const live = new Set<WebSocket>();
    const keepOne = (addr: string): void => {
      if (stop || opened > 2_000) return; // bounded
      opened++;
      void idlePeer(c.url, addr).then(
        (ws) => {
          live.add(ws);
          ws.once('close', () => {
            live.delete(ws);
            keepOne(addr);
          });
        },
        () => keepOne(addr),
      );
    };
    for (const addr of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) for (let i = 0; i < 10; i++) keepOne(addr);
    cleanups.push(() => {
      stop = true;
      for (const ws of live) ws.terminate();
    });
    await waitUntil(() => opened >= 40, 10_000);
    const runners = await Promise.all([1, 2, 3].map(() => joinAsFakeRunner(c.url, TOKEN)));
    cleanups.push(() => runners.forEach((r) => r.close()));
    expect(c.runners()).toHaveLength(3);
    // The attackers were held to their share: at most 8 pending per address.
    expect(live.size).toBeLessThanOrEqual(4 * LIMITS.maxPendingPerAddress);
  }, 30_000);

  it('a runner told "busy, retry" dials again with back-off and joins; a plain refusal stays final', async () => {
    const fake = await startFakeCollector(async (conn, i) => {
      conn.send({ v: 1, t: 'challenge', nonce: newNonce() });
      if (i < 2) {
        conn.send({ v: 1, t: 'reject', reason: 'too many unauthenticated connections; try again', retry: true });
        return;
      }
      const hello = (await conn.nextFrame()) as { nonce: string };
      conn.send({ v: 1, t: 'welcome', runnerId: 'r1', proof: proofFor(TOKEN, 'collector', hello.nonce), heartbeatMs: 500, silenceMs: 5_000 });
      conn.send({ v: 1, t: 'bye' });
    });
    cleanups.push(() => fake.close());
    const log: string[] = [];
    const result = await runRunnerAgent({ join: fake.url, token: TOKEN, capacity: 1, connectTimeoutMs: 20_000, log: (l) => log.push(l) });
    expect(result.exitCode, result.reason).toBe(0);
    expect(fake.connections).toHaveLength(3);
    expect(log.join('\n')).toContain('the collector is busy');

    const refusing = await startFakeCollector((conn) => {
      conn.send({ v: 1, t: 'challenge', nonce: newNonce() });
      conn.send({ v: 1, t: 'reject', reason: 'authentication failed: wrong token' });
    });
    cleanups.push(() => refusing.close());
    const refused = await runRunnerAgent({ join: refusing.url, token: TOKEN, capacity: 1, connectTimeoutMs: 20_000 });
    expect(refused.exitCode).toBe(2);
    expect(refusing.connections).toHaveLength(1);
  }, 40_000);

  it('cuts idle pre-auth peers at the handshake timeout', async () => {
    const c = await collector({ handshakeTimeoutMs: 500 });
    const r = await connectFakeRunner(c.url);
    await r.next('challenge');
    const closed = await r.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/no valid hello within 500 ms/);
  });
});

describe('pre-auth frame limit', () => {
  it('a frame header announcing 8 MiB is refused (1009) from the header, without waiting for the payload', async () => {
    const c = await collector({ handshakeTimeoutMs: 30_000 });
    const { sock, received, closed } = await rawUpgrade(c.port);
    // FIN + text, masked, 64-bit length = 8 MiB, mask key, then only 100 bytes of the payload.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(8 * 1024 * 1024), 2);
    randomBytes(4).copy(header, 10);
    sock.write(Buffer.concat([header, randomBytes(100)]));
    // The handshake timeout is 30 s: a close now can only be the frame limit.
    const done = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    expect(done).toBe(true);
    const frames = parseFrames(received());
    const close = frames.find((f) => f.opcode === 0x8);
    expect(close?.payload.readUInt16BE(0)).toBe(1009);
  }, 20_000);

  it('the same 20 KiB frame is refused before authentication and accepted after it', async () => {
    const c = await collector();
    const padded = `{"v":1,"t":"ping","at":1}${' '.repeat(20 * 1024)}`;
    expect(padded.length).toBeGreaterThan(LIMITS.handshakeBytes);
    const stranger = await connectFakeRunner(c.url);
    await stranger.next('challenge');
    stranger.sendRaw(padded);
    expect((await stranger.closed).code).toBe(1009);

    const runner = await joinAsFakeRunner(c.url, TOKEN);
    cleanups.push(() => runner.close());
    runner.sendRaw(padded);
    runner.send({ v: 1, t: 'ping', at: 2 });
    await new Promise((r) => setTimeout(r, 300));
    expect(runner.ws.readyState).toBe(WebSocket.OPEN);
    expect(c.runners()[0]?.state).toBe('joined');
  });
});

describe('per-run control files', () => {
  it('two runs on one machine: `rookery ctl` finds the latest, or the one named by --run; a dead run\'s file is removed', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rookery-ctl-'));
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const dir = privateDir(tmp);
    const runs = ['run-older', 'run-newer'];
    for (const [i, runId] of runs.entries()) {
      const token = generateToken();
      const target = { status: () => ({ phase: 'running', runId }), addUsers: () => ({ extraUsers: 0, perRunner: {} }) } as unknown as ControlTarget;
      const server = await startControlServer({ token, target });
      cleanups.push(() => server.close());
      writeControlFile({ url: server.url, token, pid: process.pid, runId, startedAt: 1_000 + i }, dir);
    }
    writeControlFile({ url: 'http://127.0.0.1:9', token: generateToken(), pid: 2 ** 22 + 12_345, runId: 'run-dead', startedAt: 5_000 }, dir);
    const env = { TMPDIR: tmp };
    const latest = await runRookery(['ctl', 'status'], { env });
    expect(latest.code, latest.stderr).toBe(0);
    expect(JSON.parse(latest.stdout)).toMatchObject({ runId: 'run-newer' });
    expect(latest.stderr).toContain('2 distributed runs are going on this machine (run-newer, run-older); using the latest, run-newer (pass --run ID to choose)');
    expect(listControlFiles(dir).map((f) => f.runId)).toEqual(['run-newer', 'run-older']);
    const chosen = await runRookery(['ctl', 'status', '--run', 'run-older'], { env });
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(JSON.parse(chosen.stdout)).toMatchObject({ runId: 'run-older' });
    const unknown = await runRookery(['ctl', 'status', '--run', 'nope'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no distributed run nope is going on this machine (going: run-newer, run-older)');
  }, 60_000);
});

describe('collector logs', () => {
  it('quote peer bytes escaped: no terminal control sequence reaches the log', async () => {
    const log: string[] = [];
    const c = await collector({ log });
    const r = await connectFakeRunner(c.url);
    await r.next('challenge');
    r.sendRaw('\x1b[2J\x1b]0;owned\x07 not json');
    await r.closed;
    await waitUntil(() => log.some((l) => l.includes('refused')), 2_000);
    const line = log.find((l) => l.includes('refused')) ?? '';
    expect(line).toContain('\\x1b[2J');
    // eslint-disable-next-line no-control-regex
    expect(log.join('\n')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});
