/**
 * Visual checks under load: two checkpoints, compared against committed baselines in sampled iterations.
 *   npx rookery baseline scenarios/visual.ts --target http://127.0.0.1:4000
 *   npx rookery run scenarios/visual.ts --target http://127.0.0.1:4000 --users 10 --duration 30s --html report.html
 * Against the fixture app, ROOKERY_GLITCH=0.2 (rendered as `?glitch=0.2`) makes the server draw a visibly wrong
 * state after 20 % of events; the run then counts visual_mismatch and fails its threshold.
 */
import { defineScenario } from 'rookery';

const glitch = process.env.ROOKERY_GLITCH;
const withGlitch = (path: string): string => (glitch ? `${path}${path.includes('?') ? '&' : '?'}glitch=${encodeURIComponent(glitch)}` : path);

export default defineScenario({
  name: 'visual',
  options: {
    users: 5,
    ramp: '5s',
    duration: '30s',
    visualSample: 0.2,
    thresholds: ['visual_mismatch:count==0', 'lv_errors:count==0'],
  },
  async user(u) {
    await u.lv.goto(withGlitch('/counter'));
    // Each user counts to a different number, so the count itself is dynamic: masked, the rest is compared.
    const clicks = 1 + ((u.userId + u.iteration) % 3);
    for (let i = 0; i < clicks; i++) {
      await u.lv.click('#inc');
      await u.think([200, 500]);
    }
    await u.snapshot('counter', { mask: ['#count'] });

    await u.lv.goto(withGlitch('/stream?n=5'));
    await u.lv.click('#add');
    await u.snapshot('stream after add');
    await u.think([300, 800]);
  },
});
