import { defineScenario } from 'rookery';

// Reads u.page: browser users only (lite users have no Playwright page).
export default defineScenario({
  name: 'lite-page-only',
  async user(u) {
    await u.lv.goto('/counter');
    await u.page.click('#inc');
  },
});
