/**
 * Scripted stand-ins for the other side of the cluster protocol: a fake runner (to drive a real collector) and
 * a fake collector server (to drive a real runner agent). Both record every frame they receive, so tests can
 * prove what a peer was — and was not — sent.
 */
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { AddressInfo } from 'node:net';
import { newNonce, proofFor } from '../../src/cluster/auth.js';
import type { CollectorMessage, RunnerMessage } from '../../src/cluster/protocol.js';

export interface FakeRunner {
  ws: WebSocket;
  /** Every frame received, parsed when JSON (raw text otherwise). */
  frames: unknown[];
  /** Resolves with the first received message of type `t` (bounded by `timeoutMs`). */
  next<T extends CollectorMessage['t']>(t: T, timeoutMs?: number): Promise<Extract<CollectorMessage, { t: T }>>;
  send(message: RunnerMessage | Record<string, unknown>): void;
  sendRaw(data: string | Buffer, binary?: boolean): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function connectFakeRunner(url: string): Promise<FakeRunner> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const frames: unknown[] = [];
  const waiters: Array<{ t: string; resolve: (m: never) => void }> = [];
  ws.on('message', (data: RawData) => {
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the raw text
    }
    frames.push(parsed);
    const t = (parsed as { t?: string }).t;
    for (const w of [...waiters]) {
      if (w.t === t) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(parsed as never);
      }
    }
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    next(t, timeoutMs = 5_000) {
      const seen = frames.find((f) => (f as { t?: string }).t === t && !(f as { __taken?: boolean }).__taken);
      if (seen) {
        Object.defineProperty(seen, '__taken', { value: true, enumerable: false });
        return Promise.resolve(seen as never);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${t} within ${timeoutMs} ms (got: ${frames.map((f) => (f as { t?: string }).t ?? '?').join(', ')})`)), timeoutMs);
        waiters.push({
          t,
          resolve: (m: never) => {
            clearTimeout(timer);
            Object.defineProperty(m, '__taken', { value: true, enumerable: false });
            resolve(m);
          },
        });
      });
    },
    send(message) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    },
    sendRaw(data, binary = false) {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary });
    },
    closed,
    close() {
      ws.terminate();
    },
  };
}

/** Connects and completes the handshake with `token` (the collector's challenge must come first). */
export async function joinAsFakeRunner(url: string, token: string, hello: Partial<Extract<RunnerMessage, { t: 'hello' }>> = {}): Promise<FakeRunner & { runnerId: string }> {
  const r = await connectFakeRunner(url);
  const challenge = await r.next('challenge');
  r.send({ v: 1, t: 'hello', name: 'fake', host: 'test', pid: process.pid, capacity: 1, nonce: newNonce(), proof: proofFor(token, 'runner', challenge.nonce), versions: {}, ...hello });
  const welcome = await r.next('welcome');
  return Object.assign(r, { runnerId: welcome.runnerId });
}

export interface FakeCollectorConnection {
  ws: WebSocket;
  frames: unknown[];
  /** Resolves with the next received frame (bounded). */
  nextFrame(timeoutMs?: number): Promise<unknown>;
  send(message: CollectorMessage | Record<string, unknown>): void;
  sendRaw(data: string | Buffer, binary?: boolean): void;
  closed: Promise<void>;
}

/** A WebSocket server on loopback that hands each connection, in order, to `onConnection`. */
export async function startFakeCollector(onConnection: (c: FakeCollectorConnection, index: number) => void | Promise<void>): Promise<{ url: string; connections: FakeCollectorConnection[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const connections: FakeCollectorConnection[] = [];
  wss.on('connection', (ws) => {
    const frames: unknown[] = [];
    const pending: Array<(f: unknown) => void> = [];
    let consumed = 0;
    ws.on('error', () => {});
    ws.on('message', (data: RawData) => {
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString('utf8');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // raw
      }
      frames.push(parsed);
      pending.shift()?.(parsed);
    });
    const conn: FakeCollectorConnection = {
      ws,
      frames,
      nextFrame(timeoutMs = 5_000) {
        const seen = frames.length > consumed ? frames[consumed++] : undefined;
        if (seen !== undefined) return Promise.resolve(seen);
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
          pending.push((f) => {
            clearTimeout(t);
            consumed++;
            resolve(f);
          });
        });
      },
      send(message) {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
      },
      sendRaw(data, binary = false) {
        if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary });
      },
      closed: new Promise<void>((resolve) => ws.on('close', () => resolve())),
    };
    connections.push(conn);
    void Promise.resolve(onConnection(conn, connections.length - 1)).catch(() => ws.terminate());
  });
  const addr = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${addr.port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
