/**
 * The user's own images for a trained Omniglot classifier: PNG or JPEG, any size, colour or grey, dark ink on
 * light paper or light on dark, with or without alpha, turned into what the model was trained on (28×28,
 * ink = 1, paper = 0, area-averaged like src/data/omniglot.ts). Pure: the CLI reads files (image_folder.ts),
 * the page hands over bytes.
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { InputError } from '../runtime/errors';
import { areaWeights, resample } from './omniglot_image';
import { decodePngChunks, readPngChunks } from './png';

/** A decoded image: luminance in [0, 1] (0 black, 1 white), row-major, alpha composited over white. */
export interface GrayImage {
  width: number;
  height: number;
  gray: Float32Array;
}

/** Largest image decoded (width × height): jpeg-js's own default, and 400 MB as float luminance. */
export const MAX_IMAGE_PIXELS = 100_000_000;
/**
 * Ink must stand this far above the paper level (on a 0–1 scale) to count as a stroke: above JPEG ringing
 * and paper texture, so that a blank scan is blank rather than its noise stretched to full contrast.
 */
const MIN_CONTRAST = 0.05;
/** The strongest ink is this quantile of the stroke pixels, so that a speck does not decide the scale. */
const INK_QUANTILE = 0.99;
/** Quantiles come from a histogram (1/4096 of the range), not a sort: a 100 MP image has 100 M pixels. */
const BINS = 4096;

const isPng = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
/** A library's message on one line (the error it came with is not shown to the user). */
const why = (e: unknown) => String(e instanceof Error ? e.message : e).replace(/\s+/g, ' ');

/** PNG or JPEG bytes (told apart by their magic bytes, not the file name) as luminance in [0, 1]. */
export function decodeImage(bytes: Uint8Array, file: string): GrayImage {
  if (isPng(bytes)) return decodePngGray(bytes, file);
  if (isJpeg(bytes)) return decodeJpegGray(bytes, file);
  throw new InputError(`${file}: not a PNG or JPEG image`);
}

function checkSize(width: number, height: number, file: string, format: string): void {
  if (width === 0 || height === 0) throw new InputError(`${file}: an empty ${format} (${width}×${height})`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new InputError(
      `${file}: a ${width}×${height} ${format}, over the cap of ${MAX_IMAGE_PIXELS / 1e6} megapixels: ` +
        'scale it down first',
    );
  }
}

function decodePngGray(bytes: Uint8Array, file: string): GrayImage {
  let png;
  try {
    png = readPngChunks(bytes);
  } catch (e) {
    throw unreadablePng(file, e);
  }
  checkSize(png.header.width, png.header.height, file, 'PNG');
  try {
    png = decodePngChunks(png);
  } catch (e) {
    throw unreadablePng(file, e);
  }
  const { data, depth, channels, palette, transparency, width: w, height: h } = png;
  const max = 2 ** depth - 1;
  const rowBytes = Math.ceil((w * channels * depth) / 8);
  // Samples of < 8 bits stay packed, most significant first, each row starting on a byte.
  const sample = (y: number, i: number) => {
    if (depth >= 8) return data[y * w * channels + i];
    const bit = i * depth;
    return (data[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
  };
  // tRNS on a grey or RGB image names one colour (in raw samples) that is fully transparent.
  const key = !palette && transparency?.length ? transparency : null;
  const rgb = channels >= 3;
  const alpha = channels === 2 || channels === 4;
  const gray = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = x * channels;
      let lum: number;
      let a = 1;
      if (palette) {
        // An index past the palette is an error in the specification; read as black rather than refused.
        const c = palette[sample(y, i)] ?? [0, 0, 0];
        lum = (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255;
        a = (c[3] ?? 255) / 255;
      } else if (rgb) {
        const [r, g, b] = [sample(y, i), sample(y, i + 1), sample(y, i + 2)];
        lum = (0.299 * r + 0.587 * g + 0.114 * b) / max;
        if (key && r === key[0] && g === key[1] && b === key[2]) a = 0;
      } else {
        const v = sample(y, i);
        lum = v / max;
        if (key && v === key[0]) a = 0;
      }
      if (alpha) a = sample(y, i + channels - 1) / max;
      gray[y * w + x] = a * lum + (1 - a);
    }
  }
  return { width: w, height: h, gray };
}

/** PngError says "is not a readable PNG (…)"; anything else thrown while decoding is worded the same. */
const unreadablePng = (file: string, e: unknown) =>
  new InputError(
    `${file}: ${e instanceof InputError ? why(e).replace(/^is /, '') : `not a readable PNG (${why(e)})`}`,
  );

function decodeJpegGray(bytes: Uint8Array, file: string): GrayImage {
  let jpeg;
  try {
    jpeg = decodeJpeg(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      maxMemoryUsageInMB: 512,
    });
  } catch (e) {
    // jpeg-js throws Errors, strings, or a TypeError from deep inside on some damaged files.
    throw new InputError(`${file}: not a readable JPEG (${why(e)})`);
  }
  const { width, height, data } = jpeg;
  checkSize(width, height, file, 'JPEG');
  if (data.length !== width * height * 4) {
    throw new InputError(
      `${file}: not a readable JPEG (decoded ${data.length} bytes for ${width}×${height})`,
    );
  }
  const gray = new Float32Array(width * height);
  for (let p = 0; p < gray.length; p++) {
    gray[p] = (0.299 * data[4 * p] + 0.587 * data[4 * p + 1] + 0.114 * data[4 * p + 2]) / 255;
  }
  return { width, height, gray };
}

/**
 * Luminance → an Omniglot-like `size`×`size` image (ink = 1, paper = 0).
 * - Polarity: the border is mostly paper, so a light border (mean > 0.5) means dark ink, ink = 1 − gray.
 * - Contrast: the paper level (median of the border's ink) maps to 0 and the strongest ink (INK_QUANTILE of
 *   the pixels at least MIN_CONTRAST above paper) to 1, clamped; with no such pixel the image is blank (zeros).
 * - Shape: a non-square image is padded to a square with paper, centred, then area-averaged like Omniglot's
 *   105×105 → 28×28 (the padding is folded into the weights, never allocated).
 */
export function inkImage(gray: Float32Array, width: number, height: number, size = 28): Float32Array {
  if (!(width >= 1 && height >= 1 && gray.length === width * height)) {
    throw new InputError(`inkImage: ${gray.length} pixels given for a ${width}×${height} image`);
  }
  let ring = 0;
  let mean = 0;
  forBorder(width, height, (p) => {
    mean += gray[p];
    ring++;
  });
  const flip = mean / ring > 0.5;
  const ink = (v: number) => (flip ? 1 - v : v);

  const paperBins = new Uint32Array(BINS);
  forBorder(width, height, (p) => paperBins[bin(ink(gray[p]))]++);
  // Upper edge of the paper's bin and lower edge of the ink's: both levels then map exactly to 0 and 1.
  const paper = (quantileBin(paperBins, ring, 0.5) + 1) / BINS;
  const inkBins = new Uint32Array(BINS);
  let strokes = 0;
  for (let p = 0; p < gray.length; p++) {
    const v = ink(gray[p]);
    if (v > paper + MIN_CONTRAST) {
      inkBins[bin(v)]++;
      strokes++;
    }
  }
  if (!strokes) return new Float32Array(size * size);
  const top = quantileBin(inkBins, strokes, INK_QUANTILE) / BINS; // > paper + MIN_CONTRAST − 1/BINS
  const stretched = new Float32Array(gray.length);
  for (let p = 0; p < gray.length; p++) {
    stretched[p] = Math.min(1, Math.max(0, (ink(gray[p]) - paper) / (top - paper)));
  }
  const side = Math.max(width, height);
  return resample(stretched, width, paddedWeights(width, side, size), paddedWeights(height, side, size));
}

/** PNG or JPEG bytes → a `size`×`size` Omniglot-like image: decodeImage, then inkImage. */
export function userImage(bytes: Uint8Array, file: string, size = 28): Float32Array {
  const { width, height, gray } = decodeImage(bytes, file);
  return inkImage(gray, width, height, size);
}

const bin = (v: number) => Math.min(BINS - 1, Math.max(0, Math.floor(v * BINS)));

/** The bin holding the value of rank ⌊q·(count − 1)⌋ (0-based) in a histogram of `count` values. */
function quantileBin(bins: Uint32Array, count: number, q: number): number {
  const rank = Math.floor(q * (count - 1));
  let seen = 0;
  for (let b = 0; b < bins.length; b++) {
    seen += bins[b];
    if (seen > rank) return b;
  }
  return bins.length - 1;
}

/** Calls `f` with the index of each outermost pixel, once each (a 1-pixel-high image is all border). */
function forBorder(width: number, height: number, f: (p: number) => void): void {
  for (let x = 0; x < width; x++) f(x);
  if (height > 1) for (let x = 0; x < width; x++) f((height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) {
    f(y * width);
    if (width > 1) f(y * width + width - 1);
  }
}

/**
 * areaWeights from a `side`-long padded axis to `size`, with the `n` real pixels at offset ⌊(side − n)/2⌋:
 * padding is paper (0) after the stretch, so its weights are dropped and the rest re-indexed from the image.
 */
function paddedWeights(n: number, side: number, size: number): { first: number; w: number[] }[] {
  const offset = Math.floor((side - n) / 2);
  return areaWeights(side, size).map(({ first, w }) => {
    const from = Math.max(0, offset - first);
    const to = Math.min(w.length, offset + n - first);
    return to > from ? { first: first + from - offset, w: w.slice(from, to) } : { first: 0, w: [] };
  });
}
