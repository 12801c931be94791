/**
 * A headless browser session on one of the built pages (the harness by default): launch, serve, open, wait
 * for the page's global. The CLI and the e2e tests both start here so that they run the very same code path.
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

export interface SessionOptions {
  log?: (s: string) => void;
  args?: string[];
  /** The page to open, e.g. 'bench.html'; it must set `window.<name without .html>` once it is ready. */
  page?: string;
}

export async function openSession(options: SessionOptions = {}): Promise<Session> {
  const pageFile = options.page ?? 'harness.html';
  const global = pageFile.replace(/\.html$/, '');
  const found = await findBrowser({ log: options.log });
  const server = await serveStatic();
  // Playwright closes the browser on SIGINT/SIGTERM/SIGHUP unless told not to: right for most commands, but a
  // command that handles a signal itself (train: stop_signals.ts, a checkpoint before it exits) needs the
  // browser until it is done. It exits afterwards, and Playwright kills the browser when the process exits.
  const own = (signal: NodeJS.Signals) => process.listenerCount(signal) > 0;
  const browser = await chromium
    .launch({
      executablePath: found.path,
      headless: true,
      args: browserArgs(options.args),
      handleSIGINT: !own('SIGINT'),
      handleSIGTERM: !own('SIGTERM'),
      handleSIGHUP: !own('SIGHUP'),
    })
    .catch(async (e) => {
      await server.close().catch(() => {});
      throw e;
    });
  const errors: string[] = [];
  let page: Page;
  try {
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // Kernel variants forced for the run (src/kernels/forced_variants.ts) reach the page in its address.
    const variants = process.env.METARNN_VARIANTS;
    const query = variants ? `?variants=${encodeURIComponent(variants)}` : '';
    await page.goto(`${server.url}/${pageFile}${query}`);
    await page.waitForFunction((name) => name in window, global, { timeout: 30_000 });
  } catch (e) {
    // Nothing may outlive a failed start: an open browser or server would keep the process from exiting.
    await browser.close().catch(() => {});
    await server.close().catch(() => {});
    const why = errors.join('; ') || String((e as Error)?.message ?? e).split('\n')[0];
    throw new Error(`the ${global} page did not load: ${why}`);
  }
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
