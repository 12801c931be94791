/**
 * The web page's Bench view on small sizes: ours and the matmul on the page's device, TF.js's cpu and wasm
 * backends in the bench.html frame (under that page's own, looser policy), interleaved in rounds, a filled
 * table, a bar per ratio, each peer's backend as run, the targets and the meta-training curve, progress to
 * the end, no console error and no policy violation in either frame. The screenshot is kept in the test's
 * output folder.
 */
import type { Locator } from '@playwright/test';
import { expect, foreign, test } from './page_fixture';

/** The table's cells of the row for `caseName` / `impl`, as text. */
async function row(table: Locator, caseName: string, impl: string): Promise<string[]> {
  const rows = await table
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
  const found = rows.filter((r) => r[0] === caseName && r[1] === impl);
  expect(found, `one row for ${caseName} ${impl}`).toHaveLength(1);
  return found[0];
}

test('page bench: ours and TF.js peers, table and bar chart of the ratios', async ({ app }, testInfo) => {
  test.setTimeout(180_000);
  const { page } = app;
  await page.getByRole('tab', { name: 'Bench' }).click();
  await page.locator('#bench-preset').selectOption('small');
  await expect(page.locator('#bench-matmul'), 'the preset sets the matmul size').toHaveValue('128');
  await page.locator('#bench-matmul').fill('64');
  await page.locator('#bench-throughput').fill('1');
  await page.getByLabel('tfjs-cpu').check();
  await page.getByLabel('tfjs-wasm').check();
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('#view-bench')).toHaveAttribute('data-state', 'running');
  await expect(page.locator('#bench-now')).toContainText(/\[\d+\/16\]/);
  await expect(page.locator('#view-bench')).toHaveAttribute('data-state', 'done', { timeout: 150_000 });
  const seconds = (Date.now() - t0) / 1000;
  testInfo.annotations.push({ type: 'bench seconds', description: seconds.toFixed(1) });

  // matmul + 2 rounds (quick) × (3 implementations of the first case: ours, tfjs-wasm, tfjs-cpu (slow peers on
  // the first case only) + 2 of the second) + throughput + the curve (2 learners × 2 meta-batches) = 16
  const progress = page.locator('#bench-progress');
  expect(await progress.getAttribute('max')).toBe('16');
  expect(await progress.evaluate((p) => (p as HTMLProgressElement).value)).toBe(16);

  const table = page.locator('#bench-table');
  const ms = (cells: string[], i: number) => Number(cells[i]);
  for (const c of ['small-1x16', 'small-2x16']) {
    const ours = await row(table, c, 'ours');
    expect(ms(ours, 2), `${c} ours forward ms`).toBeGreaterThan(0);
    expect(ms(ours, 3), `${c} ours step ms`).toBeGreaterThan(0);
    expect(ours[4], `${c} ours step min–max`).toMatch(/^[\d.]+–[\d.]+$/);
    expect(ours[5]).toBe('1.00×');
    const wasm = await row(table, c, 'tfjs-wasm');
    const ratio = Number(wasm[5].replace('×', ''));
    expect(ratio, `${c} tfjs-wasm step ÷ ours`).toBeGreaterThan(0);
    // The ratio is the two medians' quotient, as shown.
    expect(Math.abs(ratio - ms(wasm, 3) / ms(ours, 3))).toBeLessThan(0.02 * ratio + 0.01);
  }
  expect((await row(table, 'small-1x16', 'tfjs-cpu'))[5]).toMatch(/^\d+\.\d\d×$/);
  await expect(table.locator('caption')).toContainText('Median of 4 runs in 2 rounds');
  expect((await row(table, 'small-2x16', 'tfjs-cpu')).join(' ')).toContain('first case only');
  expect((await row(table, 'small-1x16', 'tfjs-webgpu')).join(' ')).toContain('not requested');
  await expect(page.locator('#bench-summary')).toContainText(/matmul 64³ [\d.]+ GFLOP\/s/);
  await expect(page.locator('#bench-summary')).toContainText('tasks/s');

  // One bar per ratio: 2 ours, tfjs-cpu once, tfjs-wasm twice, the throughput.
  const chart = page.locator('#bench-chart');
  await expect(chart).toHaveAttribute('data-bars', '6');
  await expect(chart.locator('rect')).toHaveCount(6);
  const widths = await chart
    .locator('rect')
    .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width'))));
  expect(widths.every((w) => w >= 1)).toBe(true);
  await expect(chart.locator('desc')).toContainText('small-1x16 tfjs-wasm');

  // Each peer's backend as TF.js ran it, issue 17's targets, and the curve of tasks/s against the meta-batch.
  await expect(page.locator('#bench-peer-config')).toContainText(
    /tfjs-wasm as run: TF\.js 4\.22\.0, backend wasm, simd true, multithreadSupport true, threads \d+/,
  );
  await expect(page.locator('#bench-targets summary')).toContainText(/\d+ of 4 measured met/);
  await expect(page.locator('#bench-targets li')).toHaveCount(6);
  const curve = page.locator('#bench-scaling');
  await expect(curve).toHaveAttribute('data-points', '4');
  await expect(curve).toHaveAttribute('aria-label', /blackbox 2: [\d.]+; blackbox 8: [\d.]+; maml 2: /);
  await expect(curve.locator('canvas')).toHaveCount(1);
  await expect(curve.locator('.u-legend')).toContainText('MAML, exact second order');

  await page.screenshot({ path: testInfo.outputPath('bench.png'), fullPage: true });
  await page.setViewportSize({ width: 420, height: 900 });
  // The table scrolls inside its box and the chart follows the width: nothing sticks out sideways.
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  await page.screenshot({ path: testInfo.outputPath('bench-narrow.png'), fullPage: true });
  expect(
    app.requests.some((u) => u.endsWith('/bench.html')),
    'the peers frame loaded',
  ).toBe(true);
  expect(foreign(app), 'requests to other origins').toEqual([]);
  expect(app.violations, 'CSP violations in the page or the frame').toEqual([]);
  await expect(page.locator('#status')).toContainText('Bench done');
});

test('page bench: Stop ends the run at the next measurement', async ({ app }) => {
  const { page } = app;
  await page.getByRole('tab', { name: 'Bench' }).click();
  await page.locator('#bench-preset').selectOption('small');
  await page.locator('#bench-throughput').fill('0');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('#view-bench')).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
  await expect(page.locator('#status')).toHaveText('Bench stopped.');
  await expect(page.locator('#bench-table')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Run' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();
});
