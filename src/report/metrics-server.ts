/**
 * Serves live metrics (src/report/prometheus.ts) at `GET /metrics` while a run goes. Loopback by default: a
 * scrape endpoint on other interfaces is a deliberate choice (`--metrics-host`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveMetrics } from './prometheus.js';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(live: LiveMetrics, opts: { port: number; host?: string }): Promise<MetricsServer> {
  const host = opts.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('rookery serves live metrics at /metrics\n');
      return;
    }
    live.render().then(
      (text) => res.writeHead(200, { 'content-type': live.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`rookery: metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : err.message;
      reject(new Error(`--metrics-port ${opts.port} on ${host}: cannot listen (${why})`));
    });
    server.listen(opts.port, host, () => resolve());
  });
  // Scrapers keep connections alive; they must not hold the run's exit.
  server.unref();
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
