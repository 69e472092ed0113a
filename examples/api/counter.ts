// A scenario whose load model is declared explicitly (see executors.ts for the three kinds).
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'api-counter',
  options: {
    load: { kind: 'constant', users: 2, ramp: '1s', duration: '3s' },
  },
  async user(u) {
    await u.lv.goto('/counter');
    for (let i = 0; i < 3; i++) await u.lv.click('#inc');
    await u.think(100);
  },
});
