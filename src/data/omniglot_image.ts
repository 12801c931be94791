/**
 * Omniglot images as arrays: area resampling from the distributed 105×105 (or any width×height) to the stored
 * 28×28, and one class's drawing read out upright or turned (the rotated classes are never stored, see
 * src/data/omniglot.ts).
 */
import { omniglotPixel } from '../layout/omniglot_codes';
import type { OmniglotDataset } from './omniglot';

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

/**
 * The float64 intermediate of resample, kept between calls: a browser allocates a typed array several times
 * slower than Node (its backing store lives outside the JS heap), and a data set resamples thousands of images.
 */
let rowsScratch = new Float64Array(0);

/**
 * Separable area resampling of a width×height image (row-major; height = src.length / width) to
 * xWeights.length × yWeights.length: rows first, then columns, through a float64 intermediate. With one
 * weight table for both axes this is the square case that every 105×105 Omniglot image goes through.
 * Writes into `out` when given (e.g. the image's place in a data set), else into a new array.
 */
export function resample(
  src: Float32Array,
  width: number,
  xWeights: { first: number; w: number[] }[],
  yWeights: { first: number; w: number[] }[] = xWeights,
  out: Float32Array = new Float32Array(xWeights.length * yWeights.length),
): Float32Array {
  const height = src.length / width;
  const mx = xWeights.length;
  const my = yWeights.length;
  if (out.length !== my * mx) throw new Error(`resample: out holds ${out.length} values, not ${my}×${mx}`);
  if (rowsScratch.length < height * mx) rowsScratch = new Float64Array(height * mx);
  const rows = rowsScratch; // [height source rows, mx output columns]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < mx; x++) {
      const { first, w } = xWeights[x];
      let s = 0;
      for (let k = 0; k < w.length; k++) s += w[k] * src[y * width + first + k];
      rows[y * mx + x] = s;
    }
  }
  for (let y = 0; y < my; y++) {
    const { first, w } = yWeights[y];
    for (let x = 0; x < mx; x++) {
      let s = 0;
      for (let k = 0; k < w.length; k++) s += w[k] * rows[(first + k) * mx + x];
      out[y * mx + x] = s;
    }
  }
  return out;
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
