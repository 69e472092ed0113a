/**
 * One fixture app per test file: started before the file's tests, closed after them. The returned object is the
 * FixtureServer itself (read it inside tests and hooks), so a file needs no beforeAll/afterAll of its own for it.
 */
import { afterAll, beforeAll } from 'vitest';
import { startFixture, type FixtureOptions, type FixtureServer } from '../../fixtures/server/index.js';

export function useFixture(opts: FixtureOptions = {}): FixtureServer {
  let server: FixtureServer | undefined;
  beforeAll(async () => {
    server = await startFixture({ port: 0, ...opts });
  });
  afterAll(async () => {
    await server?.close();
  });
  return new Proxy({} as FixtureServer, {
    get(_, key) {
      if (!server) throw new Error(`useFixture: the fixture is not started yet (read .${String(key)} inside a test or a hook)`);
      const value: unknown = Reflect.get(server, key, server);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(server) : value;
    },
  });
}
