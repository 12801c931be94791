/**
 * A headless browser session on the harness page: launch, serve, open, wait for the device. The CLI and the
 * e2e tests both start here so that they run the very same code path.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { browserArgs, findBrowser, type FoundBrowser } from './browser';
import { serveStatic, type StaticServer } from './server';

export interface Session {
  browser: Browser;
  page: Page;
  server: StaticServer;
  found: FoundBrowser;
  close(): Promise<void>;
}

export async function openSession(options: { log?: (s: string) => void; args?: string[] } = {}): Promise<Session> {
  const found = await findBrowser({ log: options.log });
  const server = await serveStatic();
  const browser = await chromium.launch({ executablePath: found.path, headless: true, args: browserArgs(options.args) });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/harness.html`);
  await page.waitForFunction(() => 'harness' in window, undefined, { timeout: 30_000 }).catch(() => {
    throw new Error(`the harness page did not load: ${errors.join('; ') || 'no error reported'}`);
  });
  return {
    browser,
    page,
    server,
    found,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
