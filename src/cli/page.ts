/**
 * Helpers for commands that run work in the harness page: open a session for the duration of a function,
 * and call `window.harness.<fn>` with errors carried back as typed errors rather than Playwright's
 * multi-line "page.evaluate: ..." text.
 */
import type { Page } from 'playwright-core';
import type { HarnessCalls } from '../protocol/harness';
import { MetarnnError } from '../runtime/errors';
import type { Session } from './session';

/** A MetarnnError thrown in the page (its class name and code survive; its prototype cannot). */
class PageError extends MetarnnError {
  override name = 'PageError';
  constructor(
    message: string,
    code: string,
    readonly pageName: string,
  ) {
    super(message, code);
  }
}

/** Opens a browser session, runs `fn`, and always closes the session, so the process can exit. */
export async function withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
  let session: Session;
  try {
    // Loaded on demand: Playwright takes a second or more to import, and input errors should not wait for it.
    const { openSession } = await import('./session');
    session = await openSession({ log: (s) => console.error(s) });
  } catch (e) {
    if (e instanceof MetarnnError) throw e;
    // Launch failures are environment problems, not bugs: keep the first line, which says what happened.
    const first = String((e as Error)?.message ?? e).split('\n')[0];
    throw new MetarnnError(`cannot start the browser session: ${first}`, 'session');
  }
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

interface PageResult {
  ok: boolean;
  value?: unknown;
  name?: string;
  code?: unknown;
  message?: string;
  stack?: string;
}

/**
 * Calls `window.harness[name](...args)` in the page: one of the functions src/protocol/harness.ts lists,
 * with its argument and result types. The page function must stay anonymous and define no named functions:
 * tsx compiles with keepNames, which would wrap those in a `__name(...)` helper that does not exist in the
 * page.
 */
export async function callHarness<K extends keyof HarnessCalls>(
  page: Page,
  name: K,
  ...args: Parameters<HarnessCalls[K]>
): Promise<Awaited<ReturnType<HarnessCalls[K]>>> {
  const r: PageResult = await page.evaluate(
    async ({ name, args }) => {
      try {
        const h = (window as unknown as { harness: Record<string, (...a: unknown[]) => unknown> }).harness;
        return { ok: true, value: await h[name](...args) };
      } catch (e) {
        const err = e as { name?: string; code?: unknown; message?: string; stack?: string };
        return {
          ok: false,
          name: err?.name,
          code: err?.code,
          message: err?.message ?? String(e),
          stack: err?.stack,
        };
      }
    },
    { name: name as string, args: args as unknown[] },
  );
  if (r.ok) return r.value as Awaited<ReturnType<HarnessCalls[K]>>;
  if (typeof r.code === 'string') throw new PageError(r.message ?? '', r.code, r.name ?? 'Error');
  const err = new Error(`in the page, harness.${name}: ${r.message}`);
  err.stack = `${r.name}: ${r.message}\n(page stack)\n${r.stack ?? ''}`;
  throw err;
}
