import { defineScenario } from 'rookery';

// Every click holds a run-wide `parallel: 1` throttle from push to patch: across browser users and every lite
// worker process, the server must never handle two of these clicks at once.
export default defineScenario({
  name: 'lite-throttle',
  throttles: { one: { kind: 'parallel', max: 1 } },
  async user(u) {
    await u.lv.goto('/counter');
    for (let i = 0; i < 2; i++) {
      const release = await u.throttle('one').acquire(u.signal);
      try {
        await u.lv.click('#inc');
      } finally {
        release();
      }
    }
  },
});
