/**
 * Streams vs a plain assign list: the same UI, the same clicks. An insert on /list re-sends every shifted
 * row; on /stream only the new item travels. The two pages name the click differently (`append` on the stream
 * page, `add` on the list), as real variants often do; `{ action: 'insert' }` tells compare they are the same
 * user action, so `lv_diff_bytes{action=insert}` and `lv_event_rtt_ms{action=insert}` are compared.
 *   npx rookery run scenarios/compare-streams.ts --target http://127.0.0.1:4000 --users 10 --duration 30s --html report.html
 * With the server's side too (the fixture serves PromEx-style /metrics), each variant alone:
 *   npx rookery run scenarios/compare-streams.ts --target http://127.0.0.1:4000 --variant-mode sequential \
 *     --server-metrics http://127.0.0.1:4000/metrics --html report.html
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'compare-streams',
  variants: { stream: '/stream?n=100&add_event=append', list: '/list?n=100' },
  options: { users: 10, ramp: '5s', duration: '30s' },
  async user(u) {
    await u.lv.goto(u.variantValue!);
    for (let i = 0; i < 5; i++) {
      await u.lv.click('#add', { action: 'insert' });
      await u.think([300, 800]);
    }
  },
});
