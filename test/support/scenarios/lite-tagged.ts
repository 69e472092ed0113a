import { defineScenario } from 'rookery';

// Lite users that say where they ran: the join URL carries the runner's pid (a lite worker's parent process) and
// the run-wide user id, so the fixture's own record can be split by runner and user.
export default defineScenario({
  name: 'lite-tagged',
  async user(u) {
    await u.lv.goto(`/stream?n=5&runner=${process.ppid}&user=${u.userId}`);
    for (let i = 0; i < 3; i++) await u.lv.click('#add');
    await u.think(100);
  },
});
