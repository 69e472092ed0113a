import { defineScenario } from 'rookery';

// The fixture's ?crash=1 crashes the view on the first event after the first mount: this click's `inc` gets
// phx_error instead of a reply, so the click is an error of `inc`, never a latency sample.
export default defineScenario({
  name: 'crash-click',
  async user(u) {
    await u.lv.goto('/counter?crash=1');
    await u.lv.click('#inc');
  },
});
