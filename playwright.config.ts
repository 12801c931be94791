import { defineConfig } from '@playwright/test';

// One runner for both kinds of tests: `test/` runs pure TypeScript in Node, `e2e/` drives headless Chromium
// (one browser per worker, see e2e/fixtures.ts). The software adapter uses both cores, so one worker.
export default defineConfig({
  globalSetup: './e2e/global-setup.ts',
  workers: 1,
  timeout: 120_000,
  reporter: process.env.CI ? [['list']] : [['list']],
  projects: [
    { name: 'node', testDir: './test', testMatch: /.*\.test\.ts/ },
    { name: 'e2e', testDir: './e2e', testMatch: /.*\.spec\.ts/ },
  ],
});
