import { expect, test } from './fixtures';
import type { RegressionTask } from '../src/data/regression_tasks';

// Regression tasks of your own (regression/blackbox): host-drawn episodes from the user's tables, the
// meta-gradient against finite differences, predictions in the tasks' own units through the stored scaling,
// and a short meta-training run that must learn a family far from unit scale.

/** Lines y = a·x + b with x in [0, 50] and y in the hundreds: the scaling has work to do. */
function lines(count: number, points: number, seed: number): RegressionTask[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, k) => {
    const a = 4 * rand() - 2;
    const b = 300 + 100 * rand();
    const x = Array.from({ length: points }, () => 50 * rand());
    return { name: `t${String(k).padStart(2, '0')}`, x, y: x.map((v) => a * v + b) };
  });
}

const base = {
  task: 'regression' as const,
  layers: 1,
  shots: 5,
  queries: 5,
  seed: 4,
  lrDecay: 'none' as const,
};

test('regression/blackbox meta-gradient (host-drawn episodes) matches central finite differences', async ({
  gpu,
}) => {
  const tasks = lines(8, 20, 5);
  const rows = await gpu.evaluate(
    async ({ tasks, base }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = { ...h.lib.DEFAULT_CONFIG, ...base, layers: 2, hidden: 6, metaBatch: 4 };
      const l = await h.lib.createLearner(g, config, { regression: tasks });
      const learner = l as unknown as {
        gradientAt(s: number): Promise<{ grads: Float32Array }>;
        lossAt(s: number): Promise<number>;
      };
      const { grads } = await learner.gradientAt(3);
      const p0 = await l.getParams();
      const eps = 1e-2;
      const out: [string, number, number][] = [];
      for (const e of l.entries) {
        const i = e.offset + Math.floor(e.size / 2);
        const p = Float32Array.from(p0);
        p[i] += eps;
        l.setParams(p);
        const plus = await learner.lossAt(3);
        p[i] -= 2 * eps;
        l.setParams(p);
        const minus = await learner.lossAt(3);
        out.push([e.name, grads[i], (plus - minus) / (2 * eps)]);
      }
      l.destroy();
      return out;
    },
    { tasks, base },
  );
  for (const [name, analytic, fd] of rows) {
    expect(Math.abs(analytic - fd), `${name}: GPU ${analytic} vs FD ${fd}`).toBeLessThan(
      2e-3 * Math.max(1, Math.abs(fd)) + 2e-5,
    );
  }
});

test('regression/blackbox learns lines in the hundreds; predictions come back in their units', async ({
  gpu,
}) => {
  const tasks = lines(24, 30, 9);
  const r = await gpu.evaluate(
    async ({ tasks, base }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = { ...h.lib.DEFAULT_CONFIG, ...base, hidden: 24, metaBatch: 16, lr: 0.01 };
      const l = await h.lib.createLearner(g, config, { regression: tasks });
      const before = await l.evaluate(100, 77, 'validation');
      await h.lib.train(l, 300);
      const after = await l.evaluate(100, 77, 'validation');
      const regressor = l as unknown as {
        split: { test: string[] };
        scaling: { xShift: number; xScale: number; yShift: number; yScale: number };
        adapt(s: { x: number; y: number }[]): Promise<{ predict(x: number[]): Promise<number[]> }>;
      };
      const t = tasks.find((x) => x.name === regressor.split.test[0])!;
      const support = t.x.slice(0, 5).map((x, i) => ({ x, y: t.y[i] }));
      const ys = await (await regressor.adapt(support)).predict(t.x.slice(5, 15));
      const scaling = regressor.scaling;
      l.destroy();
      return { before: before.mean, after: after.mean, ys, truth: t.y.slice(5, 15), scaling };
    },
    { tasks, base },
  );
  // The scaling is the training tasks' statistics: y in the hundreds, x over [0, 50].
  expect(r.scaling.yShift).toBeGreaterThan(250);
  expect(r.scaling.xScale).toBeGreaterThan(5);
  const mse = r.ys.reduce((a, y, i) => a + (y - r.truth[i]) ** 2, 0) / r.ys.length;
  console.log(
    `regression/blackbox: validation MSE ${r.before.toFixed(1)} → ${r.after.toFixed(1)}; a test task's MSE ${mse.toFixed(1)}`,
  );
  expect(r.after).toBeLessThan(0.2 * r.before);
  expect(mse).toBeLessThan(0.2 * r.before);
  expect(r.ys.every((y) => y > 150 && y < 550)).toBe(true);
});
