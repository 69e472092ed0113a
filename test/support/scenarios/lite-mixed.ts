import { defineScenario } from 'rookery';

// Stream vs list variants, three inserts per iteration: run by browser and lite users alike.
export default defineScenario({
  name: 'lite-mixed',
  variants: { stream: '/stream?n=20', list: '/list?n=20' },
  async user(u) {
    await u.lv.goto(u.variantValue!);
    for (let i = 0; i < 3; i++) await u.lv.click('#add');
  },
});
