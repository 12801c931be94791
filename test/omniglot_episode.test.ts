import { expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { splitOmniglot } from '../src/data/omniglot_split';
import type { OmniglotDataset } from '../src/data/omniglot';
import { loadOmniglotFile } from '../src/data/omniglot_file';
import { heldOutEpisode } from '../src/meta/omniglot_episode';
import { InputError } from '../src/runtime/errors';

const SMALL1 = join(import.meta.dirname, '../../shared/data/omniglot/images_background_small1.zip');

/**
 * A dataset in memory: alphabets A0..A4 × 4 characters × 20 drawings; image k has pixel 0 = k + 1 and pixel
 * 1 = its character's index, so every copied-out image says where it came from.
 */
function dataset(size = 4): OmniglotDataset {
  const alphabets = ['A0', 'A1', 'A2', 'A3', 'A4'];
  const characters = alphabets.flatMap((alphabet, a) =>
    Array.from({ length: 4 }, (_, c) => ({
      alphabet,
      name: `character0${c + 1}`,
      start: (a * 4 + c) * 20,
      count: 20,
    })),
  );
  const imageCount = characters.length * 20;
  const images = new Float32Array(imageCount * size * size);
  characters.forEach((c, ci) => {
    for (let d = 0; d < c.count; d++) {
      images[(c.start + d) * size * size] = c.start + d + 1;
      images[(c.start + d) * size * size + 1] = ci;
    }
  });
  return { size, images, imageCount, drawers: new Uint16Array(imageCount), alphabets, characters };
}

test('held-out episode: held-out characters only, labels balanced, queries match their support class', () => {
  const ds = dataset();
  const split = splitOmniglot(ds); // holds out A4: characters 16..19
  const shape = { ways: 3, shots: 2, queries: 2 };
  const ep = heldOutEpisode(ds, split, shape, 7, 0);
  expect(ep.support).toHaveLength(6);
  expect(ep.queries).toHaveLength(6);
  const count = (xs: { label: number }[], l: number) => xs.filter((x) => x.label === l).length;
  const charOf = new Map<number, number>();
  const seen = new Set<number>();
  for (const s of [...ep.support, ...ep.queries]) {
    const ch = s.image[1];
    expect(ch, 'a held-out character').toBeGreaterThanOrEqual(16);
    expect(s.character).toBe(`A4/${ds.characters[ch].name}`);
    // The image is a drawing of that character, copied whole.
    const img = s.image[0] - 1;
    expect(img).toBeGreaterThanOrEqual(ds.characters[ch].start);
    expect(img).toBeLessThan(ds.characters[ch].start + 20);
    expect(seen.has(img), 'each drawing once per episode').toBe(false);
    seen.add(img);
    if (!charOf.has(s.label)) charOf.set(s.label, ch);
    expect(charOf.get(s.label), 'one character per label').toBe(ch);
  }
  for (let l = 0; l < 3; l++) {
    expect(count(ep.support, l)).toBe(2);
    expect(count(ep.queries, l)).toBe(2);
  }
  expect(new Set(charOf.values()).size, 'distinct characters per label').toBe(3);
});

test('held-out episode: same (seed, index) → same episode; other index or seed → another', () => {
  const ds = dataset();
  const split = splitOmniglot(ds);
  const shape = { ways: 3, shots: 1, queries: 1 };
  const key = (seed: number, i: number) =>
    JSON.stringify(heldOutEpisode(ds, split, shape, seed, i).support.map((s) => [s.image[0], s.label]));
  expect(key(1, 3)).toBe(key(1, 3));
  const others = new Set([key(1, 3), key(1, 4), key(1, 5), key(2, 3)]);
  expect(others.size, 'different draws').toBeGreaterThan(1);
});

test('held-out episode: too many ways or a bad index is an InputError naming the value', () => {
  const ds = dataset();
  const split = splitOmniglot(ds);
  expect(() => heldOutEpisode(ds, split, { ways: 5, shots: 1, queries: 1 }, 1, 0)).toThrow(
    /5-way episodes need 5 test classes, but there are 4/,
  );
  expect(() => heldOutEpisode(ds, split, { ways: 2, shots: 1, queries: 1 }, 1, -1)).toThrow(InputError);
});

test('loadOmniglot reports progress up to the image count (images_background_small1.zip)', () => {
  test.skip(!existsSync(SMALL1), `${SMALL1} is missing (shared data)`);
  const calls: [number, number][] = [];
  const ds = loadOmniglotFile(SMALL1, { onProgress: (done, total) => calls.push([done, total]) });
  expect(calls[0]).toEqual([0, ds.imageCount]);
  expect(calls[calls.length - 1]).toEqual([ds.imageCount, ds.imageCount]);
  for (let i = 1; i < calls.length; i++) expect(calls[i][0]).toBeGreaterThan(calls[i - 1][0]);
  const ep = heldOutEpisode(ds, splitOmniglot(ds), { ways: 5, shots: 1, queries: 1 }, 1, 0);
  expect(ep.support.every((s) => s.character.startsWith(`${ds.alphabets[ds.alphabets.length - 1]}/`))).toBe(
    true,
  );
});
