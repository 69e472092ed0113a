import { defineScenario } from 'rookery';

export const scenario = defineScenario({ name: 'named only', user: async () => {} });
export const other = 1;
