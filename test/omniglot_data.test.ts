import { expect, test } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { decode, encode } from 'fast-png';
import { dataPaths } from '../src/cli/task_data';
import {
  loadOmniglot,
  OMNIGLOT_LIMITS,
  omniglotImageFromPng,
  type OmniglotDataset,
  type OmniglotIndex,
} from '../src/data/omniglot';
import { loadOmniglotFile, loadOmniglotFiles, readOmniglotSource } from '../src/data/omniglot_file';
import { areaWeights } from '../src/data/omniglot_image';
import {
  indexOmniglotSources,
  loadOmniglotSources,
  mergeOmniglot,
  mergeOmniglotIndex,
} from '../src/data/omniglot_merge';
import { InputError } from '../src/runtime/errors';
import { expectOmniglotError } from './omniglot_expect';

// The shared data sits beside the project and is loaded by path, never copied in (../shared/data/README.md).
const SMALL1 = join(import.meta.dirname, '../../shared/data/omniglot/images_background_small1.zip');
const SMALL2 = join(import.meta.dirname, '../../shared/data/omniglot/images_background_small2.zip');
const haveSmall = existsSync(SMALL1) && existsSync(SMALL2);

/** An 8-bit grayscale PNG; `ink(y, x)` in [0, 1] is stored as 255 − round(255·ink). */
function grayPng(width: number, height: number, ink: (y: number, x: number) => number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data[y * width + x] = 255 - Math.round(255 * ink(y, x));
  return encode({ width, height, data, depth: 8, channels: 1 });
}

/** A 1-bit PNG, white background, ink where `ink(y, x)`: Omniglot's own format. */
function bitPng(width: number, height: number, ink: (y: number, x: number) => boolean): Uint8Array {
  const rowBytes = Math.ceil(width / 8);
  const data = new Uint8Array(rowBytes * height).fill(0xff);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (ink(y, x)) data[y * rowBytes + (x >> 3)] &= ~(0x80 >> (x & 7));
  return encode({ width, height, data, depth: 1, channels: 1 });
}

/** Ink (1 − gray) of a grayscale PNG of depth 1 or 8, decoded by fast-png alone. */
function inkOf(png: Uint8Array): { ink: Float64Array; width: number; height: number } {
  const { width, height, data, depth } = decode(png);
  const ink = new Float64Array(width * height);
  const rowBytes = Math.ceil(width / 8);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      ink[y * width + x] =
        depth === 1
          ? 1 - ((data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1)
          : 1 - data[y * width + x] / 255;
  return { ink, width, height };
}

/**
 * Reference area average in float64, in two dimensions at once: output pixel (i, j) is the mean of the
 * source over the rectangle [j·w/m, (j+1)·w/m) × [i·h/m, (i+1)·h/m), each source pixel weighted by the area
 * it shares with that rectangle.
 */
function areaAverage(png: Uint8Array, m = 28): Float64Array {
  const { ink, width, height } = inkOf(png);
  const [sx, sy] = [width / m, height / m];
  const overlap = (lo: number, hi: number, k: number) => Math.max(0, Math.min(hi, k + 1) - Math.max(lo, k));
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let y = Math.floor(i * sy); y < Math.min(height, Math.ceil((i + 1) * sy)); y++)
        for (let x = Math.floor(j * sx); x < Math.min(width, Math.ceil((j + 1) * sx)); x++)
          s += ink[y * width + x] * overlap(i * sy, (i + 1) * sy, y) * overlap(j * sx, (j + 1) * sx, x);
      out[i * m + j] = s / (sx * sy);
    }
  }
  return out;
}

/**
 * The square resampling as it was before PNGs of any size were read, kept verbatim: a 105×105 image must
 * still give these very floats, since checkpoints were trained on them and the one-shot runs go through it.
 */
function resampleSquare(src: Float32Array, n: number, weights: { first: number; w: number[] }[]) {
  const m = weights.length;
  const rows = new Float64Array(n * m);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < m; x++) {
      const { first, w } = weights[x];
      let s = 0;
      for (let k = 0; k < w.length; k++) s += w[k] * src[y * n + first + k];
      rows[y * m + x] = s;
    }
  }
  const out = new Float32Array(m * m);
  for (let y = 0; y < m; y++) {
    const { first, w } = weights[y];
    for (let x = 0; x < m; x++) {
      let s = 0;
      for (let k = 0; k < w.length; k++) s += w[k] * rows[(first + k) * m + x];
      out[y * m + x] = s;
    }
  }
  return out;
}

/** Irregular strokes, so that every output pixel mixes ink and paper differently. */
const strokes = (y: number, x: number) => (x * 7 + y * 3) % 11 < 3 || (x - y) % 17 === 0;
const shade = (y: number, x: number) => ((x * 13 + y * 29) % 64) / 63;

function expectInputError(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  expect(fn).toThrow(InputError);
  for (const p of parts) expect(fn).toThrow(p);
}

/**
 * Deep equality of two data sets; the images compared in one loop (expect's toEqual walks millions of floats
 * for seconds).
 */
function expectSameDataset(got: OmniglotDataset, want: OmniglotDataset): void {
  expect({ ...got, images: null }).toEqual({ ...want, images: null });
  expect(got.images.length).toBe(want.images.length);
  const at = got.images.findIndex((v, i) => v !== want.images[i]);
  expect(at, `first differing float at ${at}`).toBe(-1);
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((d, v, i) => Math.max(d, Math.abs(v - b[i])), 0);

test('PNGs of any size are area-averaged per axis to 28×28, as a float64 average over the area says', () => {
  const pngs: Record<string, Uint8Array> = {
    'A/character01/01_01.png': grayPng(210, 140, shade),
    'A/character01/01_02.png': bitPng(50, 50, strokes),
    'A/character01/01_03.png': grayPng(20, 35, shade), // smaller than 28 on one axis: each pixel is spread
    'A/character01/01_04.png': bitPng(105, 105, strokes),
  };
  const ds = loadOmniglot(zipSync(pngs));
  expect(ds.imageCount).toBe(4);
  Object.values(pngs).forEach((png, i) => {
    const loaded = ds.images.subarray(i * 784, (i + 1) * 784);
    expect(maxDiff(loaded, areaAverage(png)), `image ${i + 1}`).toBeLessThan(1e-6);
    expect(Array.from(omniglotImageFromPng(png, `${i}.png`))).toEqual(Array.from(loaded));
  });
  // The area average keeps the ink: 28² mean = source mean.
  const { ink } = inkOf(pngs['A/character01/01_01.png']);
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
  expect(mean(ds.images.subarray(0, 784))).toBeCloseTo(mean(ink), 6);
});

test('a 105×105 image gives exactly the floats of the square resampling used before any size was read', () => {
  for (const png of [bitPng(105, 105, strokes), grayPng(105, 105, shade)]) {
    const before = resampleSquare(Float32Array.from(inkOf(png).ink), 105, areaWeights(105, 28));
    expect(Array.from(omniglotImageFromPng(png, 'a.png'))).toEqual(Array.from(before));
    const ds = loadOmniglot(zipSync({ 'Latin/character01/01_01.png': png }));
    expect(Array.from(ds.images)).toEqual(Array.from(before));
  }
});

test('empty and oversized images are refused from the header, naming the size and the cap', () => {
  const withSize = (width: number, height: number) => {
    const png = bitPng(105, 105, strokes);
    // IHDR's width and height (bytes 16–23) are read before anything is decoded; the CRC is checked later.
    new DataView(png.buffer).setUint32(16, width);
    new DataView(png.buffer).setUint32(20, height);
    return png;
  };
  const cap = Math.sqrt(OMNIGLOT_LIMITS.pixels);
  expectOmniglotError(
    () => omniglotImageFromPng(withSize(cap + 1, cap), 'wide.png'),
    `'wide.png' is ${cap + 1}×${cap}`,
    `${cap}×${cap}`,
    'scale it down',
  );
  expectOmniglotError(
    () => loadOmniglot(zipSync({ 'A/character01/01_01.png': withSize(0, 105) })),
    "'A/character01/01_01.png' is 0×105",
    'empty image',
  );
});

/** One character, `A/character01`, with one drawing per entry of `drawers`. */
function oneCharacter(drawers: number[], ink = strokes): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const d of drawers)
    files[`A/character01/0101_${String(d).padStart(2, '0')}.png`] = bitPng(105, 105, ink);
  return zipSync(files);
}

test('merge: sources sorted together, a character kept once when identical, refused when it differs', () => {
  const a = loadOmniglot(oneCharacter([1, 2]), { name: 'a.zip' });
  const bZip = zipSync({
    'B/character02/0202_01.png': bitPng(105, 105, strokes),
    'A/character00/0100_03.png': bitPng(105, 105, (y) => y < 9),
  });
  const b = loadOmniglot(bZip);
  const both = mergeOmniglot([
    { name: 'b.zip', dataset: b },
    { name: 'a.zip', dataset: a },
    { name: 'a-copy.zip', dataset: a },
  ]);
  expect(both.alphabets).toEqual(['A', 'B']);
  expect(both.characters).toEqual([
    { alphabet: 'A', name: 'character00', start: 0, count: 1 },
    { alphabet: 'A', name: 'character01', start: 1, count: 2 },
    { alphabet: 'B', name: 'character02', start: 3, count: 1 },
  ]);
  expect(Array.from(both.drawers)).toEqual([3, 1, 2, 1]);
  expect(Array.from(both.images.subarray(784, 3 * 784))).toEqual(Array.from(a.images));
  expectSameDataset(mergeOmniglot([{ name: 'a.zip', dataset: a }]), a);

  const other = (drawers: number[], ink = strokes) => ({
    name: 'other.zip',
    dataset: loadOmniglot(oneCharacter(drawers, ink)),
  });
  const merge = (o: ReturnType<typeof other>) => () => mergeOmniglot([{ name: 'a.zip', dataset: a }, o]);
  const named = ['A/character01', 'a.zip', 'other.zip', 'drop one of them'];
  expectOmniglotError(
    merge(other([1, 2], (y, x) => strokes(y, x) || y === 50)),
    ...named,
    "drawer 1's images",
  );
  expectOmniglotError(merge(other([1, 3])), ...named, 'drawing 2 is by drawer 2 against 3');
  expectOmniglotError(merge(other([1])), ...named, '2 drawings against 1');
  expectOmniglotError(() => mergeOmniglot([]), 'at least one');
  // The page's path: several zips loaded and merged in one call.
  const zips = [oneCharacter([1, 2]), oneCharacter([1, 2])].map((zip, i) => ({ name: `z${i}.zip`, zip }));
  expectSameDataset(loadOmniglotSources(zips), a);

  // The CLI's listings merge to the same classes and refuse the same conflicts, but for pixels (not listed).
  const index = (o: ReturnType<typeof other>) => ({ name: o.name, dataset: withoutImages(o.dataset) });
  const mergeIndex = (o: ReturnType<typeof other>) => () =>
    mergeOmniglotIndex([{ name: 'a.zip', dataset: withoutImages(a) }, index(o)]);
  expect(indexOmniglotSources([{ name: 'b.zip', zip: bZip }, ...zips])).toEqual(withoutImages(both));
  expectOmniglotError(mergeIndex(other([1, 3])), ...named, 'drawing 2 is by drawer 2 against 3');
  expectOmniglotError(mergeIndex(other([1])), ...named, '2 drawings against 1');
  expect(mergeIndex(other([1, 2], (y, x) => strokes(y, x) || y === 50))().characters).toHaveLength(1);
  expectOmniglotError(() => mergeOmniglotIndex([]), 'at least one');
});

/** A loaded data set as the CLI's listing gives it: everything but the images. */
const withoutImages = ({ imageCount, drawers, alphabets, characters }: OmniglotDataset): OmniglotIndex => ({
  imageCount,
  drawers,
  alphabets,
  characters,
});

/** The images and drawers of `ds`'s characters of `alphabet`, for comparing the same alphabet across sets. */
function alphabetOf(ds: OmniglotDataset, alphabet: string) {
  const chars = ds.characters.filter((c) => c.alphabet === alphabet);
  const first = chars[0].start;
  const end = chars[chars.length - 1].start + chars[chars.length - 1].count;
  return {
    names: chars.map((c) => c.name),
    drawers: Array.from(ds.drawers.subarray(first, end)),
    images: ds.images.subarray(first * 784, end * 784),
  };
}

test.describe('images_background_small1.zip + images_background_small2.zip', () => {
  test.skip(!haveSmall, `needs ${SMALL1} and ${SMALL2} (see ../shared/data/README.md)`);
  let loaded: [OmniglotDataset, OmniglotDataset] | null = null;
  const small = () => (loaded ??= [loadOmniglotFile(SMALL1), loadOmniglotFile(SMALL2)]);

  test('merge to 242 characters of 8 alphabets, Greek and Latin counted once', () => {
    const [small1, small2] = small();
    const ds = mergeOmniglot([
      { name: SMALL1, dataset: small1 },
      { name: SMALL2, dataset: small2 },
    ]);
    // small1's 5 alphabets and small2's 5 share Greek and Latin: 8 alphabets (the data README says 7, but
    // lists them: Balinese, Early_Aramaic, Greek, Korean, Latin + Japanese_(katakana), Sanskrit, Tagalog).
    expect(ds.alphabets).toEqual([
      'Balinese', 'Early_Aramaic', 'Greek', 'Japanese_(katakana)', 'Korean', 'Latin', 'Sanskrit', 'Tagalog',
    ]); // prettier-ignore
    expect(ds.characters.length).toBe(242);
    expect(ds.characters.length).toBe(small1.characters.length + small2.characters.length - 24 - 26);
    expect(ds.imageCount).toBe(small1.imageCount + small2.imageCount - (24 + 26) * 20);
    const perAlphabet = Object.fromEntries(ds.alphabets.map((a) => [a, 0]));
    for (const c of ds.characters) perAlphabet[c.alphabet]++;
    expect(perAlphabet).toEqual({
      Balinese: 24, Early_Aramaic: 22, Greek: 24, 'Japanese_(katakana)': 47, Korean: 40, Latin: 26,
      Sanskrit: 42, Tagalog: 17,
    }); // prettier-ignore
    // Each alphabet keeps its drawings, drawers and order, from whichever zip it came.
    for (const [alphabet, from] of [
      ['Balinese', small1],
      ['Greek', small1],
      ['Greek', small2],
      ['Tagalog', small2],
    ] as const) {
      const [got, want] = [alphabetOf(ds, alphabet), alphabetOf(from, alphabet)];
      expect(got.names).toEqual(want.names);
      expect(got.drawers).toEqual(want.drawers);
      expect(
        got.images.every((v, i) => v === want.images[i]),
        `${alphabet}: images`,
      ).toBe(true);
    }
    expect(ds.characters.map((c) => c.start)).toEqual(ds.characters.map((_, i) => i * 20));
    // The CLI's check reads the same classes from the zips' listings alone.
    const zips = [SMALL1, SMALL2].map((name) => ({ name, zip: readFileSync(name) }));
    expect(indexOmniglotSources(zips)).toEqual(withoutImages(ds));
    // The order of the sources does not matter, and a zip merged with itself is itself.
    const reversed = [
      { name: SMALL2, dataset: small2 },
      { name: SMALL1, dataset: small1 },
    ];
    expectSameDataset(mergeOmniglot(reversed), ds);
    const twice = [
      { name: 'a', dataset: small1 },
      { name: 'b', dataset: small1 },
    ];
    expectSameDataset(mergeOmniglot(twice), small1);
  });

  test('a folder unpacked from small1 loads as the zip does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omniglot-small1-'));
    try {
      const files = unzipSync(readFileSync(SMALL1));
      for (const [name, bytes] of Object.entries(files)) {
        if (name.endsWith('/')) continue;
        mkdirSync(join(dir, dirname(name)), { recursive: true });
        writeFileSync(join(dir, name), bytes);
      }
      expectSameDataset(loadOmniglotFile(join(dir, 'images_background_small1')), small()[0]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

test('a folder in the zip layout loads as its zip; dotfiles and other files are skipped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omniglot-folder-'));
  const files: Record<string, Uint8Array> = {};
  for (const a of ['Beta', 'Alpha'])
    for (const c of ['character01', 'character02'])
      for (const d of [2, 1])
        files[`${a}/${c}/0${c.slice(-1)}${a.length}_0${d}.png`] = bitPng(
          105,
          105,
          (y, x) => (x + y * d) % (5 + a.length) < 2,
        );
  const write = (path: string, bytes: Uint8Array) => {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  };
  try {
    for (const [name, bytes] of Object.entries(files)) write(`images_x/${name}`, bytes);
    write('images_x/.DS_Store', new Uint8Array(10));
    write('images_x/Alpha/character01/._0121_01.png', new Uint8Array(10)); // macOS resource fork
    write('images_x/.hidden/character01/01_01.png', bitPng(105, 105, strokes));
    write('images_x/Alpha/notes.txt', new TextEncoder().encode('not an image'));
    const zip = loadOmniglot(zipSync(files));
    expect(zip.characters.length).toBe(4);
    expectSameDataset(loadOmniglotFile(join(dir, 'images_x')), zip);
    expectSameDataset(loadOmniglotFile(dir), zip); // one folder above the root: still <alphabet>/characterNN/
    // A single alphabet's folder: its own name is the alphabet.
    expect(loadOmniglotFile(join(dir, 'images_x/Beta')).characters.map((c) => c.alphabet)).toEqual([
      'Beta',
      'Beta',
    ]);
    // Zips and folders together: the same characters count once.
    writeFileSync(join(dir, 'x.zip'), zipSync(files));
    expect(readOmniglotSource(join(dir, 'x.zip'))).toEqual(zipSync(files));
    expectSameDataset(loadOmniglotFiles([join(dir, 'images_x'), join(dir, 'x.zip')]), zip);

    expectOmniglotError(() => loadOmniglotFile(join(dir, 'nope')), 'nope', 'no such file');
    mkdirSync(join(dir, 'empty/.git'), { recursive: true });
    expectOmniglotError(() => loadOmniglotFile(join(dir, 'empty')), 'empty', 'no .png files', 'characterNN');
    write('big/A/character01/01_01.png', new Uint8Array(OMNIGLOT_LIMITS.pngBytes + 1));
    expectOmniglotError(
      () => loadOmniglotFile(join(dir, 'big')),
      'character01/01_01.png',
      `${OMNIGLOT_LIMITS.pngBytes + 1} bytes`,
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('--data: comma-separated paths, trimmed; none, or one named twice, is an InputError naming it', () => {
  expect(dataPaths('a.zip')).toEqual(['a.zip']);
  expect(dataPaths(' a.zip , data/b ,, ')).toEqual(['a.zip', 'data/b']);
  expectInputError(() => dataPaths(''), 'names no path', 'separated by commas');
  expectInputError(() => dataPaths(' , '), '" , "', 'names no path');
  expectInputError(() => dataPaths('a.zip,b.zip,a.zip'), 'names a.zip twice', 'once');
  expectInputError(() => dataPaths('a.zip,b.zip,./a.zip'), 'a.zip and ./a.zip, one path', 'once');
});
