/**
 * Omniglot (Lake, Salakhutdinov & Tenenbaum, Science 2015) from its distribution zips, in pure TypeScript so
 * that the CLI (Node) and the page load the same way: the caller hands over the zip's bytes.
 * Layout: `[<root>/]<Alphabet>/characterNN/<id>_<drawer>.png`, 105×105 1-bit PNGs, black ink on white (PNGs
 * of other sizes and formats are read too). Images are area-averaged per axis to 28×28 floats in [0, 1] with
 * ink = 1, stored character by character, each character's drawings sorted by drawer. Classes are
 * characters; rotations by 90° add three more classes per character (Santoro et al. 2016; Vinyals et al.
 * 2016) without storing rotated copies: a class id is `character * rotations + quarterTurns`, and samplers
 * rotate while reading (see omniglotPixel in src/layout/omniglot_codes.ts).
 */
import { InputError } from '../runtime/errors';
import { areaWeights, resample } from './omniglot_image';
import { decodePngChunks, PngError, readPngChunks } from './png';
import { unzipChecked, ZipError, type ZipEntry } from './zip';

/** Bad Omniglot input: a missing or corrupt file, a wrong layout, a wrong image, an impossible episode. */
export class OmniglotError extends InputError {
  override name = 'OmniglotError';
}

/** Output side length: 28×28, the size used since Vinyals et al. 2016 and Santoro et al. 2016 (20×20). */
const OMNIGLOT_SIZE = 28;
/**
 * Caps checked before anything is decompressed or allocated: the full 50-alphabet set has 32,460 images of
 * under 1 KB each (about 8 MB in all). `pngBytes` caps one entry's compressed and declared sizes,
 * `totalBytes` their sum over the entries kept, so that entries sharing one compressed stream or declaring
 * sizes just under the per-entry cap cannot add up to gigabytes. `pixels` caps one image's declared
 * width × height (Omniglot's are 105 × 105) before its float copy (4 bytes a pixel) is allocated.
 */
export const OMNIGLOT_LIMITS = {
  files: 100_000,
  images: 40_000,
  pngBytes: 1 << 20,
  totalBytes: 64 << 20,
  pixels: 4096 * 4096,
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
  /** Output side length (28). */
  size?: number;
  /** Named in messages (a path, or 'the zip'). */
  name?: string;
  /** Called after the zip is read (done 0) and then every 64 images decoded: a page shows it as progress. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * What a data set holds before any image is decoded: its classes, their drawers and the order of its images,
 * all from the zip's listing. The CLI checks a split against it before a browser starts (cli/task_data.ts).
 */
export type OmniglotIndex = Omit<OmniglotDataset, 'size' | 'images'>;

/** A class as a layout finds it: its images' paths in the order they are stored, and their drawers. */
export interface ClassFiles {
  alphabet: string;
  name: string;
  files: string[];
  drawers: number[];
}

/** Reads an Omniglot zip (images_background*.zip / images_evaluation.zip) into memory. */
export function loadOmniglot(zip: Uint8Array, options: OmniglotLoadOptions = {}): OmniglotDataset {
  const name = options.name ?? 'the zip';
  const size = options.size ?? OMNIGLOT_SIZE;
  const files = unzipImages(zip, name);
  const { index, paths } = indexClasses(omniglotClasses(Object.keys(files), name));
  const pixels = size * size;
  const images = new Float32Array(index.imageCount * pixels);
  options.onProgress?.(0, index.imageCount);
  paths.forEach((f, at) => {
    omniglotImageFromPng(files[f], f, { name, size }, images.subarray(at * pixels, (at + 1) * pixels));
    if ((at + 1) % 64 === 0 || at + 1 === index.imageCount) options.onProgress?.(at + 1, index.imageCount);
  });
  return { size, images, ...index };
}

/** loadOmniglot's data set without its images: the zip's listing only, nothing inflated or decoded. */
export function indexOmniglot(
  zip: Uint8Array,
  options: Pick<OmniglotLoadOptions, 'name'> = {},
): OmniglotIndex {
  const name = options.name ?? 'the zip';
  return indexClasses(omniglotClasses(listImages(zip, name), name)).index;
}

/** The characters of an Omniglot zip's PNG paths, each with its drawings sorted by drawer. */
function omniglotClasses(paths: string[], name: string): ClassFiles[] {
  // Strict about the character folder's name: a zip of another layout (e.g. the one-shot runs,
  // runNN/training/classNN.png) fails here with a clear message instead of loading as nonsense classes.
  const misplaced = paths.find((p) => {
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
  for (const path of paths) {
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
  return [...byCharacter.values()].map((g) => {
    const sorted = g.files.map((f) => ({ f, drawer: drawerOf(f) })).sort((a, b) => a.drawer - b.drawer);
    return { ...g, files: sorted.map((s) => s.f), drawers: sorted.map((s) => s.drawer) };
  });
}

/** Classes sorted as a data set holds them (by alphabet, then name), and the path of each image in order. */
export function indexClasses(classes: ClassFiles[]): { index: OmniglotIndex; paths: string[] } {
  const sorted = [...classes].sort(compareCharacters);
  const paths = sorted.flatMap((c) => c.files);
  const drawers = Uint16Array.from(sorted.flatMap((c) => c.drawers));
  const characters: OmniglotCharacter[] = [];
  let at = 0;
  for (const c of sorted) {
    characters.push({ alphabet: c.alphabet, name: c.name, start: at, count: c.files.length });
    at += c.files.length;
  }
  const alphabets = [...new Set(characters.map((c) => c.alphabet))].sort(compare);
  return { index: { imageCount: at, drawers, alphabets, characters }, paths };
}

/**
 * One PNG as an Omniglot image: size check, decode, ink = 1, area-averaged per axis from its width×height to
 * `size`² (28²). Training images and the one-shot runs' images both come through here, so that a model sees
 * the same resampling at test time as in training.
 */
export function omniglotImageFromPng(
  bytes: Uint8Array,
  path: string,
  options: OmniglotLoadOptions = {},
  out?: Float32Array,
): Float32Array {
  const size = options.size ?? OMNIGLOT_SIZE;
  const { ink, width, height } = decodeInk(bytes, path, options.name ?? 'the zip');
  return resample(ink, width, weightsFor(width, size), weightsFor(height, size), out);
}

/** areaWeights(n, m), computed once per pair (every image of a data set usually shares one). */
const weightTables = new Map<string, ReturnType<typeof areaWeights>>();
function weightsFor(n: number, m: number): ReturnType<typeof areaWeights> {
  const key = `${n}x${m}`;
  let w = weightTables.get(key);
  if (!w) weightTables.set(key, (w = areaWeights(n, m)));
  return w;
}

/**
 * decodeInk's output, kept between calls (a browser allocates typed arrays several times slower than Node);
 * the ink it returns is a view of it, valid until the next call.
 */
let inkScratch = new Float32Array(0);

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The order of OmniglotDataset.characters: by alphabet, then by folder name. */
export const compareCharacters = (
  a: { alphabet: string; name: string },
  b: { alphabet: string; name: string },
): number => (a.alphabet === b.alphabet ? compare(a.name, b.name) : compare(a.alphabet, b.alphabet));

const isPng = (p: string) => p.toLowerCase().endsWith('.png');

/** Unzips the entries `keep` selects (.png by default), refusing oversized archives before inflating anything. */
export function unzipImages(
  zip: Uint8Array,
  name: string,
  keep: (path: string) => boolean = isPng,
): Record<string, Uint8Array> {
  return readZip(zip, name, imageFilter(name, keep));
}

/** The paths unzipImages would return, in its order and with its caps, from the listing: nothing inflated. */
export function listImages(zip: Uint8Array, name: string, keep: (path: string) => boolean = isPng): string[] {
  const filter = imageFilter(name, keep);
  const paths = new Set<string>();
  readZip(zip, name, (e) => {
    if (filter(e)) paths.add(e.name);
    return false;
  });
  return [...paths];
}

/** The entries an image loader keeps, counted against OMNIGLOT_LIMITS as the listing is read. */
function imageFilter(name: string, keep: (path: string) => boolean): (f: ZipEntry) => boolean {
  let entries = 0;
  let images = 0;
  let total = 0;
  return (f: ZipEntry) => {
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
}

function readZip(zip: Uint8Array, name: string, keep: (f: ZipEntry) => boolean): Record<string, Uint8Array> {
  try {
    return unzipChecked(zip, keep);
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

/**
 * Ink in [0, 1] per source pixel (1 − luminance; transparent counts as white). Checks the size first. The ink
 * is a view of inkScratch: read it before the next call.
 */
function decodeInk(
  bytes: Uint8Array,
  path: string,
  name: string,
): { ink: Float32Array; width: number; height: number } {
  // Signature (8 bytes) and IHDR (25): anything shorter cannot be a PNG.
  if (bytes.length < 33) throw new OmniglotError(`${name}: '${path}' is not a PNG (${bytes.length} bytes)`);
  let png;
  try {
    const chunks = readPngChunks(bytes);
    checkImageSize(chunks.header.width, chunks.header.height, path, name);
    png = decodePngChunks(chunks);
  } catch (e) {
    if (e instanceof PngError) throw new OmniglotError(`${name}: '${path}' ${e.message}`);
    throw e;
  }
  const { data, depth, channels, palette, width: w, height: h } = png;
  if (inkScratch.length < w * h) inkScratch = new Float32Array(w * h);
  const ink = inkScratch.subarray(0, w * h);
  const rowBytes = Math.ceil((w * channels * depth) / 8);
  if (depth === 1 && channels === 1 && !palette) {
    // Omniglot's own format: one bit per pixel, most significant first, 1 = white.
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) ink[y * w + x] = 1 - ((data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1);
    return { ink, width: w, height: h };
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
  return { ink, width: w, height: h };
}

/** Any size is resampled, but an empty image has nothing to average and a huge one would cost gigabytes. */
function checkImageSize(width: number, height: number, path: string, name: string): void {
  if (width === 0 || height === 0) {
    throw new OmniglotError(
      `${name}: '${path}' is ${width}×${height}: an empty image (Omniglot's are 105×105)`,
    );
  }
  if (width * height > OMNIGLOT_LIMITS.pixels) {
    const cap = Math.sqrt(OMNIGLOT_LIMITS.pixels);
    throw new OmniglotError(
      `${name}: '${path}' is ${width}×${height}, over the cap of ${OMNIGLOT_LIMITS.pixels} pixels ` +
        `(${cap}×${cap}); Omniglot's are 105×105: scale it down before loading`,
    );
  }
}
