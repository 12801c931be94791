/**
 * The web page with data and the other task families, on the built index.html: an Omniglot zip picked through
 * the file input (decoded in a Web Worker, with no request leaving the page), refused files with their
 * reason, a few omniglot and forecast training steps, and each task's Adapt view. Any console error fails it
 * (page_fixture.ts); each view's screenshot is kept in the test's output folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { zipSync } from 'fflate';
import { loadOmniglotFile } from '../src/data/omniglot_file';
import { expect, foreign, test } from './page_fixture';

// Shared data, loaded by path and never copied into the repository.
const SMALL1 = join(import.meta.dirname, '../../shared/data/omniglot/images_background_small1.zip');

async function setParams(page: Page, params: Record<string, number>) {
  for (const [k, v] of Object.entries(params)) await page.locator(`#p-${k}`).fill(String(v));
}

async function trainToEnd(page: Page, timeout: number) {
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.locator('#view-train')).toHaveAttribute('data-mode', 'finished', { timeout });
  await expect(page.locator('#status')).not.toHaveClass(/error/);
}

test('page data: Omniglot zip through the file input, bad zips refused, train, adapt with images', async ({
  app,
}, testInfo) => {
  const page = app.page;
  test.skip(!existsSync(SMALL1), `${SMALL1} is missing: the shared Omniglot data is not on this machine`);
  test.setTimeout(180_000);
  const shot = (name: string) =>
    page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });

  const data = page.locator('#data');
  await expect(data, 'no Data section for sinusoid').toBeHidden();
  await page.locator('#p-task').selectOption('omniglot');
  await expect(data).toBeVisible();
  await expect(page.locator('#p-ways')).toBeVisible();
  await expect(page.getByLabel('Learner')).toHaveValue('blackbox');
  const file = page.getByLabel('Omniglot zip');
  const summary = page.locator('#data-summary');

  // Refused files say why, as an alert, and nothing is loaded.
  await file.setInputFiles({
    name: 'notes.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from('not a zip'),
  });
  await expect(summary).toContainText('Could not load notes.zip: not a readable zip file');
  await expect(summary).toHaveAttribute('role', 'alert');
  // The drop zone takes a dropped file the same way.
  const dropped = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    d.items.add(new File(['not a zip either'], 'dropped.zip', { type: 'application/zip' }));
    return d;
  });
  await page.locator('#data-drop').dispatchEvent('drop', { dataTransfer: dropped });
  await expect(summary).toContainText('Could not load dropped.zip: not a readable zip file');
  const runs = zipSync({ 'run01/training/class01.png': new Uint8Array(30) });
  await file.setInputFiles({ name: 'runs.zip', mimeType: 'application/zip', buffer: Buffer.from(runs) });
  await expect(summary).toContainText('runs.zip: wrong layout');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.locator('#status')).toContainText('task omniglot needs the Omniglot images');
  await shot('data-error');

  // The worker's summary matches what the CLI's loader reads from the same file in Node.
  const ds = loadOmniglotFile(SMALL1);
  const t0 = Date.now();
  const before = app.requests.length;
  await file.setInputFiles(SMALL1);
  await expect(summary).toContainText(
    `${ds.alphabets.length} alphabets (${ds.alphabets.join(', ')}), ${ds.characters.length} characters, ` +
      `${ds.imageCount.toLocaleString('en')} images at 28×28`,
    { timeout: 60_000 },
  );
  testInfo.annotations.push({ type: 'decode', description: `${Date.now() - t0} ms in the page` });
  await expect(summary).not.toHaveAttribute('role', 'alert');
  await expect(page.locator('#data-progress')).toBeHidden();
  // Read locally, never sent: loading fetched the decoder's worker script and nothing else.
  const during = app.requests.slice(before).map((u) => new URL(u).pathname);
  expect(
    during.every((p) => /\/assets\/omniglot_worker-[\w-]+\.js$/.test(p)),
    during.join(', '),
  ).toBe(true);
  expect(foreign(app)).toEqual([]);

  // Omniglot's own settings show with the CLI's defaults; 2 pretraining steps, then meta-training.
  await expect(page.locator('#p-pretrainSteps')).toHaveValue('4000');
  await expect(page.locator('#p-shift')).toHaveValue('2');
  await expect(page.locator('#p-labels')).toHaveValue('paired');
  await expect(page.locator('#p-encoder')).toHaveValue('conv');
  await expect(page.locator('#p-lrDecay')).toHaveValue('cosine');
  await page.locator('#p-encoder').selectOption('mlp');
  const o = { ways: 5, shots: 1, queries: 1, metaBatch: 2, steps: 6, layers: 1, hidden: 16 };
  // As the CLI does, the page refuses a run that would pretrain the encoder for every one of its steps.
  await setParams(page, { steps: 6 });
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.locator('#status')).toContainText(
    '"Pretraining steps" 4000 is not below "Steps" 6: every step would pretrain the encoder',
  );
  await setParams(page, { ...o, logEvery: 2, evalEvery: 6, evalTasks: 2, pretrainSteps: 2 });
  await trainToEnd(page, 120_000);
  await expect(page.locator('#train-readout')).toContainText('validation accuracy');
  await expect(page.locator('#train-readout')).not.toContainText('pretraining');
  expect(Number(await page.locator('#train-plot').getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
  await shot('train-omniglot');

  await page.getByRole('tab', { name: 'Adapt' }).click();
  await page.getByRole('button', { name: 'New task' }).click();
  await expect(page.locator('#view-adapt')).toHaveAttribute('data-adapted', '1', { timeout: 30_000 });
  const support = page.locator('#adapt-support figure');
  const queries = page.locator('#adapt-queries figure');
  await expect(support).toHaveCount(o.ways * o.shots);
  await expect(queries).toHaveCount(o.ways * o.queries);
  for (let l = 0; l < o.ways; l++) await expect(support.nth(l)).toContainText(`label ${l}`);
  const captions = await queries.locator('figcaption').allTextContents();
  const right = captions.filter((c) => /^predicted (\d)true \1✓ right$/.test(c)).length;
  const wrong = captions.filter((c) => /^predicted (\d)true (?!\1)\d✗ wrong$/.test(c)).length;
  expect(right + wrong, `every query says predicted, true and right/wrong: ${captions.join(' | ')}`).toBe(
    captions.length,
  );
  await expect(page.locator('#adapt-readout')).toContainText(`${right} of ${o.ways} queries right`);
  // Held-out alphabet only (small1 holds out its last alphabet), drawn as real images (ink on white).
  const held = ds.alphabets[ds.alphabets.length - 1];
  for (const t of await support.evaluateAll((els) => els.map((e) => e.getAttribute('title'))))
    expect(t).toMatch(new RegExp(`^${held}/character\\d+$`));
  const ink = await page
    .locator('#adapt-queries canvas')
    .first()
    .evaluate(
      (c: HTMLCanvasElement) =>
        Array.from(c.getContext('2d')!.getImageData(0, 0, 28, 28).data).filter(
          (v, i) => i % 4 === 0 && v < 128,
        ).length,
    );
  expect(ink, 'dark (ink) pixels in a query image').toBeGreaterThan(10);
  expect(ink).toBeLessThan(28 * 28 * 0.6);
  await shot('adapt-omniglot');
  // Narrow screens: the image grids wrap and the Data section fits; nothing sticks out sideways.
  await page.setViewportSize({ width: 420, height: 900 });
  for (const tab of ['Adapt', 'Train']) {
    await page.getByRole('tab', { name: tab }).click();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: tab })
      .toBeLessThanOrEqual(420);
    await shot(`${tab.toLowerCase()}-omniglot-narrow`);
  }
});

test('page data: forecast trains a few steps and its Adapt view plots context, truth and forecast', async ({
  app,
}, testInfo) => {
  const page = app.page;
  test.setTimeout(120_000);
  const shot = (name: string) =>
    page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  await page.locator('#p-task').selectOption('forecast');
  await expect(page.locator('#data')).toBeHidden();
  await expect(page.locator('#p-ways')).toBeHidden();
  await expect(page.locator('#p-shift')).toBeHidden();
  await expect(page.locator('#p-shots'), 'the pair defaults are shown').toHaveValue('16');
  await expect(page.locator('#p-lrDecay')).toHaveValue('none');
  await setParams(page, { metaBatch: 4, steps: 20, hidden: 16, logEvery: 5, evalEvery: 10, evalTasks: 4 });
  await trainToEnd(page, 90_000);
  await expect(page.locator('#train-readout')).toContainText('validation MSE');
  await shot('train-forecast');

  await page.getByRole('tab', { name: 'Adapt' }).click();
  await expect(page.locator('#adapt-intro')).toContainText('continue it over the horizon');
  await page.getByRole('button', { name: 'New task' }).click();
  await expect(page.locator('#view-adapt')).toHaveAttribute('data-adapted', '1', { timeout: 30_000 });
  await expect(page.locator('#adapt-forecast')).toHaveAttribute('data-points', '4');
  await expect(page.locator('#adapt-plot'), 'no sinusoid plot').toBeHidden();
  await expect(page.locator('#adapt-forecast .u-legend')).toContainText('context');
  await expect(page.locator('#adapt-forecast .u-legend')).toContainText('forecast');
  await expect(page.locator('#adapt-readout')).toContainText(
    /Series 1: (damped oscillator|AR\(2\) process).*16 context steps, 4-step horizon · forecast MSE \d/,
  );
  await shot('adapt-forecast');
});

test('page: the learned optimizer trains, and Adapt plots its loss curve against SGD, RMSprop and Adam', async ({
  app,
}, testInfo) => {
  const page = app.page;
  test.setTimeout(300_000);
  await page.getByLabel('Learner').selectOption('lopt');
  await setParams(page, { metaBatch: 2, steps: 6, hidden: 4, logEvery: 2, evalEvery: 6, evalTasks: 2 });
  await trainToEnd(page, 120_000);
  await page.getByRole('tab', { name: 'Adapt' }).click();
  await expect(page.locator('#adapt-intro')).toContainText('learned optimizer');
  await page.getByRole('button', { name: 'New task' }).click();
  await expect(page.locator('#view-adapt')).toHaveAttribute('data-adapted', '1', { timeout: 240_000 });
  await expect(page.locator('#adapt-lopt'), 'curves for steps 0..100').toHaveAttribute('data-points', '101');
  await expect(page.locator('#adapt-plot'), 'no sinusoid plot').toBeHidden();
  for (const name of ['learned (GRU)', 'adam, lr', 'rmsprop, lr', 'sgd, lr'])
    await expect(page.locator('#adapt-lopt .u-legend')).toContainText(name);
  await expect(page.locator('#adapt-readout')).toContainText(
    /Tasks 1–4: mean loss after 100 inner steps · learned [\d.e+-]+, Adam [\d.e+-]+, RMSprop [\d.e+-]+, SGD [\d.e+-]+/,
  );
  await page.screenshot({ path: testInfo.outputPath('adapt-lopt.png'), fullPage: true });
});
