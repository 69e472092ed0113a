/**
 * Runtime control of a distributed run: a small HTTP endpoint, on loopback by default, bound to the run's
 * token (`Authorization: Bearer <token>`, compared in constant time).
 *   GET  /status                 → the collector's ClusterStatus
 *   POST /users {"delta": 50}    → add (negative: remove) users, dealt across runners by capacity
 * `rookery ctl add 50` is the client (control-client.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { secretsEqual } from './auth.js';
import type { ClusterStatus } from './collector.js';

export interface ControlTarget {
  status(): ClusterStatus;
  addUsers(delta: number): { extraUsers: number; perRunner: Record<string, number> };
}

export interface ControlServerOptions {
  token: string;
  target: ControlTarget;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  log?: (line: string) => void;
}

export interface ControlServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024;
const MAX_DELTA = 1_000_000;

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const server = createServer((req, res) => {
    void handle(req, res, opts).catch(() => reply(res, 500, { error: 'internal error' }));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ControlServerOptions): Promise<void> {
  const auth = req.headers.authorization ?? '';
  const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
  if (!secretsEqual(presented, opts.token)) {
    req.resume();
    res.setHeader('www-authenticate', 'Bearer realm="rookery"');
    return reply(res, 401, { error: 'missing or wrong token (Authorization: Bearer <token>)' });
  }
  const path = new URL(req.url ?? '/', 'http://control.invalid').pathname;
  if (path === '/status') {
    req.resume();
    if (req.method !== 'GET') return reply(res, 405, { error: 'use GET /status' });
    return reply(res, 200, opts.target.status());
  }
  if (path === '/users') {
    if (req.method !== 'POST') {
      req.resume();
      return reply(res, 405, { error: 'use POST /users {"delta": n}' });
    }
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` });
    let delta: unknown;
    try {
      delta = (JSON.parse(body) as { delta?: unknown }).delta;
    } catch {
      return reply(res, 400, { error: 'body must be JSON like {"delta": 50}' });
    }
    if (typeof delta !== 'number' || !Number.isSafeInteger(delta) || Math.abs(delta) > MAX_DELTA) {
      return reply(res, 400, { error: `delta must be a whole number between -${MAX_DELTA} and ${MAX_DELTA}` });
    }
    try {
      const result = opts.target.addUsers(delta);
      opts.log?.(`control: ${delta >= 0 ? 'added' : 'removed'} ${Math.abs(delta)} users (extra now ${result.extraUsers})`);
      return reply(res, 200, result);
    } catch (err) {
      return reply(res, 409, { error: err instanceof Error ? err.message : String(err) });
    }
  }
  req.resume();
  return reply(res, 404, { error: 'endpoints: GET /status, POST /users' });
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}
