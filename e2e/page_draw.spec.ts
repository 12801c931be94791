/**
 * The page's "Draw your own classes", with the mouse: the shipped Omniglot model loads with one click and no
 * data picked; three classes of the user's own strokes, then queries drawn like each class are told apart,
 * with the probabilities shown. The drawings go through the same preprocessing as `metarnn predict`.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './page_fixture';

type Stroke = [number, number][]; // points in [0, 1]² of the pad

const SHAPES: Record<string, Stroke[]> = {
  bar: [
    [
      [0.2, 0.5],
      [0.8, 0.5],
    ],
  ],
  ring: [
    Array.from({ length: 25 }, (_, i) => [0.5 + 0.3 * Math.cos(i / 3.8), 0.5 + 0.3 * Math.sin(i / 3.8)]),
  ],
  cross: [
    [
      [0.25, 0.25],
      [0.75, 0.75],
    ],
    [
      [0.75, 0.25],
      [0.25, 0.75],
    ],
  ],
};

/** Draws `strokes` on the canvas `id`, moved by (dx, dy) of the pad and scaled by `s` about its centre. */
async function draw(page: Page, id: string, strokes: Stroke[], dx = 0, dy = 0, s = 1) {
  const box = (await page.locator(id).boundingBox())!;
  const at = ([x, y]: [number, number]) =>
    [
      box.x + box.width * (0.5 + s * (x - 0.5) + dx),
      box.y + box.height * (0.5 + s * (y - 0.5) + dy),
    ] as const;
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
    await page.mouse.up();
  }
}

test('page: draw your own classes with the shipped model, queries told apart', async ({
  app: { page },
}, testInfo) => {
  test.setTimeout(120_000);
  await page.getByRole('tab', { name: 'Adapt' }).click();
  await page.getByRole('button', { name: 'Use the shipped model' }).click();
  await expect(page.locator('#status')).toContainText('Loaded the shipped model', { timeout: 30_000 });
  await expect(page.locator('#draw-shipped')).toBeHidden(); // with its paragraph
  await expect(page.locator('#adapt-readout')).toContainText('loaded without its Omniglot images');
  await expect(page.locator('#draw-add button')).toHaveCount(5); // a 5-way model: five classes on offer

  const names = Object.keys(SHAPES);
  for (const [k, name] of names.entries()) {
    await draw(page, '#draw-pad', SHAPES[name]);
    await page.getByRole('button', { name: `Add to class ${k + 1}` }).click();
  }
  await expect(page.locator('#draw-classes')).toHaveAttribute('data-examples', '3');
  await expect(page.locator('#draw-class-list figure[data-class="1"] canvas')).toHaveCount(1);

  // Each query: the class's shape, moved and resized a little, as a second drawing of it would be.
  for (const [k, name] of names.entries()) {
    await page.getByRole('button', { name: 'Clear query' }).click();
    await draw(page, '#draw-query', SHAPES[name], 0.05, -0.04, 0.85);
    await expect(page.locator('#draw-result')).toHaveAttribute('data-predicted', String(k + 1), {
      timeout: 20_000,
    });
    await expect(page.locator('#draw-verdict')).toContainText(`class ${k + 1}`);
  }
  // The probabilities of the three classes given, and only those, summing to one.
  const shown = await page
    .locator('.draw-bar meter')
    .evaluateAll((m) => m.map((e) => (e as HTMLMeterElement).value));
  expect(shown).toHaveLength(3);
  expect(shown.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  await page.screenshot({ path: testInfo.outputPath('draw.png'), fullPage: true });
});
