import { defineScenario } from 'rookery';

// One short session per iteration: the unit of the open (arrival-rate) model.
export default defineScenario({
  name: 'one-click',
  async user(u) {
    await u.lv.goto('/counter');
    await u.lv.click('#inc');
  },
});
