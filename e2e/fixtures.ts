import { test as base, expect, type Page } from '@playwright/test';
import { openSession, type Session } from '../src/cli/session';

/** One headless browser on the harness page per worker: launching costs ~1 s, a device ~10 ms. */
export const test = base.extend<{ gpu: Page }, { session: Session }>({
  session: [
    async ({}, use) => {
      const session = await openSession();
      await use(session);
      await session.close();
    },
    { scope: 'worker' },
  ],
  gpu: async ({ session }, use) => {
    const errors: string[] = [];
    const onError = (e: Error) => errors.push(e.message);
    session.page.on('pageerror', onError);
    await use(session.page);
    session.page.off('pageerror', onError);
    expect(errors, 'page errors').toEqual([]);
  },
});

export { expect };

/**
 * Asserts float32 results against a float64 reference: max_i |a_i − e_i| ≤ rtol · max(max_i |e_i|, floor),
 * one scale for the whole tensor (its largest expected magnitude, floored — 1e-3 by default — so that an
 * all-zero reference still allows float32 rounding; an update's inputs may set a higher floor), and no NaN (outputs are poisoned with NaN before each run, so an
 * unwritten element fails here).
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  rtol = 1e-4,
  floor = 1e-3,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = floor;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    // NaN (a poisoned output left unwritten) is the worst error, and the first one found stays.
    if (Number.isNaN(worst)) break;
    if (Number.isNaN(err) || err > worst) {
      worst = err;
      at = i;
    }
  }
  const rel = worst / scale;
  expect(
    rel <= rtol,
    `${what}: relative error ${rel.toExponential(2)} at [${at}] (got ${actual[at]}, want ${expected[at]})`,
  ).toBe(true);
}
