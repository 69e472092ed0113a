import { defineScenario } from 'rookery';
import { greeting } from './lib/greeting.js';

const hello: string = greeting('counter').text;

export default defineScenario({
  name: 'valid',
  options: { users: 3, ramp: '1s', duration: '2s' },
  throttles: { clicks: { kind: 'rate', perSecond: 5 } },
  setup: () => ({ hello }),
  user: async (u) => {
    await u.lv.goto('/counter');
    await u.lv.click('#inc');
  },
});
