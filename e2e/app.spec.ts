/**
 * The web page end to end, on the built index.html: train a tiny learner with a live plot, pause and resume,
 * save to OPFS, reload, load, adapt, export the run files and import them back. Any console error fails it.
 * A screenshot of each view goes to the test's output folder.
 */
import { chromium } from 'playwright-core';
import type { Page } from '@playwright/test';
import { findBrowser } from '../src/cli/browser';
import { serveStatic } from '../src/cli/server';
import { expect, test } from './page_fixture';

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

const points = (page: Page) => page.locator('#train-plot').getAttribute('data-points').then(Number);
const mode = (page: Page) => page.locator('#view-train').getAttribute('data-mode');

test('page: train, pause/resume, save, reload, load, adapt, export, import', async ({
  app: { page },
}, testInfo) => {
  test.setTimeout(150_000); // ~25 s alone; the software adapter slows down a lot on a busy machine
  const shot = (name: string) =>
    page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 }); // the size the page must read well at

  await page.getByRole('tab', { name: 'Device' }).click();
  await expect(page.locator('#view-device dl')).toBeVisible();
  await shot('device');

  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByLabel('Learner')).toHaveValue('blackbox');
  for (const [k, v] of Object.entries(TINY)) await page.locator(`#p-${k}`).fill(String(v));
  await page.getByRole('button', { name: 'Start' }).click();
  await expect.poll(() => points(page), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect.poll(() => mode(page)).toBe('paused');
  const paused = await points(page);
  await page.waitForTimeout(500);
  expect(await points(page), 'no progress while paused').toBe(paused);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => points(page), { timeout: 20_000 }).toBeGreaterThan(paused + 2);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(() => mode(page)).toBe('stopped');
  await expect(page.locator('#train-readout')).toContainText('validation MSE');
  await shot('train');
  await page.setViewportSize({ width: 420, height: 800 });
  // The plot follows its container (ResizeObserver): nothing may stick out sideways.
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  await shot('train-narrow');
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await page.getByLabel('Name').fill('e2e');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('#ckpt-list')).toContainText('e2e');
  const saved = await page.locator('#ckpt-current').textContent();

  await page.reload();
  await page.waitForFunction(() => window.metarnnPage?.webgpu === true);
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await page.getByRole('button', { name: 'Load e2e' }).click();
  await expect(page.locator('#ckpt-current')).toHaveText(saved!, { timeout: 20_000 });
  // A learner loaded into a fresh page has no figures yet: dashes, never "NaN".
  await expect(page.locator('#train-readout')).toContainText('loss — · validation MSE — · — steps/s');
  await expect(page.locator('#train-readout')).not.toContainText('NaN');
  await shot('checkpoints');

  await page.getByRole('tab', { name: 'Adapt' }).click();
  await page.getByRole('button', { name: 'New task' }).click();
  await expect(page.locator('#view-adapt')).toHaveAttribute('data-adapted', '1', { timeout: 20_000 });
  await expect(page.locator('#adapt-readout')).toContainText('MSE before');
  await shot('adapt');
  // Click to fit: each click on the plot is a point of the user's own task; the adapted curve follows.
  const over = page.locator('#adapt-plot .u-over');
  const box = (await over.boundingBox())!;
  for (const [fx, fy] of [
    [0.2, 0.3],
    [0.5, 0.7],
    [0.8, 0.4],
  ]) {
    const n = Number((await page.locator('#adapt-plot').getAttribute('data-clicks')) ?? 0);
    await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
    await expect(page.locator('#adapt-plot')).toHaveAttribute('data-clicks', String(n + 1));
  }
  await expect(page.locator('#adapt-readout')).toContainText('Your task: 3 points clicked');
  await shot('adapt-clicks');

  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  const files: string[] = [];
  for (const id of ['#export-checkpoint', '#export-config']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(id).click()]);
    const path = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(path);
    files.push(path);
  }
  expect(files.map((f) => f.split('/').pop())).toEqual(['checkpoint.safetensors', 'config.json']);
  // The form shows the imported run's settings, a choice its config lacks (lrDecay) as its first option.
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.locator('#p-lrDecay').selectOption('cosine');
  await page.getByRole('tab', { name: 'Checkpoints' }).click();
  await page.locator('#ckpt-import').setInputFiles(files);
  await expect(page.locator('#ckpt-list')).toContainText('imported checkpoint.safetensors');
  await expect(page.locator('#ckpt-current')).toHaveText(saved!);
  await expect(page.locator('#status')).not.toHaveClass(/error/);
  await shot('checkpoints-imported');
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.locator('#p-lrDecay')).toHaveValue('none');
});

test('page: without WebGPU it says which browsers and flags instead of a blank page', async ({}, testInfo) => {
  const found = await findBrowser();
  const server = await serveStatic();
  // No --enable-unsafe-webgpu: headless Chromium on Linux then offers no adapter.
  const browser = await chromium.launch({ executablePath: found.path, headless: true, args: [] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => window.metarnnPage !== undefined, null, { timeout: 20_000 });
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Chrome or Edge 113');
    await expect(alert).toContainText('--enable-unsafe-webgpu');
    await expect(alert).toContainText('chrome://flags');
    await page.screenshot({ path: testInfo.outputPath('no-webgpu.png') });
  } finally {
    await browser.close();
    await server.close();
  }
});
