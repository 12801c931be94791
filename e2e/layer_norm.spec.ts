import { layerNormBackwardRef, layerNormRef } from '../src/reference/layer_norm';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

test('layer_norm forward into strided rows and backward out of them match the float64 reference', async ({
  gpu,
}) => {
  const rand = rng(Date.now() % 100000);
  const rows = 37;
  const cols = 16;
  const stride = 21;
  // Shifted and scaled rows, as a ReLU output is: the normalisation must remove a large common mean.
  const x = uniform(rand, rows * cols).map((v, i) => 3 + (1 + (i % 5)) * v);
  const dy = uniform(rand, rows * stride);
  const out = await gpu.evaluate(
    async ({ x, dy, rows, cols, stride }) => {
      const h = window.harness;
      const tx = await h.tensor([2 + x.length], [0, 0, ...x]);
      const y = await h.tensor([3 + rows * stride]);
      const tdy = await h.tensor([1 + dy.length], [0, ...dy]);
      const dx = await h.tensor([1 + rows * cols]);
      await h.run((rec) => {
        const s = { rows, cols };
        h.lib.layerNormForward(rec, s, {
          x: tx.view(2, [rows, cols]),
          y: y.view(3, [rows, cols]),
          yStride: stride,
        });
        h.lib.layerNormBackward(rec, s, {
          x: tx.view(2, [rows, cols]),
          dy: tdy.view(1, [rows, cols]),
          dyStride: stride,
          dx: dx.view(1, [rows, cols]),
        });
      });
      return { y: await h.read(y), dx: await h.read(dx) };
    },
    { x, dy, rows, cols, stride },
  );
  const y = layerNormRef(x, cols);
  for (let r = 0; r < rows; r++) {
    expectClose(
      out.y.slice(3 + r * stride, 3 + r * stride + cols),
      y.slice(r * cols, (r + 1) * cols),
      `row ${r}`,
    );
    expect(out.y.slice(3 + r * stride + cols, 3 + (r + 1) * stride).every(Number.isNaN), `gap ${r}`).toBe(
      true,
    );
  }
  const dyRows = Array.from({ length: rows }, (_, r) => dy.slice(r * stride, r * stride + cols)).flat();
  expectClose(out.dx.slice(1), layerNormBackwardRef(x, dyRows, cols), 'layer_norm backward');
});

test('layer_norm backward reference is the gradient of its forward (central differences, float64)', () => {
  const rand = rng(3);
  const cols = 6;
  const x = uniform(rand, 2 * cols).map((v) => 2 + v);
  const dy = uniform(rand, 2 * cols);
  const loss = (v: number[]) => layerNormRef(v, cols).reduce((a, y, i) => a + y * dy[i], 0);
  const analytic = layerNormBackwardRef(x, dy, cols);
  x.forEach((_, i) => {
    const h = 1e-6;
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    expect(Math.abs((loss(plus) - loss(minus)) / (2 * h) - analytic[i]), `x[${i}]`).toBeLessThan(1e-6);
  });
});
