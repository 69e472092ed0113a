import { defineScenario } from 'rookery';
import { explode } from './lib/greeting.js';

const ready: boolean = false;
if (!ready) explode();

export default defineScenario({ name: 'never', user: async () => {} });
