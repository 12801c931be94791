import { col2imRef, im2colRef } from '../src/reference/im2col';
import { convOut, type Im2colShape } from '../src/layout/conv_shape';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

const SHAPES: Im2colShape[] = [
  { batch: 2, height: 7, width: 7, channels: 3, stride: 2 }, // 7 → 4: the last patch hangs over the edge
  { batch: 3, height: 6, width: 5, channels: 2, stride: 1 },
  { batch: 1, height: 28, width: 28, channels: 1, stride: 2 },
];

const colsSize = (s: Im2colShape) =>
  s.batch * convOut(s.height, s.stride) * convOut(s.width, s.stride) * s.channels * 9;

test('im2col and col2im match the float64 reference on fresh inputs', async ({ gpu }) => {
  const rand = rng(Date.now() % 100000);
  const cases = SHAPES.map((s) => ({
    s,
    x: uniform(rand, s.batch * s.height * s.width * s.channels),
    d: uniform(rand, colsSize(s)),
  }));
  const out = await gpu.evaluate(async (cases) => {
    const h = window.harness;
    const res = [];
    for (const { s, x, d } of cases) {
      const tx = await h.tensor([1 + x.length], [0, ...x]);
      const cols = await h.tensor([2 + d.length]); // poisoned: every element must be written
      const td = await h.tensor([d.length], d);
      const dx = await h.tensor([3 + x.length]);
      await h.run((rec) => {
        h.lib.im2col(rec, s, { x: tx.view(1, [x.length]), cols: cols.view(2, [d.length]) });
        h.lib.col2im(rec, s, { dCols: td, dx: dx.view(3, [x.length]) });
      });
      res.push({ cols: (await h.read(cols)).slice(2), dx: (await h.read(dx)).slice(3) });
    }
    return res;
  }, cases);
  cases.forEach(({ s, x, d }, i) => {
    expectClose(out[i].cols, im2colRef(x, s), `im2col ${JSON.stringify(s)}`);
    expectClose(out[i].dx, col2imRef(d, s), `col2im ${JSON.stringify(s)}`);
  });
});

test('col2im reference is the gradient of im2col (central differences, float64)', () => {
  const rand = rng(5);
  for (const s of SHAPES.slice(0, 2)) {
    const x = uniform(rand, s.batch * s.height * s.width * s.channels);
    const d = uniform(rand, colsSize(s));
    const loss = (v: number[]) => im2colRef(v, s).reduce((a, c, i) => a + c * d[i], 0);
    const analytic = col2imRef(d, s);
    for (let i = 0; i < x.length; i += 3) {
      const plus = x.slice();
      const minus = x.slice();
      plus[i] += 1e-6;
      minus[i] -= 1e-6;
      expect(Math.abs((loss(plus) - loss(minus)) / 2e-6 - analytic[i]), `x[${i}]`).toBeLessThan(1e-6);
    }
  }
});

test('im2col beyond 65,535 workgroups in x folds its grid into two dimensions (flatGrid)', async ({
  gpu,
}) => {
  // 4.8M patch elements = 75,600 workgroups of 64: rows past 65,535 · 64 come from the grid's second row.
  const s: Im2colShape = { batch: 2100, height: 8, width: 8, channels: 4, stride: 1 };
  const n = colsSize(s);
  const xOf = (i: number) => Math.sin(i * 0.37) + (i % 7) * 0.01; // the same inputs on both sides
  const tail = 20_000;
  const out = await gpu.evaluate(
    async ({ s, n, tail, xLen }) => {
      const h = window.harness;
      const x = new Float32Array(xLen).map((_, i) => Math.sin(i * 0.37) + (i % 7) * 0.01); // as xOf
      const tx = await h.tensor([xLen]);
      (await h.gpu()).write(tx, x);
      const cols = await h.tensor([n]); // poisoned
      await h.run((rec) => h.lib.im2col(rec, s, { x: tx, cols }));
      const all = await h.read(cols);
      return { head: all.slice(0, 1000), tail: all.slice(n - tail), nan: all.filter(Number.isNaN).length };
    },
    { s, n, tail, xLen: s.batch * 8 * 8 * 4 },
  );
  expect(out.nan).toBe(0);
  const x = Array.from({ length: s.batch * 8 * 8 * 4 }, (_, i) => Math.fround(xOf(i)));
  const want = im2colRef(x, s);
  expectClose(out.head, want.slice(0, 1000), 'first patches');
  expectClose(out.tail, want.slice(n - tail), 'last patches (second grid row)');
});
