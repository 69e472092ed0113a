import { defineScenario } from 'rookery';

// Points a LiveView verb at a plain JSON endpoint: the run must say the page never connects a LiveView.
export default defineScenario({
  name: 'not-liveview',
  async user(u) {
    await u.lv.goto('/__fixture/stats');
  },
});
