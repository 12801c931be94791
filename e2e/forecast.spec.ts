import type { BlackBoxForecaster } from '../src/meta/blackbox_forecast';
import { forecastTaskRef, forecastWindowsRef } from '../src/reference/forecast';
import { rng } from '../src/layout/random';
import { expect, test } from './fixtures';

// The forecast task family and its black-box learner: GPU sampling against the CPU Philox reference, the
// meta-gradient against finite differences, and a short meta-training run that must learn.

test('forecast tasks sampled on the GPU equal the CPU Philox reference and are deterministic', async ({
  gpu,
}) => {
  const s = { tasks: 24, context: 9, horizon: 4 };
  const seed = Date.now() & 0xffff;
  const out = await gpu.evaluate(
    async ({ s, seed }) => {
      const h = window.harness;
      const lay = h.lib.forecastEpisodeLayout(s);
      const step = await h.tensor([1], [7], 'u32');
      const episode = await h.tensor([lay.size]);
      await h.run((rec) => h.lib.forecastTasks(rec, s, { step, episode, seed, stream: 2 }));
      const first = await h.read(episode);
      await h.run((rec) => h.lib.forecastTasks(rec, s, { step, episode, seed, stream: 2 }));
      const again = await h.read(episode);
      return { lay, first, again };
    },
    { s, seed },
  );
  expect(out.again).toEqual(out.first);
  const { lay, first: e } = out;
  const N = s.context + s.horizon;
  const kinds = new Set<number>();
  for (let b = 0; b < s.tasks; b++) {
    const ref = forecastTaskRef(seed, 2, 7, b, N);
    kinds.add(ref.kind);
    expect(e[lay.task + 6 * b]).toBe(ref.kind);
    for (let k = 0; k < 4; k++) expect(e[lay.task + 6 * b + 1 + k]).toBeCloseTo(ref.params[k], 6);
    if (ref.kind === 1) {
      const [a1, a2] = ref.params; // inside the stationarity triangle
      expect(Math.abs(a2) < 1 && a1 + a2 < 1 && a2 - a1 < 1).toBe(true);
    }
    for (let i = 0; i < N; i++) {
      const x =
        i < s.context ? e[lay.context + b * s.context + i] : e[lay.future + b * s.horizon + i - s.context];
      // WGSL's cos is accurate to 2^-11 absolute on [−π, π] (the oscillator's amplitude is at most 2).
      const tol = ref.kind === 0 ? 2 * 2 ** -11 + 1e-5 : 1e-4 * Math.max(1, Math.abs(ref.xs[i]));
      expect(Math.abs(x - ref.xs[i]), `task ${b} (kind ${ref.kind}) step ${i}`).toBeLessThan(tol);
      const seq = lay.sequence + (b * N + i) * 2;
      expect(e[seq + 1]).toBe(i < s.context ? 1 : 0);
      expect(e[seq]).toBe(i < s.context ? x : 0); // the queries never see a true future value
    }
  }
  expect(kinds.size, 'both kinds of task appear').toBe(2);
});

test('black-box forecaster meta-gradient matches central finite differences', async ({ gpu }) => {
  const rows = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      task: 'forecast' as const,
      layers: 2,
      hidden: 6,
      metaBatch: 3,
      shots: 4,
      queries: 3,
      seed: 3,
    };
    const l = await h.lib.BlackBoxForecaster.create(g, config);
    const { grads } = await l.gradientAt(5);
    const p0 = await l.getParams();
    const eps = 1e-2;
    const out: [string, number, number][] = [];
    for (const e of l.entries) {
      const i = e.offset + Math.floor(e.size / 2);
      const p = Float32Array.from(p0);
      p[i] += eps;
      l.setParams(p);
      const plus = await l.lossAt(5);
      p[i] -= 2 * eps;
      l.setParams(p);
      const minus = await l.lossAt(5);
      out.push([e.name, grads[i], (plus - minus) / (2 * eps)]);
    }
    l.destroy();
    return out;
  });
  for (const [name, analytic, fd] of rows) {
    expect(Math.abs(analytic - fd), `${name}: GPU ${analytic} vs FD ${fd}`).toBeLessThan(
      2e-3 * Math.max(1, Math.abs(fd)) + 2e-5,
    );
  }
});

test('forecast/blackbox meta-learns: held-out horizon MSE falls by 40% in 150 steps (seed 1)', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      task: 'forecast' as const,
      layers: 1,
      hidden: 32,
      metaBatch: 32,
      shots: 16,
      queries: 4,
      lr: 0.01,
      seed: 1,
      logEvery: 100,
      evalEvery: 10_000,
    };
    const l = (await h.lib.createLearner(g, config)) as BlackBoxForecaster;
    const before = await l.evaluate(200, 99);
    const t0 = performance.now();
    await h.lib.train(l, 150);
    const seconds = (performance.now() - t0) / 1000;
    const after = await l.evaluate(200, 99);
    const plot = await l.forecast([0, 0.5, 0.8, 0.5, 0, -0.5, -0.8, -0.5, 0, 0.5, 0.8, 0.5]);
    l.destroy();
    return { before: before.mean, after: after.mean, seconds, plot, dispatches: l.dispatchesPerStep };
  });
  console.log(
    `forecast/blackbox: held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)} in ${r.seconds.toFixed(1)} s`,
  );
  expect(r.after, `held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)}`).toBeLessThan(0.6 * r.before);
  expect(r.plot).toHaveLength(4);
  expect(r.plot.every(Number.isFinite)).toBe(true);
  expect(r.dispatches).toBe(12); // sample, 2 GRU fwd, head, loss, 2 head bwd, 3 GRU bwd, norm, Adam: one submit
});

test('forecast_windows cuts each series into one-step-ahead windows like the reference', async ({ gpu }) => {
  const s = { tasks: 3, context: 7, horizon: 4, window: 3 };
  const rand = rng(Date.now() & 0xffff);
  const context = Array.from({ length: s.tasks * s.context }, () => rand() * 2 - 1);
  const future = Array.from({ length: s.tasks * s.horizon }, () => rand() * 2 - 1);
  const out = await gpu.evaluate(
    async ({ s, context, future }) => {
      const h = window.harness;
      const g = await h.gpu();
      const ep = await h.tensor([5 + context.length + future.length], [0, 0, 0, 0, 0, ...context, ...future]);
      const lay = h.lib.forecastWindowLayout(s);
      const out = await h.tensor([lay.size + 2]);
      g.fill(out, NaN);
      const view = out.view(2, [lay.size]);
      await h.run((rec) =>
        h.lib.forecastWindows(rec, s, {
          context: ep.view(5, [context.length]),
          future: ep.view(5 + context.length, [future.length]),
          out: view,
        }),
      );
      return { got: Array.from(await h.read(out)).slice(2), lay };
    },
    { s, context, future },
  );
  const ref = forecastWindowsRef(s, context, future);
  const part = (k: 'supportX' | 'supportY' | 'queryX' | 'queryY', n: number) =>
    out.got.slice(out.lay[k], out.lay[k] + n);
  expect(part('supportX', ref.supportX.length)).toEqual(ref.supportX.map(Math.fround));
  expect(part('supportY', ref.supportY.length)).toEqual(ref.supportY.map(Math.fround));
  expect(part('queryX', ref.queryX.length)).toEqual(ref.queryX.map(Math.fround));
  expect(part('queryY', ref.queryY.length)).toEqual(ref.queryY.map(Math.fround));
  expect(out.got.length).toBe(
    ref.supportX.length + ref.supportY.length + ref.queryX.length + ref.queryY.length,
  );
});
