import { defineScenario, HISTOGRAMS } from 'rookery';
import { greeting } from './lib/greeting.js';

const hello: string = greeting('counter').text;

export default defineScenario({
  name: 'valid',
  options: { users: 3, ramp: '1s', duration: '2s' },
  throttles: { clicks: { kind: 'rate', perSecond: 5 } },
  // A value only the real 'rookery' has: proves the import resolved to this harness, not to nothing.
  setup: () => ({ hello, rttUnit: HISTOGRAMS.lv_event_rtt_ms.unit }),
  user: async (u) => {
    await u.lv.goto('/counter');
    await u.lv.click('#inc');
  },
});
