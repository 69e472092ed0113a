// The three load models (k6's executors). Give one as `options.load` in a scenario, or `load` to run().
import type { LoadSpec } from 'rookery';

/** Closed model: 20 users, started evenly over 30 s, then held for 2 minutes. */
export const constant: LoadSpec = { kind: 'constant', users: 20, ramp: '30s', duration: '2m' };

/** Closed model in stages: up to 20 users in 30 s, hold 1 minute, down to 0 in 10 s. */
export const stages: LoadSpec = {
  kind: 'stages',
  stages: [
    { duration: '30s', target: 20 },
    { duration: '1m', target: 20 },
    { duration: '10s', target: 0 },
  ],
};

/** Open model: 5 new user sessions per second for a minute; beyond 40 at once, arrivals are dropped and counted. */
export const arrival: LoadSpec = { kind: 'arrival', rate: 5, duration: '1m', maxUsers: 40 };
