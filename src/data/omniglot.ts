/**
 * Omniglot (Lake, Salakhutdinov & Tenenbaum, Science 2015) from its distribution zips, in pure TypeScript so
 * that the CLI (Node) and the page load the same way: the caller hands over the zip's bytes.
 * Layout: `[<root>/]<Alphabet>/characterNN/<id>_<drawer>.png`, 105×105 1-bit PNGs, black ink on white.
 * Images are area-averaged to 28×28 floats in [0, 1] with ink = 1, stored character by character, each
 * character's drawings sorted by drawer. Classes are characters; rotations by 90° add three more classes per
 * character (Santoro et al. 2016; Vinyals et al. 2016) without storing rotated copies: a class id is
 * `character * rotations + quarterTurns`, and samplers rotate while reading (see omniglotPixel).
 */
import { InputError } from '../runtime/errors';
import { decodePngChunks, PngError, readPngChunks } from './png';
import { unzipChecked, ZipError, type ZipEntry } from './zip';

/** Bad Omniglot input: a missing or corrupt file, a wrong layout, a wrong image, an impossible episode. */
export class OmniglotError extends InputError {
  override name = 'OmniglotError';
}

/** Output side length: 28×28, the size used since Vinyals et al. 2016 and Santoro et al. 2016 (20×20). */
export const OMNIGLOT_SIZE = 28;
/**
 * Largest training-image shift in pixels (omniglot_tasks.wgsl codes a shift into each image code: (image · 4 +
 * turns) · (2 · shift + 1)², far below 2³² for OMNIGLOT_LIMITS.images).
 */
export const OMNIGLOT_MAX_SHIFT = 6;
/** Side length of the distributed PNGs. */
export const OMNIGLOT_SOURCE_SIZE = 105;
/**
 * Caps checked before anything is decompressed or allocated: the full 50-alphabet set has 32,460 images of
 * under 1 KB each (about 8 MB in all). `pngBytes` caps one entry's compressed and declared sizes,
 * `totalBytes` their sum over the entries kept, so that entries sharing one compressed stream or declaring
 * sizes just under the per-entry cap cannot add up to gigabytes.
 */
export const OMNIGLOT_LIMITS = {
  files: 100_000,
  images: 40_000,
  pngBytes: 1 << 20,
  totalBytes: 64 << 20,
} as const;

export interface OmniglotCharacter {
  alphabet: string;
  /** Folder name, e.g. 'character07'. */
  name: string;
  /** Its drawings are images [start, start + count), sorted by drawer. */
  start: number;
  count: number;
}

export interface OmniglotDataset {
  /** Side length of the stored images (28). */
  size: number;
  /** [imageCount, size * size], ink = 1. */
  images: Float32Array;
  imageCount: number;
  /** Drawer number (1–20 in Omniglot) of each image, from its file name. */
  drawers: Uint16Array;
  /** Sorted by name. */
  alphabets: string[];
  /** Sorted by alphabet, then folder name. */
  characters: OmniglotCharacter[];
}

export interface OmniglotLoadOptions {
  /** Side length the PNGs must have (105); anything else is refused rather than silently rescaled. */
  sourceSize?: number;
  /** Output side length (28). */
  size?: number;
  /** Named in messages (a path, or 'the zip'). */
  name?: string;
  /** Called after the zip is read (done 0) and then every 64 images decoded: a page shows it as progress. */
  onProgress?: (done: number, total: number) => void;
}

/** Reads an Omniglot zip (images_background*.zip / images_evaluation.zip) into memory. */
export function loadOmniglot(zip: Uint8Array, options: OmniglotLoadOptions = {}): OmniglotDataset {
  const name = options.name ?? 'the zip';
  const sourceSize = options.sourceSize ?? OMNIGLOT_SOURCE_SIZE;
  const size = options.size ?? OMNIGLOT_SIZE;
  const files = unzipImages(zip, name);
  // Strict about the character folder's name: a zip of another layout (e.g. the one-shot runs,
  // runNN/training/classNN.png) fails here with a clear message instead of loading as nonsense classes.
  const misplaced = Object.keys(files).find((p) => {
    const parts = p.split('/');
    return parts.length < 3 || !/^character\d+$/i.test(parts[parts.length - 2]);
  });
  if (misplaced) {
    throw new OmniglotError(
      `${name}: wrong layout: '${misplaced}' is not inside <alphabet>/characterNN/ folders ` +
        `(expected [<root>/]<alphabet>/characterNN/<id>_<drawer>.png)`,
    );
  }
  const byCharacter = new Map<string, { alphabet: string; name: string; files: string[] }>();
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    const [alphabet, character] = parts.slice(-3, -1);
    const key = `${alphabet}/${character}`;
    const entry = byCharacter.get(key) ?? { alphabet, name: character, files: [] };
    entry.files.push(path);
    byCharacter.set(key, entry);
  }
  if (byCharacter.size === 0) {
    throw new OmniglotError(
      `${name}: wrong layout: no <alphabet>/<character>/*.png entries (is this an Omniglot images_*.zip?)`,
    );
  }
  const groups = [...byCharacter.values()].sort((a, b) =>
    a.alphabet === b.alphabet ? compare(a.name, b.name) : compare(a.alphabet, b.alphabet),
  );
  const imageCount = groups.reduce((n, g) => n + g.files.length, 0);
  const pixels = size * size;
  const images = new Float32Array(imageCount * pixels);
  const drawers = new Uint16Array(imageCount);
  const characters: OmniglotCharacter[] = [];
  const resize = areaWeights(sourceSize, size);
  options.onProgress?.(0, imageCount);
  let at = 0;
  for (const g of groups) {
    const sorted = g.files.map((f) => ({ f, drawer: drawerOf(f) })).sort((a, b) => a.drawer - b.drawer);
    characters.push({ alphabet: g.alphabet, name: g.name, start: at, count: sorted.length });
    for (const { f, drawer } of sorted) {
      const ink = decodeInk(files[f], f, sourceSize, name);
      images.set(resample(ink, sourceSize, resize), at * pixels);
      drawers[at++] = drawer;
      if (at % 64 === 0 || at === imageCount) options.onProgress?.(at, imageCount);
    }
  }
  const alphabets = [...new Set(characters.map((c) => c.alphabet))].sort(compare);
  return { size, images, imageCount, drawers, alphabets, characters };
}

/** One PNG as an Omniglot image: size check, decode, ink = 1, area-resampled to `size`² (28²). */
export function omniglotImageFromPng(
  bytes: Uint8Array,
  path: string,
  options: OmniglotLoadOptions = {},
): Float32Array {
  const sourceSize = options.sourceSize ?? OMNIGLOT_SOURCE_SIZE;
  const ink = decodeInk(bytes, path, sourceSize, options.name ?? 'the zip');
  return resample(ink, sourceSize, areaWeights(sourceSize, options.size ?? OMNIGLOT_SIZE));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Unzips the entries `keep` selects (.png by default), refusing oversized archives before inflating anything. */
export function unzipImages(
  zip: Uint8Array,
  name: string,
  keep: (path: string) => boolean = (p) => p.toLowerCase().endsWith('.png'),
): Record<string, Uint8Array> {
  let entries = 0;
  let images = 0;
  let total = 0;
  const filter = (f: ZipEntry) => {
    if (++entries > OMNIGLOT_LIMITS.files) {
      throw new OmniglotError(`${name}: more than ${OMNIGLOT_LIMITS.files} entries: not an Omniglot zip`);
    }
    const base = f.name.split('/').pop() ?? '';
    if (!keep(f.name) || base.startsWith('.') || f.name.startsWith('__MACOSX/')) return false;
    if (++images > OMNIGLOT_LIMITS.images) {
      throw new OmniglotError(`${name}: more than ${OMNIGLOT_LIMITS.images} images (Omniglot has 32,460)`);
    }
    // Stored entries are copied by their compressed size, deflated ones inflated into their declared size.
    const bytes = Math.max(f.size, f.originalSize);
    if (bytes > OMNIGLOT_LIMITS.pngBytes) {
      throw new OmniglotError(
        `${name}: '${f.name}' is ${bytes} bytes; an Omniglot PNG is under ${OMNIGLOT_LIMITS.pngBytes}`,
      );
    }
    total += bytes;
    if (total > OMNIGLOT_LIMITS.totalBytes) {
      throw new OmniglotError(
        `${name}: the images come to over ${total} bytes uncompressed, over the cap of ` +
          `${OMNIGLOT_LIMITS.totalBytes} (Omniglot's are about 8 MB in all)`,
      );
    }
    return true;
  };
  try {
    return unzipChecked(zip, filter);
  } catch (e) {
    if (e instanceof ZipError) throw new OmniglotError(`${name}: not a readable zip file (${e.message})`);
    throw e;
  }
}

/** The drawer number from `<id>_<drawer>.png`; any other name sorts by its own order (drawer 0). */
function drawerOf(path: string): number {
  const m = /_(\d+)\.png$/i.exec(path);
  return m ? Number(m[1]) : 0;
}

/** Ink in [0, 1] per source pixel (1 − luminance; transparent counts as white). Checks the size first. */
function decodeInk(bytes: Uint8Array, path: string, sourceSize: number, name: string): Float32Array {
  // Signature (8 bytes) and IHDR (25): anything shorter cannot be a PNG.
  if (bytes.length < 33) throw new OmniglotError(`${name}: '${path}' is not a PNG (${bytes.length} bytes)`);
  let png;
  try {
    const chunks = readPngChunks(bytes);
    const { width, height } = chunks.header;
    if (width !== sourceSize || height !== sourceSize) {
      throw new OmniglotError(
        `${name}: '${path}' is ${width}×${height}; Omniglot images are ${sourceSize}×${sourceSize}`,
      );
    }
    png = decodePngChunks(chunks);
  } catch (e) {
    if (e instanceof PngError) throw new OmniglotError(`${name}: '${path}' ${e.message}`);
    throw e;
  }
  const { data, depth, channels, palette, width: w, height: h } = png;
  const ink = new Float32Array(w * h);
  const rowBytes = Math.ceil((w * channels * depth) / 8);
  if (depth === 1 && channels === 1 && !palette) {
    // Omniglot's own format: one bit per pixel, most significant first, 1 = white.
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) ink[y * w + x] = 1 - ((data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1);
    return ink;
  }
  const max = 2 ** depth - 1;
  const sample = (y: number, i: number) => {
    if (depth >= 8) return data[y * w * channels + i];
    const bit = i * depth;
    return (data[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
  };
  const color = palette ? 1 : Math.min(channels, 3) === 3 ? 3 : 1;
  const alpha = channels === 2 || channels === 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = x * channels;
      let lum: number;
      if (palette) {
        const c = palette[sample(y, i)] ?? [0, 0, 0];
        lum = (c[0] + c[1] + c[2]) / 765;
      } else {
        lum = 0;
        for (let c = 0; c < color; c++) lum += sample(y, i + c) / max;
        lum /= color;
      }
      const a = alpha ? sample(y, i + channels - 1) / max : 1;
      ink[y * w + x] = a * (1 - lum);
    }
  }
  return ink;
}

/**
 * Area-averaging weights from n source pixels to m: output pixel i covers [i·n/m, (i+1)·n/m) and takes each
 * source pixel in proportion to their overlap, so every source pixel contributes exactly its area (105→28 is
 * 3.75 pixels per output: nearest or bilinear sampling would drop thin strokes).
 */
export function areaWeights(n: number, m: number): { first: number; w: number[] }[] {
  const scale = n / m;
  return Array.from({ length: m }, (_, i) => {
    const lo = i * scale;
    const hi = lo + scale;
    const first = Math.floor(lo);
    const w: number[] = [];
    for (let j = first; j < Math.min(n, Math.ceil(hi)); j++) {
      w.push((Math.min(hi, j + 1) - Math.max(lo, j)) / scale);
    }
    return { first, w };
  });
}

/** Separable area resampling of an n×n image: rows first, then columns. */
export function resample(
  src: Float32Array,
  n: number,
  weights: { first: number; w: number[] }[],
): Float32Array {
  const m = weights.length;
  const rows = new Float64Array(n * m); // [n source rows, m output columns]
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

/**
 * Pixel (y, x) of an image turned by `quarterTurns` × 90° counter-clockwise, read from the unrotated image:
 * the same index map as shaders/omniglot_gather.wgsl.
 */
export function omniglotPixel(
  image: ArrayLike<number>,
  size: number,
  quarterTurns: number,
  y: number,
  x: number,
) {
  const s = size - 1;
  switch (quarterTurns & 3) {
    case 0:
      return image[y * size + x];
    case 1:
      return image[x * size + (s - y)];
    case 2:
      return image[(s - y) * size + (s - x)];
    default:
      return image[(s - x) * size + y];
  }
}

/** Image `drawing` of class `classId` (a character, rotated when rotations > 1), as a new array. */
export function omniglotImage(
  ds: OmniglotDataset,
  classId: number,
  drawing: number,
  rotations = 1,
): Float32Array {
  const ch = ds.characters[Math.floor(classId / rotations)];
  const n = ds.size * ds.size;
  const base = ds.images.subarray((ch.start + drawing) * n, (ch.start + drawing + 1) * n);
  const out = new Float32Array(n);
  for (let y = 0; y < ds.size; y++)
    for (let x = 0; x < ds.size; x++)
      out[y * ds.size + x] = omniglotPixel(base, ds.size, classId % rotations, y, x);
  return out;
}

/** The characters `keep` selects, with their images copied out (small settings for tests and demos). */
export function subsetOmniglot(
  ds: OmniglotDataset,
  keep: (c: OmniglotCharacter, index: number) => boolean,
): OmniglotDataset {
  const n = ds.size * ds.size;
  const picked = ds.characters.filter(keep);
  const imageCount = picked.reduce((k, c) => k + c.count, 0);
  const images = new Float32Array(imageCount * n);
  const drawers = new Uint16Array(imageCount);
  let at = 0;
  const characters = picked.map((c) => {
    images.set(ds.images.subarray(c.start * n, (c.start + c.count) * n), at * n);
    drawers.set(ds.drawers.subarray(c.start, c.start + c.count), at);
    at += c.count;
    return { ...c, start: at - c.count };
  });
  const alphabets = [...new Set(characters.map((c) => c.alphabet))].sort(compare);
  return { size: ds.size, images, imageCount, drawers, alphabets, characters };
}

export interface OmniglotSplitOptions {
  /** 'alphabet' (default): whole alphabets held out, as in Lake et al.; 'character': characters at random. */
  by?: 'alphabet' | 'character';
  /** Alphabets held out for evaluation; default: the last max(1, round(count / 5)) in sorted order. */
  heldOut?: string[];
  /** For by = 'character': fraction held out (default 0.2) and the shuffle seed. */
  fraction?: number;
  seed?: number;
  /** 4 adds rotated classes to the training pool; evaluation keeps characters upright. Default 1. */
  rotations?: 1 | 4;
}

export interface OmniglotSplit {
  /** Class ids (character · rotations + quarter turns) that training episodes draw from. */
  train: number[];
  /** Class ids of the held-out characters, upright. */
  test: number[];
  /** Held-out alphabets (alphabet split) or [] (character split). */
  heldOut: string[];
  rotations: 1 | 4;
}

/** The alphabets held out by default: the last fifth (at least one) in sorted order — Latin for small1. */
export function defaultHeldOut(ds: OmniglotDataset): string[] {
  const n = Math.max(1, Math.round(ds.alphabets.length / 5));
  return ds.alphabets.slice(-n);
}

export function splitOmniglot(ds: OmniglotDataset, o: OmniglotSplitOptions = {}): OmniglotSplit {
  const R = o.rotations ?? 1;
  let testChars: Set<number>;
  let heldOut: string[] = [];
  if ((o.by ?? 'alphabet') === 'alphabet') {
    heldOut = o.heldOut?.length ? o.heldOut : defaultHeldOut(ds);
    const unknown = heldOut.filter((a) => !ds.alphabets.includes(a));
    if (unknown.length) {
      throw new OmniglotError(
        `unknown alphabet${unknown.length > 1 ? 's' : ''} ${unknown.map((a) => `'${a}'`).join(', ')}: ` +
          `this set has ${ds.alphabets.join(', ')}`,
      );
    }
    testChars = new Set(ds.characters.flatMap((c, i) => (heldOut.includes(c.alphabet) ? [i] : [])));
  } else {
    const fraction = o.fraction ?? 0.2;
    if (!(fraction > 0 && fraction < 1))
      throw new OmniglotError(`held-out fraction must be in (0, 1), got ${fraction}`);
    const order = shuffled(ds.characters.length, o.seed ?? 1);
    testChars = new Set(order.slice(0, Math.max(1, Math.round(fraction * order.length))));
  }
  const train: number[] = [];
  const test: number[] = [];
  ds.characters.forEach((_, c) => {
    if (testChars.has(c)) test.push(c * R);
    else for (let r = 0; r < R; r++) train.push(c * R + r);
  });
  if (train.length === 0) {
    throw new OmniglotError(
      `every alphabet is held out (${heldOut.join(', ')}): nothing is left to train on`,
    );
  }
  return { train, test, heldOut, rotations: R };
}

/** A seeded permutation of 0..n-1 (mulberry32 + Fisher–Yates): the same split on every machine. */
function shuffled(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export interface EpisodeShape {
  ways: number;
  shots: number;
  /** Query images per class. */
  queries: number;
}

/** Refuses episodes a class pool cannot supply: too many ways, or more images per class than drawings. */
export function checkEpisodeShape(ds: OmniglotDataset, pool: number[], e: EpisodeShape, what: string): void {
  for (const [k, v] of Object.entries(e)) {
    if (!(Number.isInteger(v) && v >= 1)) throw new OmniglotError(`${k} must be an integer ≥ 1, got ${v}`);
  }
  if (e.ways > pool.length) {
    throw new OmniglotError(
      `${e.ways}-way episodes need ${e.ways} classes, but the ${what} has only ${pool.length}`,
    );
  }
  const fewest = Math.min(...ds.characters.map((c) => c.count));
  if (e.shots + e.queries > fewest) {
    throw new OmniglotError(
      `shots + queries = ${e.shots} + ${e.queries} = ${e.shots + e.queries} images per class, but a ` +
        `character has only ${fewest} drawings (one per drawer): lower shots or queries`,
    );
  }
}
