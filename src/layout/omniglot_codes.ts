/**
 * Omniglot index arithmetic, shared by the GPU sampler's wrapper, the loader, the page and the float64
 * references: how a class's rotation maps pixels, how a shift is coded into an image code, and which classes,
 * drawings and label slots an episode's draws pick (the CPU twin of shaders/omniglot_tasks.wgsl).
 * Indices only: the pixel values themselves are read by the loader, the kernels and the references.
 */
import { philox4x32 } from './philox';

/**
 * Largest training-image shift in pixels (omniglot_tasks.wgsl codes a shift into each image code: (image · 4 +
 * turns) · (2 · shift + 1)², far below 2³² for OMNIGLOT_LIMITS.images in src/data/omniglot.ts).
 */
export const OMNIGLOT_MAX_SHIFT = 6;

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

export interface OmniglotEpisodeCodes {
  /** Per step: image index · 4 + quarter turns; with a shift, times span² plus dy · span + dx. */
  codes: number[];
  labels: number[];
  /** Per step, N values: the one-hot label slot of the GRU input. */
  slots: number[][];
  /** Pool entries (class ids) in label order. */
  classes: number[];
}

/**
 * One episode's draws as shaders/omniglot_tasks.wgsl makes them: the same Philox counters in the same order,
 * so the same classes, labels, steps and drawings.
 */
export function omniglotEpisodeCodes(
  rng: { seed: number; stream: number; step: number; task: number },
  e: { ways: number; shots: number; queries: number; rotations: number; shift?: number; paired?: boolean },
  data: { pool: number[]; starts: number[]; counts: number[] },
): OmniglotEpisodeCodes {
  const { ways: N, shots: K, queries: Q, rotations: R } = e;
  const shift = e.shift ?? 0;
  let draw = 0;
  const below = (n: number) => {
    const r = philox4x32([rng.task, draw++, rng.step, rng.stream], [rng.seed, 0x6f6d6e69])[0];
    return Number((BigInt(r) * BigInt(n)) >> 32n);
  };
  const floyd = (n: number, m: number) => {
    const out: number[] = [];
    for (let j = n - m; j < n; j++) {
      const t = below(j + 1);
      out.push(out.includes(t) ? j : t);
    }
    return out;
  };
  const shuffle = (a: number[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = below(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const P = data.pool.length;
  const cls = shuffle(floyd(P, N));
  const sPos = shuffle(Array.from({ length: N * K }, (_, i) => i));
  const qPos = shuffle(Array.from({ length: N * Q }, (_, i) => i));
  const T = N * (K + Q);
  const codes = new Array<number>(T);
  const labels = new Array<number>(T);
  const slots = Array.from({ length: T }, () => new Array<number>(N).fill(0));
  const classes = cls.map((c) => data.pool[c]);
  classes.forEach((id, c) => {
    const ch = Math.floor(id / R);
    const dr = shuffle(floyd(data.counts[ch], K + Q));
    for (let k = 0; k < K + Q; k++) {
      const s = k < K ? sPos[c * K + k] : N * K + qPos[c * Q + k - K];
      codes[s] = (data.starts[ch] + dr[k]) * 4 + (id % R);
      if (shift > 0) {
        const span = 2 * shift + 1;
        const r = philox4x32(
          [rng.task, (0x80000000 | s) >>> 0, rng.step, rng.stream],
          [rng.seed, 0x6f6d6e69],
        );
        const pick = (v: number) => Number((BigInt(v) * BigInt(span)) >> 32n);
        codes[s] = (codes[s] * span + pick(r[0])) * span + pick(r[1]);
      }
      labels[s] = e.paired && k < K ? -1 : c;
      if (k < K) slots[e.paired ? s : s + 1][c] = 1;
    }
  });
  return { codes, labels, slots, classes };
}
