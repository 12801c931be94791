/** The shared Omniglot zip the GPU tests read (never copied into the repository), and loading it into the page. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

export const SMALL1 = join(import.meta.dirname, '../../shared/data/omniglot/images_background_small1.zip');
export const haveSmall1 = existsSync(SMALL1);

/** Loads small1 into the page once per browser (harness.taskData keeps it). */
export async function loadSmall1(page: Page) {
  const loaded = await page.evaluate(() => Boolean(window.harness.taskData.omniglot));
  if (!loaded) {
    await page.evaluate(
      ([b64, name]) => window.harness.omniglotLoad([b64], [name]),
      [readFileSync(SMALL1).toString('base64'), SMALL1],
    );
  }
}
