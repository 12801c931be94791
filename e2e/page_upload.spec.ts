/**
 * The Adapt view's "Upload your own data", as `metarnn predict` from files: the shipped Omniglot model reads
 * a zip of class folders and classifies query PNGs (and refuses more classes than its ways, in the CLI's
 * words); a sinusoid learner trained in the page reads support and query CSVs, and the CSV it downloads is
 * the table shown. Nothing is sent anywhere: every request stays on the page's origin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { expect, foreign, test } from './page_fixture';

const SMALL2 = join(import.meta.dirname, '../../shared/data/omniglot/images_background_small2.zip');
const SANSKRIT = 'images_background_small2/Sanskrit/';

/** The cells of the results table, row by row. */
const tableRows = (page: Page) =>
  page
    .locator('#upload-table tbody tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!)));

/** Sanskrit character k's drawings (sorted file names) from the shared zip, as PNG bytes. */
function sanskrit(): Uint8Array[][] {
  const files = unzipSync(readFileSync(SMALL2), {
    filter: (f) => f.name.startsWith(SANSKRIT) && f.name.endsWith('.png'),
  });
  const byChar = new Map<string, [string, Uint8Array][]>();
  for (const [name, bytes] of Object.entries(files)) {
    const char = name.slice(SANSKRIT.length).split('/')[0];
    byChar.set(char, [...(byChar.get(char) ?? []), [name, bytes]]);
  }
  return [...byChar.keys()].sort().map((c) =>
    byChar
      .get(c)!
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, b]) => b),
  );
}

/** A support zip of `<class>/<image>.png`, one drawing (the first) of each of `chars`. */
function supportZip(chars: Uint8Array[][]): Buffer {
  const tree: Zippable = {};
  chars.forEach((drawings, k) => (tree[`sanskrit${k + 1}`] = { 'example.png': drawings[0] }));
  return Buffer.from(zipSync(tree));
}

test('page upload: a zip of class folders and query images with the shipped model', async ({
  app,
}, testInfo) => {
  test.skip(!existsSync(SMALL2), `needs ${SMALL2} (the shared Omniglot data)`);
  test.setTimeout(90_000);
  const { page } = app;
  const chars = sanskrit();
  await page.getByRole('tab', { name: 'Adapt' }).click();
  await expect(page.locator('#upload-takes')).toContainText('Takes a sinusoid regressor');
  await page.getByRole('button', { name: 'Use the shipped model' }).click();
  await expect(page.locator('#status')).toContainText('Loaded the shipped model', { timeout: 30_000 });
  await expect(page.locator('#upload-takes')).toContainText('5-way classifier');

  // Two other drawings of each of three characters as queries, named so that the class does not show.
  const truth: string[] = [];
  const queries = chars.slice(0, 3).flatMap((drawings, k) =>
    [1, 2].map((j) => {
      truth.push(`sanskrit${k + 1}`);
      return { name: `q${truth.length}.png`, mimeType: 'image/png', buffer: Buffer.from(drawings[j]) };
    }),
  );
  await page.locator('#upload-zip').setInputFiles({
    name: 'support.zip',
    mimeType: 'application/zip',
    buffer: supportZip(chars.slice(0, 3)),
  });
  await page.locator('#upload-images').setInputFiles(queries);
  await page.getByRole('button', { name: 'Predict' }).click();
  await expect(page.locator('#upload-table tbody tr')).toHaveCount(6, { timeout: 20_000 });
  await expect(page.locator('#upload-readout')).toContainText('3 classes (sanskrit1, sanskrit2, sanskrit3)');
  const rows = await tableRows(page);
  expect(rows.map((r) => r[0])).toEqual(queries.map((q) => q.name));
  for (const r of rows) expect(['sanskrit1', 'sanskrit2', 'sanskrit3']).toContain(r[1]);
  const right = rows.filter((r, i) => r[1] === truth[i]).length;
  expect(right, `right: ${right} of 6 (${rows.map((r) => r[1]).join(', ')})`).toBeGreaterThanOrEqual(4);
  await page.screenshot({ path: testInfo.outputPath('upload-images.png'), fullPage: true });

  // Six classes for a 5-way model: refused as the CLI refuses it, and the old results cleared.
  await page.locator('#upload-zip').setInputFiles({
    name: 'six.zip',
    mimeType: 'application/zip',
    buffer: supportZip(chars.slice(0, 6)),
  });
  await page.getByRole('button', { name: 'Predict' }).click();
  const refusal =
    'six.zip has 6 classes (sanskrit1, sanskrit2, sanskrit3, sanskrit4, sanskrit5, sanskrit6) but this ' +
    'model is 5-way: give at most 5 class folders';
  await expect(page.locator('#upload-readout')).toHaveText(refusal);
  await expect(page.locator('#status')).toHaveText(refusal);
  await expect(page.locator('#upload-table tbody tr')).toHaveCount(0);
  expect(foreign(app)).toEqual([]);
});

test('page upload: support and query CSVs with a sinusoid learner, and the CSV download', async ({
  app,
}, testInfo) => {
  test.setTimeout(90_000);
  const { page } = app;
  await page.getByRole('tab', { name: 'Train' }).click();
  const tiny = { shots: 5, queries: 5, metaBatch: 4, steps: 20, layers: 1, hidden: 8, logEvery: 5 };
  for (const [k, v] of Object.entries({ ...tiny, evalEvery: 20, evalTasks: 4 }))
    await page.locator(`#p-${k}`).fill(String(v));
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.locator('#view-train')).toHaveAttribute('data-mode', 'finished', { timeout: 30_000 });

  await page.getByRole('tab', { name: 'Adapt' }).click();
  await expect(page.locator('#upload-takes')).toContainText('header x,y');
  const xs = [-4, -2.5, -1, 0, 0.5, 1.5, 3, 4.5];
  const csv = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  await page
    .locator('#upload-support')
    .setInputFiles(csv('support.csv', 'x,y\n-3,0.4\n-1,-2\n0,-1.5\n2,1.7\n4,2.2\n'));
  await page
    .locator('#upload-query')
    .setInputFiles(csv('query.csv', `x,y\n${xs.map((x) => `${x},${Math.sin(x)}`).join('\n')}\n`));
  await page.getByRole('button', { name: 'Predict' }).click();
  await expect(page.locator('#upload-table tbody tr')).toHaveCount(xs.length, { timeout: 20_000 });
  await expect(page.locator('#upload-readout')).toContainText(/MSE \d/);
  const rows = await tableRows(page);
  expect(rows.map((r) => Number(r[0]))).toEqual(xs);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#upload-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('predictions.csv');
  const lines = readFileSync((await download.path())!, 'utf8')
    .trimEnd()
    .split('\n');
  expect(lines[0]).toBe('x,y_pred');
  const got = lines.slice(1).map((l) => l.split(',').map(Number));
  expect(got.map(([x]) => x)).toEqual(xs);
  got.forEach(([, y], i) => expect(Number(rows[i][1])).toBeCloseTo(y, 2)); // the table: 4 significant digits
  await page.screenshot({ path: testInfo.outputPath('upload-csv.png'), fullPage: true });

  // No header line: the CLI's message, in the panel and the status line.
  await page.locator('#upload-support').setInputFiles(csv('nohead.csv', '-3,0.4\n-1,-2\n'));
  await page.getByRole('button', { name: 'Predict' }).click();
  const error = 'nohead.csv: no column "x" (header: -3,0.4); the first line must be a header such as x,y';
  await expect(page.locator('#upload-readout')).toHaveText(error);
  await expect(page.locator('#upload-readout')).toHaveClass(/error/);
  await expect(page.locator('#status')).toHaveText(error);
  await expect(page.locator('#upload-download')).toBeHidden();
  expect(foreign(app)).toEqual([]);
});

test('page upload: a series with a forecaster, and a file of two series refused', async ({ app }) => {
  test.setTimeout(90_000);
  const { page } = app;
  await page.getByRole('tab', { name: 'Train' }).click();
  await page.locator('#p-task').selectOption('forecast');
  for (const [k, v] of Object.entries({
    metaBatch: 4,
    steps: 10,
    hidden: 8,
    logEvery: 5,
    evalEvery: 10,
    evalTasks: 4,
  }))
    await page.locator(`#p-${k}`).fill(String(v));
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.locator('#view-train')).toHaveAttribute('data-mode', 'finished', { timeout: 30_000 });

  await page.getByRole('tab', { name: 'Adapt' }).click();
  await expect(page.locator('#upload-takes')).toContainText('forecasts the next 4 values');
  const values = Array.from({ length: 20 }, (_, t) => Math.sin(t / 2).toFixed(3));
  const file = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  await page.locator('#upload-series').setInputFiles(file('wave.csv', `value\n${values.join('\n')}\n`));
  await page.getByRole('button', { name: 'Predict' }).click();
  await expect(page.locator('#upload-table tbody tr')).toHaveCount(4, { timeout: 20_000 });
  await expect(page.locator('#upload-readout')).toContainText('of “wave”');
  expect((await tableRows(page)).map((r) => r[0])).toEqual(['1', '2', '3', '4']);

  const two = values.map((v) => `${v},${v}`).join('\n');
  await page.locator('#upload-series').setInputFiles(file('two.csv', `a,b\n${two}\n`));
  await page.getByRole('button', { name: 'Predict' }).click();
  await expect(page.locator('#upload-readout')).toHaveText(
    'two.csv holds 2 series (a, b): give one (a value column, or time,value)',
  );
  // The CLI's --value and --horizon: one column of the two, two steps ahead; past the trained horizon refused.
  await page.locator('#upload-value').fill('b');
  await page.locator('#upload-horizon').fill('2');
  await page.getByRole('button', { name: 'Predict' }).click();
  await expect(page.locator('#upload-table tbody tr')).toHaveCount(2, { timeout: 20_000 });
  await page.locator('#upload-horizon').fill('9');
  await page.getByRole('button', { name: 'Predict' }).click();
  await expect(page.locator('#upload-readout')).toContainText(
    'horizon 9: this model forecasts 1 to 4 steps ahead',
  );
  expect(foreign(app)).toEqual([]);
});
