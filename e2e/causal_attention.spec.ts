import type { Page } from '@playwright/test';
import { causalAttentionBackwardRef, causalAttentionRef } from '../src/reference/causal_attention';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

interface Shape {
  batch: number;
  steps: number;
  keyDim: number;
  valueDim: number;
  scale?: number;
}

/** Where an operand lives: a named buffer, an element offset, a row stride (default: its width). */
type Place = [buffer: string, offset: number, stride?: number];
type Name = 'q' | 'k' | 'v' | 'o' | 'lse' | 'dO' | 'dq' | 'dk' | 'dv';

/**
 * Runs the forward, then one backward per entry of `backward` (its accumulate flag), in one submit. Buffers
 * given as numbers are that many elements poisoned with NaN; all come back as read after the run.
 */
function attend(
  page: Page,
  a: { s: Shape; buffers: Record<string, number[] | number>; at: Record<Name, Place>; backward: boolean[] },
): Promise<Record<string, number[]>> {
  return page.evaluate(async ({ s, buffers, at, backward }) => {
    const h = window.harness;
    const t: Record<string, Awaited<ReturnType<typeof h.tensor>>> = {};
    for (const [name, b] of Object.entries(buffers))
      t[name] = typeof b === 'number' ? await h.tensor([b]) : await h.tensor([b.length], b);
    const op = (n: Name) => t[at[n][0]].view(at[n][1], [1]);
    const stride = (n: Name) => at[n][2];
    const ops = {
      q: op('q'), qStride: stride('q'), k: op('k'), kStride: stride('k'), v: op('v'), vStride: stride('v'),
      o: op('o'), oStride: stride('o'), lse: op('lse'), dO: op('dO'), dOStride: stride('dO'),
      dq: op('dq'), dqStride: stride('dq'), dk: op('dk'), dkStride: stride('dk'), dv: op('dv'), dvStride: stride('dv'),
    }; // prettier-ignore
    await h.run((rec) => {
      h.lib.causalAttentionForward(rec, s, ops);
      for (const accumulate of backward) h.lib.causalAttentionBackward(rec, s, ops, accumulate);
    });
    const out: Record<string, number[]> = {};
    for (const name of Object.keys(buffers)) out[name] = await h.read(t[name]);
    return out;
  }, a);
}

/** `rows` rows of `width` starting at `offset`, `stride` apart, as one contiguous array. */
const rowsOf = (x: number[], offset: number, stride: number, width: number, rows: number) =>
  Array.from({ length: rows }, (_, r) => x.slice(offset + r * stride, offset + r * stride + width)).flat();

/**
 * Fresh inputs; with `shift`, query column 0 is `shift` and key column 0 is 1, which adds `shift · scale` to
 * every score: softmax ignores it, but exp of an unshifted score would overflow f32 (above ~88).
 */
function inputs(seed: number, s: Shape, shift = 0) {
  const rand = rng(seed);
  const n = s.batch * s.steps;
  const q = uniform(rand, n * s.keyDim);
  const k = uniform(rand, n * s.keyDim);
  if (shift) {
    for (let r = 0; r < n; r++) {
      q[r * s.keyDim] = shift;
      k[r * s.keyDim] = 1;
    }
  }
  return { q, k, v: uniform(rand, n * s.valueDim), dO: uniform(rand, n * s.valueDim) };
}

function reference(x: ReturnType<typeof inputs>, s: Shape) {
  const { o, lse } = causalAttentionRef(x.q, x.k, x.v, s);
  return { o, lse, ...causalAttentionBackwardRef(x.q, x.k, x.v, o, lse, x.dO, s) };
}

const SHAPES: { s: Shape; shift?: number }[] = [
  { s: { batch: 3, steps: 7, keyDim: 4, valueDim: 5 } },
  { s: { batch: 2, steps: 1, keyDim: 8, valueDim: 3 } },
  { s: { batch: 2, steps: 33, keyDim: 8, valueDim: 3, scale: 1 }, shift: 100 },
  // More steps than a workgroup has invocations, and keyDim + valueDim > 64 columns in the key pass.
  { s: { batch: 1, steps: 70, keyDim: 40, valueDim: 30 } },
];

for (const { s, shift } of SHAPES) {
  const name = `B ${s.batch}, T ${s.steps}, D ${s.keyDim}, V ${s.valueDim}${shift ? `, scores + ${shift}` : ''}`;
  test(`causal_attention forward and backward match the float64 reference on fresh inputs (${name})`, async ({
    gpu,
  }) => {
    const x = inputs(Date.now() % 100000, s, shift);
    const n = s.batch * s.steps;
    const [D, V] = [s.keyDim, s.valueDim];
    const out = await attend(gpu, {
      s,
      buffers: { q: x.q, k: x.k, v: x.v, dO: x.dO, o: n * V, lse: n, dq: n * D, dk: n * D, dv: n * V },
      at: {
        q: ['q', 0], k: ['k', 0], v: ['v', 0], o: ['o', 0], lse: ['lse', 0], dO: ['dO', 0],
        dq: ['dq', 0], dk: ['dk', 0], dv: ['dv', 0],
      }, // prettier-ignore
      backward: [false],
    });
    const want = reference(x, s);
    for (const key of ['o', 'lse', 'dq', 'dk', 'dv'] as const) expectClose(out[key], want[key], key);
  });
}

test('causal_attention reads and writes column blocks of shared matrices, and accumulates gradients', async ({
  gpu,
}) => {
  const s = { batch: 3, steps: 7, keyDim: 4, valueDim: 5 };
  const [n, D, V] = [s.batch * s.steps, s.keyDim, s.valueDim];
  const x = inputs(Date.now() % 100000, s);
  // One projection output [n, V | D | D | gap] from element 3; gradients [n, D | V | D | gap] from element 4,
  // poisoned: the first backward writes, the second adds, so dq, dk, dv come back doubled and gaps NaN.
  const W = 2 * D + V + 1;
  const proj = new Array<number>(3 + n * W).fill(NaN);
  for (let r = 0; r < n; r++) {
    const row = [
      ...x.v.slice(r * V, (r + 1) * V),
      ...x.q.slice(r * D, (r + 1) * D),
      ...x.k.slice(r * D, (r + 1) * D),
    ];
    row.forEach((y, c) => (proj[3 + r * W + c] = y));
  }
  const dO = new Array<number>(2 + n * (V + 1)).fill(0);
  for (let r = 0; r < n; r++) x.dO.slice(r * V, (r + 1) * V).forEach((y, c) => (dO[2 + r * (V + 1) + c] = y));
  const out = await attend(gpu, {
    s,
    buffers: { proj, dO, o: 1 + n * (V + 2), lse: 5 + n, grad: 4 + n * W },
    at: {
      v: ['proj', 3, W], q: ['proj', 3 + V, W], k: ['proj', 3 + V + D, W],
      o: ['o', 1, V + 2], lse: ['lse', 5], dO: ['dO', 2, V + 1],
      dk: ['grad', 4, W], dv: ['grad', 4 + D, W], dq: ['grad', 4 + D + V, W],
    }, // prettier-ignore
    backward: [false, true],
  });
  const want = reference(x, s);
  const twice = (a: number[]) => a.map((y) => 2 * y);
  expectClose(rowsOf(out.o, 1, V + 2, V, n), want.o, 'o');
  expectClose(out.lse.slice(5), want.lse, 'lse');
  expectClose(rowsOf(out.grad, 4, W, D, n), twice(want.dk), 'dk');
  expectClose(rowsOf(out.grad, 4 + D, W, V, n), twice(want.dv), 'dv');
  expectClose(rowsOf(out.grad, 4 + D + V, W, D, n), twice(want.dq), 'dq');
  expect(rowsOf(out.o, 1 + V, V + 2, 2, n).every(Number.isNaN), 'o gap columns untouched').toBe(true);
  expect(rowsOf(out.grad, 4 + W - 1, W, 1, n).every(Number.isNaN), 'gradient gap column untouched').toBe(
    true,
  );
});

test('causal_attention output and dq at step t do not change when later steps change (GPU)', async ({
  gpu,
}) => {
  const s = { batch: 2, steps: 9, keyDim: 4, valueDim: 3 };
  const [n, D, V, last] = [s.batch * s.steps, s.keyDim, s.valueDim, 4];
  const a = inputs(Date.now() % 100000, s);
  const fresh = inputs((Date.now() % 100000) + 1, s);
  // b: a with every step after `last` of every episode (q, k, v and dO) drawn afresh.
  const later = (r: number) => r % s.steps > last;
  const mix = (x: number[], y: number[], w: number) => x.map((v, i) => (later(Math.floor(i / w)) ? y[i] : v));
  const b = {
    q: mix(a.q, fresh.q, D),
    k: mix(a.k, fresh.k, D),
    v: mix(a.v, fresh.v, V),
    dO: mix(a.dO, fresh.dO, V),
  };
  const run = (x: typeof a) =>
    attend(gpu, {
      s,
      buffers: { ...x, o: n * V, lse: n, dq: n * D, dk: n * D, dv: n * V },
      at: {
        q: ['q', 0], k: ['k', 0], v: ['v', 0], o: ['o', 0], lse: ['lse', 0], dO: ['dO', 0],
        dq: ['dq', 0], dk: ['dk', 0], dv: ['dv', 0],
      }, // prettier-ignore
      backward: [false],
    });
  const [ra, rb] = [await run(a), await run(b)];
  const early = (x: number[], w: number) => x.filter((_, i) => !later(Math.floor(i / w)));
  const late = (x: number[], w: number) => x.filter((_, i) => later(Math.floor(i / w)));
  expect(early(rb.o, V)).toEqual(early(ra.o, V));
  expect(early(rb.lse, 1)).toEqual(early(ra.lse, 1));
  expect(early(rb.dq, D)).toEqual(early(ra.dq, D));
  expect(late(rb.o, V)).not.toEqual(late(ra.o, V)); // the later steps did change, so the check has teeth
});

test('causal_attention refuses operands past their buffer and a pass that reads what it writes', async ({
  gpu,
}) => {
  const messages = await gpu.evaluate(async () => {
    const h = window.harness;
    const s = { batch: 2, steps: 3, keyDim: 2, valueDim: 2 };
    const x = await h.tensor([12]);
    const o = await h.tensor([12]);
    const lse = await h.tensor([6]);
    const tries = [
      { q: x, k: x, v: x.view(1, [12]), o, lse }, // v's last row ends one element past x
      { q: x, k: x, v: x, o: x, lse }, // o shares q's buffer
      { q: x, k: x, v: x, o, oStride: 1, lse },
    ];
    const out: string[] = [];
    for (const t of tries) {
      try {
        await h.run((rec) => h.lib.causalAttentionForward(rec, s, t));
        out.push('accepted');
      } catch (e) {
        out.push((e as Error).message);
      }
    }
    return out;
  });
  expect(messages[0]).toContain('v needs 13 elements');
  expect(messages[1]).toContain('o must not share a buffer with q');
  expect(messages[2]).toContain('o row stride must be an integer ≥ 2, got 1');
});

test('causal_attention backward reference is the gradient of its forward (central differences, float64)', () => {
  const s = { batch: 2, steps: 4, keyDim: 3, valueDim: 2 };
  const x = inputs(11, s);
  // L = Σ dO · o, so ∂L/∂(q, k, v) is what the backward returns for this dO.
  const loss = (q: number[], k: number[], v: number[]) =>
    causalAttentionRef(q, k, v, s).o.reduce((a, y, i) => a + y * x.dO[i], 0);
  const g = reference(x, s);
  const h = 1e-6;
  for (const [name, grad] of [
    ['q', g.dq],
    ['k', g.dk],
    ['v', g.dv],
  ] as const) {
    x[name].forEach((_, i) => {
      const at = (d: number) => {
        const y = { ...x, [name]: x[name].slice() };
        y[name][i] += d;
        return loss(y.q, y.k, y.v);
      };
      expect(Math.abs((at(h) - at(-h)) / (2 * h) - grad[i]), `${name}[${i}]`).toBeLessThan(1e-6);
    });
  }
});
