/** `--metrics-port` / `--metrics-host` for `rookery run` (local and distributed): live metrics for Prometheus. */
import type { Command } from 'commander';
import { LiveMetrics } from '../report/prometheus.js';
import { startMetricsServer } from '../report/metrics-server.js';
import type { ProgressState } from '../report/progress.js';

export interface MetricsFlags {
  metricsPort?: number;
  metricsHost?: string;
}

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--metrics-port: ${JSON.stringify(v)} is not a port (0-65535; 0 picks a free one)`);
  return n;
};

export function metricsFlags(cmd: Command): Command {
  return cmd
    .option('--metrics-port <port>', 'serve live metrics in Prometheus text format at http://HOST:PORT/metrics during the run', port)
    .option('--metrics-host <host>', 'interface for --metrics-port (default 127.0.0.1; 0.0.0.0 exposes it)');
}

export interface LiveMetricsHandle {
  /** Wraps a progress callback so each interval also updates the live metrics. */
  progress(next: (state: ProgressState) => void): (state: ProgressState) => void;
  close(): Promise<void>;
}

/** Starts the endpoint when --metrics-port was given; otherwise a handle that does nothing. */
export async function startLiveMetrics(flags: MetricsFlags, log: (line: string) => void): Promise<LiveMetricsHandle> {
  if (flags.metricsPort === undefined) {
    if (flags.metricsHost !== undefined) throw new Error('--metrics-host needs --metrics-port');
    return { progress: (next) => next, close: async () => undefined };
  }
  const live = new LiveMetrics();
  const server = await startMetricsServer(live, { port: flags.metricsPort, ...(flags.metricsHost ? { host: flags.metricsHost } : {}) });
  log(`metrics: ${server.url} (Prometheus text format)`);
  return {
    progress: (next) => (state) => {
      live.update(state);
      next(state);
    },
    close: () => server.close(),
  };
}
