/**
 * Our PNG decoder (src/data/png.ts) against fast-png's on the same files: every colour type and bit depth,
 * every filter type (written here by a small encoder that filters each row as told), palettes with and
 * without tRNS, grey and RGB transparency keys, several IDAT chunks, and the Omniglot images themselves when
 * the shared data is present. Damaged files are refused with a reason.
 */
import { expect, test } from '@playwright/test';
import { decode } from 'fast-png';
import { unzipSync, zlibSync } from 'fflate';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, decodePngChunks, PngError, readPngChunks } from '../src/data/png';
import { ROOT } from './cli_helper';
import { concat } from './mutate';

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

interface Spec {
  width: number;
  height: number;
  colorType: number;
  depth: number;
  /** Filter type per row (cycled). */
  filters: number[];
  seed: number;
  palette?: number;
  trns?: Uint8Array;
  /** IDAT chunks to split the data into. */
  idats?: number;
  /** Adam7: seven reduced images, each filtered on its own. */
  interlaced?: boolean;
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Packed rows of `bits`-bit pixels: pixel x of row y. */
function getPixel(rows: Uint8Array, row: number, bits: number, x: number, y: number): number[] {
  if (bits >= 8) return Array.from(rows.subarray(y * row + (x * bits) / 8, y * row + ((x + 1) * bits) / 8));
  const byte = rows[y * row + ((x * bits) >> 3)];
  return [(byte >> (8 - bits - ((x * bits) & 7))) & ((1 << bits) - 1)];
}

function setPixel(rows: Uint8Array, row: number, bits: number, x: number, y: number, v: number[]) {
  if (bits >= 8) rows.set(v, y * row + (x * bits) / 8);
  else rows[y * row + ((x * bits) >> 3)] |= v[0] << (8 - bits - ((x * bits) & 7));
}

/** Filters each row with the type `filters` names (cycled), prefixing its type byte. */
function filterRows(rows: Uint8Array, width: number, height: number, bits: number, filters: number[]) {
  const row = Math.ceil((width * bits) / 8);
  const bpp = Math.max(1, bits >> 3);
  const filtered = new Uint8Array(height * (row + 1));
  for (let y = 0; y < height; y++) {
    const type = filters[y % filters.length];
    filtered[y * (row + 1)] = type;
    for (let i = 0; i < row; i++) {
      const cur = rows[y * row + i];
      const a = i >= bpp ? rows[y * row + i - bpp] : 0;
      const b = y > 0 ? rows[(y - 1) * row + i] : 0;
      const c = y > 0 && i >= bpp ? rows[(y - 1) * row + i - bpp] : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][type];
      filtered[y * (row + 1) + 1 + i] = (cur - predicted) & 255;
    }
  }
  return filtered;
}

/** A PNG of random samples, each row filtered with the type the spec names (PNG specification, section 9). */
function encode(s: Spec): { file: Uint8Array; rows: Uint8Array } {
  let x = s.seed >>> 0 || 1;
  const rand = () => ((x = (x * 1664525 + 1013904223) >>> 0), x >>> 24);
  const channels = CHANNELS[s.colorType];
  const row = Math.ceil((s.width * channels * s.depth) / 8);
  const rows = new Uint8Array(s.height * row);
  for (let i = 0; i < rows.length; i++) rows[i] = rand();
  if (s.colorType === 3 && s.depth === 8) for (let i = 0; i < rows.length; i++) rows[i] %= s.palette!;
  // The whole image, or Adam7's passes, each as its own packed rows (empty passes have no bytes).
  const bits = channels * s.depth;
  const images: { rows: Uint8Array; width: number; height: number }[] = [];
  if (!s.interlaced) images.push({ rows, width: s.width, height: s.height });
  else {
    // The bits after a row's last pixel are not in any pass: zero, as the decoder leaves them.
    const used = (s.width * bits) % 8;
    if (used) for (let y = 0; y < s.height; y++) rows[y * row + row - 1] &= (0xff << (8 - used)) & 0xff;
    for (const [x0, y0, dx, dy] of ADAM7) {
      const width = Math.ceil(Math.max(0, s.width - x0) / dx);
      const height = Math.ceil(Math.max(0, s.height - y0) / dy);
      if (!width || !height) continue;
      const passRow = Math.ceil((width * bits) / 8);
      const pass = new Uint8Array(height * passRow);
      for (let i = 0; i < height; i++)
        for (let j = 0; j < width; j++)
          setPixel(pass, passRow, bits, j, i, getPixel(rows, row, bits, x0 + j * dx, y0 + i * dy));
      images.push({ rows: pass, width, height });
    }
  }
  const filtered = concat(...images.map((im) => filterRows(im.rows, im.width, im.height, bits, s.filters)));
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, s.width);
  view.setUint32(4, s.height);
  ihdr.set([s.depth, s.colorType, 0, 0, s.interlaced ? 1 : 0], 8);
  const z = zlibSync(filtered);
  const parts = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr)];
  if (s.palette) {
    const plte = new Uint8Array(3 * s.palette);
    for (let i = 0; i < plte.length; i++) plte[i] = rand();
    parts.push(chunk('PLTE', plte));
  }
  if (s.trns) parts.push(chunk('tRNS', s.trns));
  const n = s.idats ?? 1;
  const step = Math.ceil(z.length / n);
  for (let i = 0; i < z.length; i += step) parts.push(chunk('IDAT', z.subarray(i, i + step)));
  parts.push(chunk('IEND', new Uint8Array(0)));
  return { file: concat(...parts), rows };
}

function expectSameAsFastPng(file: Uint8Array) {
  const ours = decodePngChunks(readPngChunks(file));
  const theirs = decode(file);
  expect([ours.width, ours.height, ours.depth, ours.channels]).toEqual([
    theirs.width,
    theirs.height,
    theirs.depth,
    theirs.channels,
  ]);
  expect(ours.data.constructor).toBe(theirs.data.constructor);
  expect(Array.from(ours.data)).toEqual(Array.from(theirs.data));
  if (theirs.palette) expect(ours.palette).toEqual(theirs.palette);
  else expect(ours.palette).toBeUndefined();
  if (theirs.transparency) expect(Array.from(ours.transparency!)).toEqual(Array.from(theirs.transparency));
  else expect(ours.transparency).toBeUndefined();
  return ours;
}

const FORMATS: [number, number[]][] = [
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
];

test('every colour type, bit depth and filter type decodes as fast-png decodes it', () => {
  let seed = 1;
  for (const [colorType, depths] of FORMATS) {
    for (const depth of depths) {
      for (const filters of [[0], [1], [2], [3], [4], [4, 0, 3, 1, 2]]) {
        for (const [width, height] of [
          [1, 1],
          [7, 5],
          [33, 9],
        ]) {
          const palette = colorType === 3 ? Math.min(2 ** depth, 200) : undefined;
          const { file, rows } = encode({
            width,
            height,
            colorType,
            depth,
            filters,
            seed: seed++,
            palette,
            idats: 3,
          });
          const ours = expectSameAsFastPng(file);
          // And the samples are the ones written, not merely the same as fast-png's.
          if (depth <= 8) expect(Array.from(ours.data)).toEqual(Array.from(rows));
        }
      }
    }
  }
});

test('Adam7-interlaced images of every format and size decode to the pixels written (and as fast-png, 8 and 16 bits)', () => {
  let seed = 100;
  for (const [colorType, depths] of FORMATS) {
    for (const depth of depths) {
      // Sizes where some passes are empty (1×1, 3×2), uneven edges, and more than one 8×8 block.
      for (const [width, height] of [
        [1, 1],
        [3, 2],
        [5, 9],
        [17, 11],
      ]) {
        const palette = colorType === 3 ? Math.min(2 ** depth, 200) : undefined;
        const spec = {
          width,
          height,
          colorType,
          depth,
          filters: [4, 0, 3, 1, 2],
          seed: seed++,
          palette,
          interlaced: true,
        };
        const { file, rows } = encode(spec);
        const ours = decodePngChunks(readPngChunks(file));
        if (depth <= 8)
          expect(Array.from(ours.data), `${colorType}/${depth} ${width}×${height}`).toEqual(Array.from(rows));
        // fast-png reads interlaced images of under 8 bits wrongly, so it is the reference from 8 bits up only.
        if (depth >= 8) expectSameAsFastPng(file);
      }
    }
  }
});

test('palettes with tRNS, and grey and RGB transparency keys, read as fast-png reads them', () => {
  const base = { width: 9, height: 4, filters: [4, 1], seed: 7 };
  expectSameAsFastPng(
    encode({ ...base, colorType: 3, depth: 8, palette: 6, trns: Uint8Array.from([0, 128, 255]) }).file,
  );
  expectSameAsFastPng(
    encode({ ...base, colorType: 3, depth: 4, palette: 16, trns: Uint8Array.from([9]) }).file,
  );
  expectSameAsFastPng(encode({ ...base, colorType: 0, depth: 8, trns: Uint8Array.from([0, 77]) }).file);
  expectSameAsFastPng(
    encode({ ...base, colorType: 2, depth: 16, trns: Uint8Array.from([1, 2, 3, 4, 5, 6]) }).file,
  );
});

test('a PNG with a bad CRC, an unknown filter type, or a tRNS the format cannot have is refused', () => {
  const good = encode({ width: 8, height: 3, colorType: 0, depth: 8, filters: [1], seed: 3 }).file;
  const badCrc = good.slice();
  badCrc[33 + 8 + 2] ^= 1; // a byte inside the first IDAT's data
  expect(() => decodePngChunks(readPngChunks(badCrc))).toThrow(/fails its CRC/);
  // A filter type of 5 on the first row, with the CRC and zlib stream valid.
  const filteredRow = encode({ width: 8, height: 3, colorType: 0, depth: 8, filters: [0], seed: 3 });
  const raw = new Uint8Array(3 * 9);
  raw[0] = 5;
  const ihdr = readPngChunks(filteredRow.file).critical[0];
  const file = concat(
    Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
    ihdr,
    chunk('IDAT', zlibSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  );
  expect(() => decodePngChunks(readPngChunks(file))).toThrow(/filter type 5 on row 0/);
  const alphaTrns = encode({
    width: 4,
    height: 2,
    colorType: 6,
    depth: 8,
    filters: [0],
    seed: 2,
    trns: Uint8Array.from([0, 0]),
  });
  expect(() => decodePngChunks(readPngChunks(alphaTrns.file))).toThrow(PngError);
  const withTrns = encode({
    width: 4,
    height: 2,
    colorType: 3,
    depth: 8,
    filters: [0],
    seed: 4,
    palette: 4,
    trns: Uint8Array.from([7]),
  });
  const parts = readPngChunks(withTrns.file).critical;
  const trns = parts.find((c) => String.fromCharCode(...c.subarray(4, 8)) === 'tRNS')!;
  const twice = concat(
    Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
    ...parts.flatMap((c) => (c === trns ? [c, c] : [c])),
  );
  expect(() => decodePngChunks(readPngChunks(twice))).toThrow(/more than one tRNS chunk/);
});

test('the Omniglot images decode as fast-png decodes them', () => {
  const zip = join(ROOT, '../shared/data/omniglot/images_background_small1.zip');
  test.skip(!existsSync(zip), `needs ${zip} (the shared Omniglot data)`);
  const files = unzipSync(new Uint8Array(readFileSync(zip)), { filter: (f) => f.name.endsWith('.png') });
  const names = Object.keys(files);
  expect(names.length).toBeGreaterThan(1000);
  for (const name of names.filter((_, i) => i % 10 === 0)) expectSameAsFastPng(files[name]);
});
