import { labelBindBackwardRef, labelBindRef } from '../src/reference/label_bind';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

// Rows of [embedding E | label slots N | bound block N·E], episodes of T steps; slots are one-hot or zero.
const E = 3;
const N = 4;
const T = 5;
const W = E + N + N * E;

function inputs(seed: number, rows: number) {
  const rand = rng(seed);
  const x = uniform(rand, rows * W);
  for (let r = 0; r < rows; r++) {
    const label = Math.floor(rand() * (N + 1)); // N: no label this step
    for (let k = 0; k < N; k++) x[r * W + E + k] = k === label ? 1 : 0;
  }
  return { x, dx: uniform(rand, rows * W) };
}

for (const lag of [1, 0] as const) {
  test(`label_bind forward and backward match the float64 reference on fresh inputs (lag ${lag})`, async ({
    gpu,
  }) => {
    const rows = 3 * T;
    const { x, dx } = inputs(Date.now() % 100000, rows);
    const out = await gpu.evaluate(
      async ({ x, dx, rows, s, lag }) => {
        const h = window.harness;
        // x is rewritten in place: its bound block starts poisoned (NaN), so an unwritten element fails.
        const tx = await h.tensor([1 + x.length]);
        const tdx = await h.tensor([2 + dx.length], [0, 0, ...dx]);
        const g = await h.gpu();
        const poisoned = x.map((v: number, i: number) => (i % s.W >= s.E + s.N ? NaN : v));
        g.write(tx, [0, ...poisoned]);
        await h.run((rec) => {
          h.lib.labelBindForward(
            rec,
            { rows, steps: s.T, embed: s.E, ways: s.N, lag },
            { x: tx.view(1, [rows, s.W]) },
          );
          h.lib.labelBindBackward(
            rec,
            { rows, steps: s.T, embed: s.E, ways: s.N, lag },
            { x: tx.view(1, [rows, s.W]), dx: tdx.view(2, [rows, s.W]) },
          );
        });
        return { x: await h.read(tx), dx: await h.read(tdx) };
      },
      { x, dx, rows, s: { E, N, T, W }, lag },
    );
    const s = { steps: T, embed: E, ways: N, lag };
    expectClose(out.x.slice(1), labelBindRef(x, s), 'label_bind forward');
    expectClose(out.dx.slice(2), labelBindBackwardRef(labelBindRef(x, s), dx, s), 'label_bind backward');
    // With lag 1 an episode's first step binds nothing, whatever its slots say; with lag 0 a labelled row
    // binds its own embedding.
    for (let r = 0; r < rows; r += T) {
      const bound = out.x.slice(1 + r * W + E + N, 1 + (r + 1) * W);
      const k = x.slice(r * W + E, r * W + E + N).indexOf(1);
      if (lag === 1 || k < 0) expect(bound.every((v) => v === 0)).toBe(true);
      else expect(bound.slice(k * E, (k + 1) * E)).toEqual(out.x.slice(1 + r * W, 1 + r * W + E));
    }
  });

  test(`label_bind backward reference is the gradient of its forward (central differences, float64, lag ${lag})`, () => {
    const rows = 2 * T;
    const { x, dx: dOut } = inputs(7, rows);
    const s = { steps: T, embed: E, ways: N, lag };
    // L = Σ dOut · forward(x): dL/d(embedding) = dOut's embedding columns + what the bound blocks pass back.
    const loss = (v: number[]) => labelBindRef(v, s).reduce((a, y, i) => a + y * dOut[i], 0);
    const analytic = labelBindBackwardRef(x, dOut, s);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < E; j++) {
        const i = r * W + j;
        const h = 1e-6;
        const plus = x.slice();
        const minus = x.slice();
        plus[i] += h;
        minus[i] -= h;
        const fd = (loss(plus) - loss(minus)) / (2 * h);
        expect(Math.abs(fd - analytic[i]), `row ${r} col ${j}`).toBeLessThan(1e-6);
      }
    }
  });
}
