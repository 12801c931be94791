import { philox4x32 } from './philox';

export interface OmniglotEpisodeRef {
  /** Per step: image index · 4 + quarter turns. */
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
  e: { ways: number; shots: number; queries: number; rotations: number },
  data: { pool: number[]; starts: number[]; counts: number[] },
): OmniglotEpisodeRef {
  const { ways: N, shots: K, queries: Q, rotations: R } = e;
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
      labels[s] = c;
      if (k < K) slots[s + 1][c] = 1;
    }
  });
  return { codes, labels, slots, classes };
}
