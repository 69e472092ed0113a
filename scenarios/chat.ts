/**
 * Chat fan-out: every message one user posts is pushed as a diff to every connected user, so server pushes
 * grow with the square of the users. Watch lv_push_bytes and lv_pushes.
 *   npx rookery run scenarios/chat.ts --target http://127.0.0.1:4000 --users 20 --duration 30s
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'chat',
  options: { users: 10, ramp: '5s', duration: '30s' },
  async user(u) {
    await u.lv.goto('/chat');
    for (let i = 0; i < 3; i++) {
      await u.lv.fill('#chat-form input[name=message]', `hello ${i} from user ${u.userId}`);
      await u.lv.submit('#chat-form');
      await u.think([1000, 3000]);
    }
  },
});
