import { rng } from '../layout/random';
import type { ParamEntry } from '../layout/gru_layout';

/** Entries for named shapes laid out one after another from `base`. */
export function packEntries(dims: [string, number[]][], base: number): ParamEntry[] {
  let offset = base;
  return dims.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    offset += size;
    return { name, offset: offset - size, shape, size };
  });
}

/**
 * PyTorch's default initialisation for GRU and Linear weights, U(−1/√fan, 1/√fan), from a seeded generator
 * so that the same seed gives the same starting weights everywhere.
 */
export function initUniform(size: number, bound: number, seed: number): Float32Array {
  const rand = rng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rand() - 1) * bound;
  return out;
}

/** Slices a flat parameter read-back into named tensors (prefix + PyTorch name). */
export function namedSlices(
  flat: Float32Array,
  entries: ParamEntry[],
  prefix: string,
): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const e of entries) out[prefix + e.name] = flat.slice(e.offset, e.offset + e.size);
  return out;
}

/** Assembles a flat parameter buffer from named checkpoint tensors, checking each one's size. */
export function flatFromState(
  state: Record<string, Float32Array>,
  entries: ParamEntry[],
  size: number,
): Float32Array {
  const flat = new Float32Array(size);
  for (const e of entries) {
    const v = state[e.name];
    if (!v || v.length !== e.size) {
      throw new RangeError(
        `checkpoint tensor '${e.name}': expected ${e.size} values [${e.shape.join(', ')}], got ${v ? v.length : 'none'}`,
      );
    }
    flat.set(v, e.offset);
  }
  return flat;
}
