import { omniglotPixel } from '../data/omniglot';
import { philox4x32 } from './philox';

export interface OmniglotEpisodeRef {
  /** Per step: image index · 4 + quarter turns; with a shift, times span² plus dy · span + dx. */
  codes: number[];
  labels: number[];
  /** Per step, N values: the one-hot label slot of the GRU input. */
  slots: number[][];
  /** Pool entries (class ids) in label order. */
  classes: number[];
}

/**
 * CPU twin of shaders/omniglot_tasks.wgsl for one episode: the same Philox counters in the same order, so
 * the same classes, labels, steps and drawings.
 */
export function omniglotEpisodeRef(
  rng: { seed: number; stream: number; step: number; task: number },
  e: { ways: number; shots: number; queries: number; rotations: number; shift?: number; paired?: boolean },
  data: { pool: number[]; starts: number[]; counts: number[] },
): OmniglotEpisodeRef {
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

/** Pixel (y, x) of the image a code names (see omniglotEpisodeRef), turned and shifted as the gather kernel does. */
export function omniglotCodePixel(
  images: ArrayLike<number>,
  size: number,
  code: number,
  shift: number,
  y: number,
  x: number,
): number {
  const span = 2 * shift + 1;
  const base = Math.floor(code / (span * span));
  const sy = y + shift - (Math.floor(code / span) % span);
  const sx = x + shift - (code % span);
  if (sy < 0 || sy >= size || sx < 0 || sx >= size) return 0;
  const image = Array.prototype.slice.call(
    images,
    Math.floor(base / 4) * size * size,
    (Math.floor(base / 4) + 1) * size * size,
  );
  return omniglotPixel(image, size, base % 4, sy, sx);
}
