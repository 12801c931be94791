/**
 * Reading the user's images by path (src/data/image_folder.ts): labelled folders and zips in both layouts
 * (`<label>/<image>`, or all under one top folder), query files and folders, and every refusal, each an
 * InputError on one line that names the path.
 */
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { zipSync, type Zippable } from 'fflate';
import { IMAGE_FOLDER_LIMITS, readLabelledImages, readQueryImages } from '../src/data/image_folder';
import { InputError } from '../src/runtime/errors';

let root: string;
test.beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'metarnn-images-'));
});
test.afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Distinct contents per file, so that a test sees which file's bytes came back. */
const bytesOf = (name: string) => new TextEncoder().encode(`bytes of ${name}`);

/** Writes `files` (relative paths; a trailing '/' makes an empty folder) under `dir`. */
function writeTree(dir: string, files: string[]): string {
  for (const f of files) {
    if (f.endsWith('/')) mkdirSync(join(dir, f), { recursive: true });
    else {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), bytesOf(f.split('/').pop()!));
    }
  }
  return dir;
}

/** The same tree as a zip (folders as entries of their own, as zip tools write them). */
function writeZip(path: string, files: string[]): string {
  const entries: Zippable = {};
  for (const f of files) entries[f] = f.endsWith('/') ? new Uint8Array(0) : bytesOf(f.split('/').pop()!);
  writeFileSync(path, zipSync(entries));
  return path;
}

function inputError(fn: () => unknown): string {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  expect((error as Error).message).not.toContain('\n');
  return (error as Error).message;
}

const LAYOUT = [
  'b_beta/2.JPG',
  'b_beta/1.png',
  'a_alpha/z.jpeg',
  'a_alpha/y.png',
  'a_alpha/notes.txt',
  'a_alpha/.DS_Store.png',
  'a_alpha/deeper/x.png',
  '.hidden/q.png',
  'README.md',
];
const EXPECTED = [
  ['a_alpha', 'y.png'],
  ['a_alpha', 'z.jpeg'],
  ['b_beta', '1.png'],
  ['b_beta', '2.JPG'],
];

test('a folder of <label>/<image>: images sorted by label then file, others skipped', () => {
  const dir = writeTree(join(root, 'set'), LAYOUT);
  const got = readLabelledImages(dir);
  expect(got.map((g) => [g.label, g.file])).toEqual(EXPECTED.map(([l, f]) => [l, join(dir, l, f)]));
  expect(new TextDecoder().decode(got[3].bytes)).toBe('bytes of 2.JPG');
  // One top folder holding the label folders reads the same.
  const wrapped = writeTree(
    join(root, 'outer'),
    LAYOUT.map((f) => `inner/${f}`),
  );
  expect(readLabelledImages(wrapped).map((g) => [g.label, g.file])).toEqual(
    EXPECTED.map(([l, f]) => [l, join(wrapped, 'inner', l, f)]),
  );
});

test('a zip in either layout, with or without folder entries and __MACOSX', () => {
  const flat = writeZip(join(root, 'flat.zip'), [...LAYOUT, '__MACOSX/a_alpha/._y.png']);
  const got = readLabelledImages(flat);
  expect(got.map((g) => [g.label, g.file])).toEqual(EXPECTED.map(([l, f]) => [l, `${flat}/${l}/${f}`]));
  expect(got.map((g) => new TextDecoder().decode(g.bytes))).toEqual(EXPECTED.map(([, f]) => `bytes of ${f}`));
  const wrapped = writeZip(join(root, 'wrapped.zip'), [
    'set/',
    'set/a_alpha/',
    'set/b_beta/',
    ...LAYOUT.map((f) => `set/${f}`),
    '__MACOSX/set/._a_alpha',
  ]);
  expect(readLabelledImages(wrapped).map((g) => [g.label, g.file])).toEqual(
    EXPECTED.map(([l, f]) => [l, `${wrapped}/set/${l}/${f}`]),
  );
});

test('labelled images: every refusal names the path and what is expected', () => {
  expect(inputError(() => readLabelledImages(join(root, 'nope')))).toBe(
    `cannot read ${join(root, 'nope')}: no such file`,
  );
  const empty = writeTree(join(root, 'empty'), ['notes.txt']);
  expect(inputError(() => readLabelledImages(empty))).toMatch(/: no label folders; .*<label>\/<image>/);
  const flat = writeTree(join(root, 'flat'), ['1.png', '2.png']);
  expect(inputError(() => readLabelledImages(flat))).toBe(
    `${flat}: no label folders (2 images directly in it); expected one folder per class: <label>/<image>.png|.jpg`,
  );
  const mixed = writeTree(join(root, 'mixed'), ['a/1.png', 'b/2.png', 'stray.jpg']);
  expect(inputError(() => readLabelledImages(mixed))).toMatch(
    /mixed: 'stray\.jpg' sits next to the label folders; expected .*<label>\/<image>/,
  );
  const bare = writeTree(join(root, 'bare'), ['a/1.png', 'b/notes.txt', 'c/']);
  expect(inputError(() => readLabelledImages(bare))).toBe(
    `${bare}/b: no PNG or JPEG images in this class folder`,
  );
  // Under one top folder: the message names the folder as it is in the zip.
  const zip = writeZip(join(root, 'w.zip'), ['set/a/1.png', 'set/b/']);
  expect(inputError(() => readLabelledImages(zip))).toBe(
    `${zip}/set/b: no PNG or JPEG images in this class folder`,
  );
  const strayZip = writeZip(join(root, 's.zip'), ['set/a/1.png', 'set/b/2.png', 'set/x.png']);
  expect(inputError(() => readLabelledImages(strayZip))).toMatch(/s\.zip\/set: 'x\.png' sits next to/);
  const notZip = join(root, 'image.png');
  writeFileSync(notZip, 'not a zip');
  expect(inputError(() => readLabelledImages(notZip))).toMatch(
    /image\.png: not a folder or a readable zip file \(/,
  );
});

test('labelled images: over 10,000 images or a file over 32 MiB is refused before reading', () => {
  const big = writeTree(join(root, 'big'), ['a/1.png', 'b/2.png']);
  truncateSync(join(big, 'b/2.png'), IMAGE_FOLDER_LIMITS.imageBytes + 1); // sparse: nothing is written
  expect(inputError(() => readLabelledImages(big))).toBe(
    `${join(big, 'b/2.png')}: ${IMAGE_FOLDER_LIMITS.imageBytes + 1} bytes, over the cap of ` +
      `${IMAGE_FOLDER_LIMITS.imageBytes} (32 MiB): scale it down first`,
  );
  const many: Zippable = {};
  for (let i = 0; i <= IMAGE_FOLDER_LIMITS.images; i++) many[`c${i % 10}/${i}.png`] = new Uint8Array(1);
  const zip = join(root, 'many.zip');
  writeFileSync(zip, zipSync(many, { level: 0 }));
  expect(inputError(() => readLabelledImages(zip))).toBe(
    `${zip}: ${IMAGE_FOLDER_LIMITS.images + 1} images, over the cap of ${IMAGE_FOLDER_LIMITS.images}`,
  );
  // A zip entry that declares more than the cap is refused from its directory, before it is inflated.
  const bomb = join(root, 'bomb.zip');
  writeFileSync(
    bomb,
    zipSync({
      'a/1.png': new Uint8Array(IMAGE_FOLDER_LIMITS.imageBytes + 1),
      'b/2.png': [new Uint8Array(1), {}],
    }),
  );
  expect(inputError(() => readLabelledImages(bomb))).toMatch(/bomb\.zip\/a\/1\.png: \d+ bytes, over the cap/);
});

test('query images: files as given, folders’ images sorted, not recursive', () => {
  const dir = writeTree(join(root, 'q'), ['b.png', 'a.JPG', 'c.jpeg', 'notes.txt', '.x.png', 'sub/d.png']);
  const single = join(root, 'one.bin');
  writeFileSync(single, bytesOf('one.bin'));
  const got = readQueryImages([single, dir]);
  expect(got.map((g) => g.file)).toEqual([
    single,
    join(dir, 'a.JPG'),
    join(dir, 'b.png'),
    join(dir, 'c.jpeg'),
  ]);
  expect(new TextDecoder().decode(got[2].bytes)).toBe('bytes of b.png');
});

test('query images: refusals', () => {
  const none = writeTree(join(root, 'none'), ['notes.txt', 'sub/a.png']);
  expect(inputError(() => readQueryImages([none]))).toBe(
    `no query images in ${none}: give PNG or JPEG files, or folders of them`,
  );
  expect(inputError(() => readQueryImages([]))).toMatch(/^no query images in \(no paths given\)/);
  expect(inputError(() => readQueryImages([join(root, 'missing.png')]))).toBe(
    `cannot read ${join(root, 'missing.png')}: no such file`,
  );
  const big = join(root, 'big.png');
  writeFileSync(big, '');
  truncateSync(big, IMAGE_FOLDER_LIMITS.imageBytes + 1);
  expect(inputError(() => readQueryImages([big]))).toMatch(/big\.png: \d+ bytes, over the cap/);
});
