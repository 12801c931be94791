/** Test data in the layout of Lake et al.'s all_runs.zip, built from the shared small1 zip (never copied). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';

export const SMALL1 = join(import.meta.dirname, '../../shared/data/omniglot/images_background_small1.zip');

/** A runs zip in all_runs.zip's layout from small1's PNGs: each run is 20 characters of one alphabet. */
export function runsFixture(sameImages: boolean) {
  const raw = unzipSync(readFileSync(SMALL1), { filter: (f) => f.name.endsWith('.png') });
  const byChar = new Map<string, string[]>();
  for (const p of Object.keys(raw).sort()) {
    const key = p.split('/').slice(0, -1).join('/');
    byChar.set(key, [...(byChar.get(key) ?? []), p]);
  }
  const files: Record<string, Uint8Array> = {};
  const answers: number[][] = [];
  ['Korean', 'Balinese'].forEach((alphabet, r) => {
    const run = `run${String(r + 1).padStart(2, '0')}`;
    const chars = [...byChar.keys()].filter((k) => k.includes(`/${alphabet}/`)).slice(0, 20);
    const order = [...Array(20).keys()].map((i) => (i * 7 + 3) % 20); // test items in another order
    const lines: string[] = [];
    chars.forEach(
      (c, k) =>
        (files[`${run}/training/class${String(k + 1).padStart(2, '0')}.png`] = raw[byChar.get(c)![0]]),
    );
    order.forEach((k, m) => {
      const item = `${run}/test/item${String(m + 1).padStart(2, '0')}.png`;
      files[item] = raw[byChar.get(chars[k])![sameImages ? 0 : 1]];
      lines.push(`${item} ${run}/training/class${String(k + 1).padStart(2, '0')}.png`);
    });
    answers.push(order);
    files[`${run}/class_labels.txt`] = new TextEncoder().encode(lines.join('\n') + '\n');
  });
  return { zip: zipSync(files), answers, files };
}
