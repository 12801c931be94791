/**
 * Your own image classes as a few-shot data set (src/data/image_tree.ts, `train --task images`): the layouts
 * it takes, with and without groups and a top folder, PNG and JPEG mixed; Omniglot's own zip read as a tree
 * gives Omniglot's classes and images; wrong layouts are refused in one line naming the file.
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { indexImageTree, loadImageTree } from '../src/data/image_tree';
import { loadOmniglot } from '../src/data/omniglot';
import { splitOmniglot } from '../src/data/omniglot_split';
import { InputError } from '../src/runtime/errors';
import { cli, ROOT } from './cli_helper';

/** A w×h picture, paper white, with a dark bar at row fraction `at` (so each class looks different). */
function bar(w: number, h: number, at: number): Uint8Array {
  const gray = new Uint8Array(w * h).fill(255);
  const y0 = Math.floor(at * h);
  for (let y = y0; y < y0 + Math.max(2, h / 20); y++)
    for (let x = w / 5; x < (4 * w) / 5; x++) gray[y * w + x] = 0;
  return gray;
}
const png = (w: number, h: number, at: number) =>
  encodePng({ width: w, height: h, channels: 1, depth: 8, data: bar(w, h, at) });
function jpeg(w: number, h: number, at: number): Uint8Array {
  const g = bar(w, h, at);
  const rgba = new Uint8Array(w * h * 4);
  g.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
  return new Uint8Array(encodeJpeg({ width: w, height: h, data: rgba }, 90).data);
}

function zip(files: Record<string, Uint8Array>): Uint8Array {
  const z: Zippable = {};
  for (const [k, v] of Object.entries(files)) z[k] = [v, { level: 0 }];
  return zipSync(z);
}

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('not refused');
}

test('<class>/<image>: every class its own group; PNG and JPEG of any size; file order stands in for drawers', () => {
  const ds = loadImageTree(
    zip({
      'cat/1.png': png(60, 40, 0.2),
      'cat/2.jpg': jpeg(200, 200, 0.25),
      'dog/a.jpeg': jpeg(33, 77, 0.7),
      'dog/b.PNG': png(105, 105, 0.75),
      'dog/c.png': png(50, 50, 0.8),
    }),
    { name: 'mine.zip' },
  );
  expect(ds.alphabets).toEqual(['cat', 'dog']);
  expect(ds.characters).toEqual([
    { alphabet: 'cat', name: 'cat', start: 0, count: 2 },
    { alphabet: 'dog', name: 'dog', start: 2, count: 3 },
  ]);
  expect(ds.imageCount).toBe(5);
  expect(Array.from(ds.drawers)).toEqual([1, 2, 1, 2, 3]);
  // Ink where the bars are: near the top for cat, near the bottom for dog.
  const rowInk = (img: number, row: number) => {
    let s = 0;
    for (let x = 0; x < 28; x++) s += ds.images[img * 784 + row * 28 + x];
    return s;
  };
  const inkRows = (img: number) => Array.from({ length: 28 }, (_, r) => rowInk(img, r));
  const centre = (img: number) => {
    const r = inkRows(img);
    return r.reduce((a, v, i) => a + v * i, 0) / r.reduce((a, v) => a + v, 0);
  };
  expect(centre(0)).toBeLessThan(14);
  expect(centre(4)).toBeGreaterThan(14);
  expect(ds.images.every((v) => v >= 0 && v <= 1)).toBe(true);
});

test('<group>/<class>/<image> under one top folder: groups are the alphabets the split divides', () => {
  const files: Record<string, Uint8Array> = {};
  for (const g of ['g1', 'g2', 'g3'])
    for (const c of ['a', 'b'])
      for (let i = 0; i < 3; i++) files[`top/${g}/${c}/${i}.png`] = png(40, 40, 0.1 + 0.3 * i);
  const ds = loadImageTree(zip(files), { name: 'tree.zip' });
  expect(ds.alphabets).toEqual(['g1', 'g2', 'g3']);
  // What the CLI checks a split on before a browser starts: the same classes, from the listing alone.
  const { alphabets, characters, drawers, imageCount } = ds;
  expect(indexImageTree(zip(files), { name: 'tree.zip' })).toEqual({
    alphabets,
    characters,
    drawers,
    imageCount,
  });
  expect(ds.characters.map((c) => `${c.alphabet}/${c.name}`)).toEqual([
    'g1/a',
    'g1/b',
    'g2/a',
    'g2/b',
    'g3/a',
    'g3/b',
  ]);
  const split = splitOmniglot(ds, { heldOut: ['g3'], validation: ['g2'] });
  expect(split.test.map((i) => ds.characters[i].alphabet)).toEqual(['g3', 'g3']);
});

test('wrong layouts are refused in one line: mixed depths, images at the top, no images', () => {
  expect(
    refused(() =>
      loadImageTree(zip({ 'a/1.png': png(10, 10, 0.5), 'g/b/2.png': png(10, 10, 0.5) }), { name: 'm.zip' }),
    ),
  ).toContain('m.zip: wrong layout');
  expect(refused(() => loadImageTree(zip({ 'x.png': png(10, 10, 0.5) }), { name: 'flat.zip' }))).toContain(
    '<class>/<image>',
  );
  expect(refused(() => loadImageTree(zip({ 'a/readme.txt': strToU8('hi') }), { name: 'e.zip' }))).toContain(
    'e.zip: no PNG or JPEG images',
  );
  expect(
    refused(() =>
      loadImageTree(zip({ 'a/1.png': strToU8('not a png'), 'a/2.png': png(9, 9, 0.5) }), { name: 'bad.zip' }),
    ),
  ).toContain('a/1.png');
});

const SMALL2 = join(ROOT, '../shared/data/omniglot/images_background_small2.zip');

test("Omniglot's own zip read as a tree: the same classes, and images within 1e-5", () => {
  test.skip(!existsSync(SMALL2), `needs ${SMALL2} (the shared Omniglot data)`);
  // One alphabet keeps it quick: Tagalog, 17 characters of 20 drawings.
  const all = unzipSync(readFileSync(SMALL2), { filter: (f) => f.name.includes('/Tagalog/') });
  const z = zip(Object.fromEntries(Object.entries(all).filter(([k]) => k.endsWith('.png'))));
  const omni = loadOmniglot(z, { name: 'tagalog' });
  const tree = loadImageTree(z, { name: 'tagalog' });
  expect(tree.alphabets).toEqual(omni.alphabets);
  expect(tree.characters).toEqual(omni.characters);
  let worst = 0;
  for (let i = 0; i < omni.images.length; i++)
    worst = Math.max(worst, Math.abs(omni.images[i] - tree.images[i]));
  expect(worst).toBeLessThan(1e-5);
});

test('train --task images: the omniglot learner on a tree (config layout "tree"); without --data, one line', async () => {
  const none = await cli('train', '--task', 'images');
  expect(none.code).toBe(2);
  expect(none.stderr.trim()).toMatch(
    /^metarnn: --task images needs --data PATH: a folder or zip of <class>\/<image>/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'tree-'));
  try {
    // The split is checked before the config is printed: 4 groups give one each for test and validation and
    // two to train on, with 2 classes apiece for 2-way episodes.
    for (const g of ['g1', 'g2', 'g3', 'g4'])
      for (const c of ['a', 'b'])
        for (let i = 0; i < 2; i++) {
          mkdirSync(join(dir, g, c), { recursive: true });
          writeFileSync(join(dir, g, c, `${i}.jpg`), jpeg(30, 30, 0.3 + 0.2 * i));
        }
    const shape = ['--ways', '2', '--shots', '1', '--queries', '1'];
    const r = await cli('train', '--task', 'images', '--data', dir, ...shape, '--print-config');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      task: 'omniglot',
      learner: 'blackbox',
      layout: 'tree',
      data: dir,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
