import { sinusoidTaskRef } from '../src/reference/sinusoid';
import { expect, test } from './fixtures';

// The black-box learner end to end: its meta-gradient (sampling → GRU → head → loss → backward, all on the
// GPU) against central finite differences of its own loss, and a short meta-training run that must learn.

test('sinusoid tasks sampled on the GPU equal the CPU Philox reference and are deterministic', async ({
  gpu,
}) => {
  const s = { tasks: 5, shots: 3, queries: 4 };
  const seed = Date.now() & 0xffff;
  const out = await gpu.evaluate(
    async ({ s, seed }) => {
      const h = window.harness;
      const lay = h.lib.sinusoidEpisodeLayout(s);
      const step = await h.tensor([1], [7], 'u32');
      const episode = await h.tensor([lay.size]);
      await h.run((rec) => h.lib.sinusoidTasks(rec, s, { step, episode, seed, stream: 2 }));
      const first = await h.read(episode);
      await h.run((rec) => h.lib.sinusoidTasks(rec, s, { step, episode, seed, stream: 2 }));
      const again = await h.read(episode);
      return { lay, first, again };
    },
    { s, seed },
  );
  expect(out.again).toEqual(out.first);
  const { lay, first: e } = out;
  const P = s.shots + s.queries;
  for (let b = 0; b < s.tasks; b++) {
    const ref = sinusoidTaskRef(seed, 2, 7, b, P);
    expect(e[lay.task + 2 * b]).toBeCloseTo(ref.amp, 5);
    expect(e[lay.task + 2 * b + 1]).toBeCloseTo(ref.phase, 5);
    for (let i = 0; i < P; i++) {
      const [x, y] =
        i < s.shots
          ? [e[lay.supportX + b * s.shots + i], e[lay.supportY + b * s.shots + i]]
          : [e[lay.queryX + b * s.queries + i - s.shots], e[lay.queryY + b * s.queries + i - s.shots]];
      expect(x).toBeCloseTo(ref.xs[i], 5);
      // WGSL's sin is accurate to 2^-11 absolute (on [−π, π], where the shader reduces its argument).
      expect(Math.abs(y - ref.ys[i])).toBeLessThan(ref.amp * 2 ** -11 + 1e-6);
      const seq = lay.sequence + (b * P + i) * 3;
      expect(e[seq + 2]).toBe(i < s.shots ? 1 : 0);
      if (i >= s.shots) expect(e[seq + 1]).toBe(0); // query targets are withheld from the learner
    }
    expect(ref.amp).toBeGreaterThanOrEqual(0.1);
    expect(ref.amp).toBeLessThanOrEqual(5);
  }
});

test('black-box meta-gradient matches central finite differences of the meta-loss', async ({ gpu }) => {
  const rows = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      layers: 2,
      hidden: 6,
      metaBatch: 3,
      shots: 3,
      queries: 2,
      seed: 3,
    };
    const l = await h.lib.BlackBoxRegressor.create(g, config);
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
    // float32 loss differences limit FD to ~1e-5 absolute here.
    expect(Math.abs(analytic - fd), `${name}: GPU ${analytic} vs FD ${fd}`).toBeLessThan(
      2e-3 * Math.max(1, Math.abs(fd)) + 2e-5,
    );
  }
});

test('black-box learner meta-learns sinusoids: held-out MSE falls by 25% in 600 steps (seed 1)', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      layers: 1,
      hidden: 32,
      metaBatch: 32,
      shots: 5,
      queries: 5,
      lr: 0.01,
      seed: 1,
      logEvery: 100,
      evalEvery: 10_000,
    };
    const l = await h.lib.createLearner(g, config);
    const before = await l.evaluate(200, 99);
    await h.lib.train(l, 600);
    const after = await l.evaluate(200, 99);
    l.destroy();
    return { before: before.mean, after: after.mean, dispatches: l.dispatchesPerStep };
  });
  expect(r.after, `held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)}`).toBeLessThan(
    0.75 * r.before,
  );
  expect(r.dispatches).toBe(12); // sample, 2 GRU fwd, head, loss, 2 head bwd, 3 GRU bwd, norm, Adam: one submit
});

test('lrDecay: cosine lowers the learning rate Adam reads on the GPU step by step; none keeps it', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const out: Record<string, number[]> = {};
    for (const lrDecay of ['cosine', 'none'] as const) {
      const config = { ...h.lib.DEFAULT_CONFIG, hidden: 8, metaBatch: 2, lr: 0.004, steps: 4, lrDecay };
      const l = (await h.lib.createLearner(g, config)) as unknown as {
        optimizer: { hyper: Parameters<typeof g.read>[0] };
        step(): void;
        destroy(): void;
      };
      out[lrDecay] = [];
      for (let s = 0; s < 4; s++) {
        l.step();
        out[lrDecay].push((await g.read(l.optimizer.hyper))[3]); // OPTIM_SLOT.lr
      }
      l.destroy();
    }
    return out;
  });
  const expected = [1, 2, 3, 4].map((s) => 0.004 * 0.5 * (1 + Math.cos((Math.PI * (s - 1)) / 4)));
  r.cosine.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 7));
  expect(r.none).toEqual([0.004, 0.004, 0.004, 0.004].map(Math.fround));
});
