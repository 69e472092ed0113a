import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'broken',
  user: async (u) => {
    await u.lv.goto('/counter';
  },
});
