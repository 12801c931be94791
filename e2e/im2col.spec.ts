import { col2imRef, im2colRef } from '../src/reference/im2col';
import { convOut, type Im2colShape } from '../src/kernels/conv_shape';
import { rng, uniform } from '../src/reference/random';
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
