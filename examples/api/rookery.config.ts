// Project settings shared by every scenario in this folder (found from the current folder up to the package
// root, like playwright.config.ts; or pass --config). CLI flags > scenario options > this file > defaults.
import { defineConfig } from 'rookery';

export default defineConfig({
  target: process.env.APP_URL ?? 'http://localhost:4000',
  thresholds: ['lv_errors:count==0'], // judged in every run, besides the scenario's and the command line's
  pool: { blockResources: ['image', 'font'] },
  reporters: {
    // {scenario} becomes the scenario's name; relative paths are relative to this file's folder.
    json: `${process.env.RESULTS_DIR ?? 'rookery-results'}/{scenario}.json`,
  },
});
