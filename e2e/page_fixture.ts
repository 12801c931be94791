/**
 * The built web page (index.html) in its own headless browser, watched: every request of the browser
 * context (frames and workers included), console errors and uncaught exceptions, and every
 * Content-Security-Policy violation in any frame (a `securitypolicyviolation` listener installed before
 * the page's scripts). Tests read them; at the end, any console error fails the test.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { chromium } from 'playwright-core';
import { browserArgs, findBrowser } from '../src/cli/browser';
import { serveStatic } from '../src/cli/server';

export interface WatchedPage {
  page: Page;
  /** The page's origin, e.g. http://localhost:41234. */
  origin: string;
  /** URLs of every request the browser context made, in order. */
  requests: string[];
  /** "directive blockedURI (frame URL)" for each policy violation, from any frame. */
  violations: string[];
  errors: string[];
}

// A string, not a function: the listener must reach every frame untouched by the test compiler.
const LISTEN = `document.addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolation(e.effectiveDirective + ' ' + e.blockedURI + ' (' + location.pathname + ')'));`;

export const test = base.extend<{ app: WatchedPage; appInitScript: string | null }>({
  /** A script run in every frame before the page's own (test.use({ appInitScript })), e.g. to record devices. */
  appInitScript: [null, { option: true }],
  app: async ({ appInitScript }, use) => {
    const found = await findBrowser();
    const server = await serveStatic();
    const browser = await chromium.launch({
      executablePath: found.path,
      headless: true,
      args: browserArgs(),
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const w: WatchedPage = {
      page: await context.newPage(),
      origin: new URL(server.url).origin,
      requests: [],
      violations: [],
      errors: [],
    };
    context.on('request', (r) => w.requests.push(r.url()));
    await context.exposeFunction('__cspViolation', (s: string) => w.violations.push(s));
    await context.addInitScript(LISTEN);
    if (appInitScript) await context.addInitScript(appInitScript);
    w.page.on('pageerror', (e) => w.errors.push(e.message));
    w.page.on('console', (m) => {
      if (m.type() === 'error') w.errors.push(m.text());
    });
    try {
      await w.page.goto(`${server.url}/index.html`);
      await w.page.waitForFunction(() => window.metarnnPage?.webgpu === true, null, { timeout: 20_000 });
      await use(w);
    } finally {
      await browser.close();
      await server.close();
    }
    expect(w.errors, 'console errors').toEqual([]);
  },
});

export { expect };

/** Requests that left the page's origin (a blob: URL counts as its creator's origin). */
export const foreign = (w: WatchedPage) => w.requests.filter((u) => new URL(u).origin !== w.origin);
