/**
 * The web page under its Content-Security-Policy (src/protocol/csp.ts): a whole session — train, adapt,
 * save, bench — requests nothing from another origin and trips no policy; and the policy is really enforced
 * (an inline script and a foreign fetch are refused and reported), so the first test can fail.
 */
import { PAGE_CSP } from '../src/protocol/csp';
import { expect, foreign, test } from './page_fixture';

/** A small model for the software adapter, trained until the test stops it. */
const TINY = {
  shots: 5,
  queries: 5,
  metaBatch: 4,
  steps: 20000, // stopped long before the end (a run that finishes first would fail the Stop below)
  layers: 1,
  hidden: 16,
  logEvery: 5,
  evalEvery: 20,
  evalTasks: 4,
};

test('page: train, adapt, save and bench request only the page origin and trip no CSP', async ({ app }) => {
  test.setTimeout(120_000);
  const { page } = app;
  expect(
    await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content'),
    'the policy in force',
  ).toBe(PAGE_CSP);

  await page.getByRole('tab', { name: 'Train' }).click();
  for (const [k, v] of Object.entries(TINY)) await page.locator(`#p-${k}`).fill(String(v));
  await page.getByRole('button', { name: 'Start' }).click();
  await expect
    .poll(() => page.locator('#train-plot').getAttribute('data-points').then(Number), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('#view-train')).toHaveAttribute('data-mode', 'stopped');

  await page.getByRole('tab', { name: 'Adapt' }).click();
  await page.getByRole('button', { name: 'New task' }).click();
  await expect(page.locator('#view-adapt')).toHaveAttribute('data-adapted', '1');

  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await page.getByLabel('Name').fill('csp');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('#ckpt-list')).toContainText('csp');

  await page.getByRole('tab', { name: 'Bench' }).click();
  await page.locator('#bench-preset').selectOption('small');
  await page.locator('#bench-matmul').fill('32');
  await page.locator('#bench-throughput').fill('0');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('#view-bench')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(page.locator('#status')).not.toHaveClass(/error/);

  expect(app.requests.length, 'the recorder saw the page load').toBeGreaterThan(3);
  expect(
    app.requests.some((u) => /\/assets\/index-[^/]+\.js$/.test(u)),
    'the entry chunk',
  ).toBe(true);
  expect(
    app.requests.some((u) => u.includes('peers')),
    'no TF.js without peers',
  ).toBe(false);
  expect(foreign(app), 'requests to other origins').toEqual([]);
  expect(app.violations, 'CSP violations').toEqual([]);
});

test('page: the CSP refuses an inline script and a foreign fetch, and the test sees both', async ({
  app,
}) => {
  const { page } = app;
  // Both are refused by the browser, which also logs them as console errors: expected here, not a failure.
  await page.evaluate(`(() => {
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = true';
    document.body.append(s);
    return fetch('http://127.0.0.1:9/x').catch(() => 'refused');
  })()`);
  await expect.poll(() => app.violations.length).toBeGreaterThanOrEqual(2);
  expect(await page.evaluate('window.inlineRan === true'), 'the inline script ran').toBe(false);
  expect(app.violations.join('\n')).toContain('script-src-elem inline');
  expect(app.violations.join('\n')).toContain('connect-src http://127.0.0.1:9/x');
  app.errors.length = 0;
});
