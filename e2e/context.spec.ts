import type { ContextLearner } from '../src/meta/context';
import { contextMetaGradientRef, contextRowsRef, contextStepRef } from '../src/reference/context';
import { rng } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

// Context adaptation: the context_adapt kernel against its float64 reference, the inner-loop gradient ∇_c
// (GRU backward's dx, reduced by the kernel) against finite differences, and a short meta-training run.

test('context_adapt builds input rows and steps contexts like the reference', async ({ gpu }) => {
  const s = { tasks: 3, points: 4, steps: 2, ctx: 5 };
  const n = s.tasks * s.points;
  const rand = rng(7);
  const r = (k: number) => Array.from({ length: k }, () => 2 * rand() - 1);
  const [x, y, c, dx] = [r(n), r(n), r(s.tasks * s.ctx), r(n * s.steps * (1 + s.ctx))];
  const out = await gpu.evaluate(
    async ({ s, x, y, c, dx, n }) => {
      const h = window.harness;
      const episode = await h.tensor([2 * n], [...x, ...y]);
      const io = await h.tensor([n * s.steps * (1 + s.ctx) + n]);
      const cT = await h.tensor([s.tasks * s.ctx], c);
      const seq = io.view(0, [n, s.steps, 1 + s.ctx]);
      const target = io.view(n * s.steps * (1 + s.ctx), [n]);
      const rows = { x: episode.view(0, [n]), y: episode.view(n, [n]), c: cT, seq, target, scale: 0.2 };
      await h.run((rec) => h.lib.contextRows(rec, s, { ...rows, reset: false }));
      const built = await h.read(io);
      const dxT = await h.tensor([dx.length], dx);
      await h.run((rec) => h.lib.contextStep(rec, s, { dx: dxT, c: cT, alpha: 0.5 }));
      const stepped = await h.read(cT);
      await h.run((rec) => h.lib.contextRows(rec, s, { ...rows, reset: true }));
      return { built, stepped, reset: await h.read(io), cReset: await h.read(cT) };
    },
    { s, x, y, c, dx, n },
  );
  const ref = contextRowsRef(s, x, y, c, 0.2);
  expectClose(out.built, [...ref.seq, ...ref.target], 'rows');
  expectClose(out.stepped, contextStepRef(s, dx, c, 0.5), 'step');
  const zero = contextRowsRef(s, x, y, new Array(c.length).fill(0), 0.2);
  expectClose(out.reset, [...zero.seq, ...zero.target], 'rows after reset');
  expect(out.cReset).toEqual(new Array(c.length).fill(0));
});

test('context gradient ∇_c L_support matches central finite differences', async ({ gpu }) => {
  const out = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      learner: 'context' as const,
      layers: 2,
      hidden: 8,
      metaBatch: 3,
      shots: 4,
      seed: 5,
    };
    const E = 3;
    const alpha = 0.5;
    const l = (await h.lib.ContextLearner.create(g, config, {
      contextSize: E,
      innerLr: alpha,
    })) as ContextLearner;
    const c0 = Array.from({ length: 3 * E }, (_, i) => 0.3 * Math.sin(i + 1));
    const { cAfter } = await l.probeContext(4, c0);
    const analytic = c0.map((v, i) => (v - cAfter[i]) / alpha);
    const eps = 1e-2;
    const fd = new Array(3 * E).fill(0);
    for (let j = 0; j < E; j++) {
      // Task b's loss depends on c[b] only: perturbing column j of every task at once gives all of them.
      const shifted = (d: number) => c0.map((v, i) => (i % E === j ? v + d : v));
      const plus = (await l.probeContext(4, shifted(eps))).loss;
      const minus = (await l.probeContext(4, shifted(-eps))).loss;
      for (let b = 0; b < 3; b++) fd[b * E + j] = (plus[b] - minus[b]) / (2 * eps);
    }
    l.destroy();
    return { analytic, fd };
  });
  for (let i = 0; i < out.fd.length; i++) {
    const [a, f] = [out.analytic[i], out.fd[i]];
    expect(Math.abs(a - f), `c[${i}]: GPU ${a} vs FD ${f}`).toBeLessThan(
      2e-3 * Math.max(1, Math.abs(f)) + 5e-5,
    );
  }
  expect(
    out.analytic.some((v) => Math.abs(v) > 1e-3),
    'a non-trivial gradient',
  ).toBe(true);
});

test('sinusoid/context meta-learns: held-out query MSE falls by 25% in 300 steps (seed 1)', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      learner: 'context' as const,
      layers: 1,
      hidden: 32,
      metaBatch: 16,
      shots: 5,
      queries: 5,
      lr: 0.01,
      seed: 1,
      logEvery: 100,
      evalEvery: 10_000,
    };
    const l = await h.lib.createLearner(g, config);
    const before = await l.evaluate(200, 99);
    const t0 = performance.now();
    await h.lib.train(l, 300);
    const seconds = (performance.now() - t0) / 1000;
    const after = await l.evaluate(200, 99);
    // A plot task, y = 3 sin(x + 1): predictions at the 5 support points before and after adaptation.
    const xs = [-4, -2, 0, 2, 4];
    const support = xs.map((x) => ({ x, y: 3 * Math.sin(x + 1) }));
    const plot = {
      before: await (l as ContextLearner).predict([], xs),
      after: await (l as ContextLearner).predict(support, xs),
    };
    const sq = (p: number[]) => p.reduce((a, v, i) => a + (v - support[i].y) ** 2, 0) / p.length;
    l.destroy();
    return {
      before: before.mean,
      after: after.mean,
      seconds,
      dispatches: l.dispatchesPerStep,
      plotMse: [sq(plot.before), sq(plot.after)],
    };
  });
  console.log(
    `sinusoid/context: held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)} in ${r.seconds.toFixed(1)} s, ${r.dispatches} dispatches/step; plot support MSE ${r.plotMse.map((v) => v.toFixed(3)).join(' → ')}`,
  );
  expect(r.after, `held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)}`).toBeLessThan(
    0.75 * r.before,
  );
  // Below what any predictor blind to the task can reach: E[y²] − E_x[E[y|x]²] ≈ 4.25 − 1.32 ≈ 2.9 here
  // (A ~ U[0.1, 5], φ ~ U[0, π]), so the contexts carry task information.
  expect(r.after).toBeLessThan(2);
  // predict (plots) adapts too: its support fit improves over the unadapted model's.
  expect(r.plotMse[1], `plot support MSE ${r.plotMse.map((v) => v.toFixed(3)).join(' → ')}`).toBeLessThan(
    r.plotMse[0],
  );
  expect(r.dispatches).toBe(35); // sample; 2 inner steps × 11 (rows, GRU fwd 2, head, loss, head bwd, GRU bwd 4 with dx, c step); query 12
});

// Second-order context adaptation (CAVIA's meta-gradient through the inner updates of c, Hessian-vector
// products by the tangent kernels) against float64 central differences of the whole meta-loss; the
// first-order learner on the same step against its own reference, and far from the second-order one.
for (const layers of [1, 2]) {
  test(`second-order context meta-gradient matches float64 (layers ${layers})`, async ({ gpu }) => {
    const m = { layers, hidden: 5, contextSize: 3, steps: 2, innerSteps: 3, innerLr: 0.5 };
    const tiny = { metaBatch: 3, shots: 4, queries: 3, seed: 11 };
    const out = await gpu.evaluate(
      async ({ m, tiny }) => {
        const h = window.harness;
        const g = await h.gpu();
        const config = { ...h.lib.DEFAULT_CONFIG, learner: 'context' as const, ...tiny };
        const run = async (secondOrder: boolean) => {
          const l = (await h.lib.ContextLearner.create(
            g,
            { ...config, layers: m.layers, hidden: m.hidden },
            { contextSize: m.contextSize, innerSteps: m.innerSteps, innerLr: m.innerLr, secondOrder },
          )) as ContextLearner;
          const theta = Array.from(await g.read(l.params));
          g.fill(l.grads, NaN);
          l.step();
          const grads = Array.from(await g.read(l.grads));
          const ep = Array.from(await g.read(l.episode));
          const dispatches = l.dispatchesPerStep;
          l.destroy();
          return { theta, grads, ep, dispatches };
        };
        const lay = h.lib.sinusoidEpisodeLayout({
          tasks: tiny.metaBatch,
          shots: tiny.shots,
          queries: tiny.queries,
        });
        return { second: await run(true), first: await run(false), lay };
      },
      { m, tiny },
    );
    const { shots: K, queries: Q } = tiny;
    const ep = out.second.ep;
    const tasks = Array.from({ length: tiny.metaBatch }, (_, b) => ({
      supportX: ep.slice(out.lay.supportX + b * K, out.lay.supportX + (b + 1) * K),
      supportY: ep.slice(out.lay.supportY + b * K, out.lay.supportY + (b + 1) * K),
      queryX: ep.slice(out.lay.queryX + b * Q, out.lay.queryX + (b + 1) * Q),
      queryY: ep.slice(out.lay.queryY + b * Q, out.lay.queryY + (b + 1) * Q),
    }));
    expect(out.first.theta).toEqual(out.second.theta);
    const second = contextMetaGradientRef('second', m, out.second.theta, tasks);
    const first = contextMetaGradientRef('first', m, out.second.theta, tasks);
    const scale = Math.max(...Array.from(second, Math.abs));
    const gap = Array.from(first).reduce((a, v, i) => Math.max(a, Math.abs(v - second[i])), 0) / scale;
    console.log(
      `context layers ${layers}: first-order is ${gap.toFixed(3)} of max |g| away from second order; ` +
        `${out.first.dispatches} → ${out.second.dispatches} dispatches per step`,
    );
    expectClose(out.second.grads, second, 'second-order context meta-gradient', 1e-4);
    expectClose(out.first.grads, first, 'first-order context meta-gradient', 1e-4);
    expect(gap, 'the second-order terms must matter for the check to mean something').toBeGreaterThan(0.01);
  });
}

test('second-order context meta-learns: held-out query MSE falls by 25% in 200 steps (seed 1)', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      ...h.lib.defaultsFor('sinusoid', 'context'),
      secondOrder: true,
      metaBatch: 16,
      lr: 0.01,
      seed: 1,
    };
    const l = await h.lib.createLearner(g, config);
    const before = await l.evaluate(200, 99);
    for (let s = 0; s < 200; s++) l.step();
    const after = await l.evaluate(200, 99);
    const dispatches = l.dispatchesPerStep;
    l.destroy();
    return { before: before.mean, after: after.mean, dispatches };
  });
  console.log(
    `sinusoid/context, second order: held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)}, ${r.dispatches} dispatches/step`,
  );
  expect(r.after).toBeLessThan(0.75 * r.before);
});
