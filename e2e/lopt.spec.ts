import {
  coordOptimRef,
  gatherRef,
  loptCreditRef,
  loptMetaGradientRef,
  loptUpdateRef,
  preprocessRef,
} from '../src/reference/lopt';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

// A per-task weight buffer of W elements; coordinates skip the middle range [o0 + n0, o1), as the learned
// optimizer skips the task model's recurrent weights.
const W = 300;
const MAP = { o0: 3, n0: 50, o1: 120, n1: 170 };
const C = MAP.n0 + MAP.n1;
const f32 = (x: number) => Math.fround(x);

/** Gradients over many magnitudes, both signs, exact zeros and values below e^−10 (the other branch). */
function gradients(seed: number): number[] {
  const rand = rng(seed);
  return Array.from({ length: W }, (_, i) =>
    i % 17 === 0 ? 0 : f32((rand() < 0.5 ? -1 : 1) * Math.exp(-16 + 20 * rand())),
  );
}

test('lopt_input: preprocessed gradients into a slot of X, raw ones into R', async ({ gpu }) => {
  const seed = Date.now() & 0xffff;
  const g = gradients(seed);
  const T = 3;
  const out = await gpu.evaluate(
    async ({ g, MAP, C, T }) => {
      const h = window.harness;
      const grads = (await h.tensor([5 + g.length], [...Array(5).fill(0), ...g])).view(5, [g.length]);
      const x = await h.tensor([C * T * 2]);
      const raw = await h.tensor([C * (T + 1)]);
      await h.run((rec) => {
        h.lib.loptInput(rec, MAP, {
          grads,
          x: { tensor: x, stride: 2 * T, slot: 1 },
          raw: { tensor: raw, stride: T + 1, slot: 2 },
        });
      });
      return { x: await h.read(x), raw: await h.read(raw) };
    },
    { g, MAP, C, T },
  );
  const coords = gatherRef(MAP, g);
  const wantX: number[] = [];
  const gotX: number[] = [];
  const gotRaw: number[] = [];
  for (let c = 0; c < C; c++) {
    wantX.push(...preprocessRef(coords[c]));
    gotX.push(out.x[c * 2 * T + 2], out.x[c * 2 * T + 3]);
    gotRaw.push(out.raw[c * (T + 1) + 2]);
    // Other slots stay poisoned: the kernel writes only its own.
    expect(Number.isNaN(out.x[c * 2 * T]) && Number.isNaN(out.raw[c * (T + 1)]), `slot of ${c}`).toBe(true);
  }
  expectClose(gotX, wantX, `lopt_input X (seed ${seed})`, 1e-5);
  expect(gotRaw, 'raw gradients').toEqual(coords);
});

test('lopt_update and lopt_credit (plain and log meta-loss) against float64', async ({ gpu }) => {
  const seed = Date.now() & 0xffff;
  const rand = rng(seed);
  const weights = uniform(rand, W);
  const update = uniform(rand, C);
  const T = 4;
  const tasks = 3;
  const raw = uniform(rand, C * (T + 1));
  const losses = uniform(rand, (T + 1) * tasks, 0.01, 3);
  const taskOf = Array.from({ length: C }, () => Math.floor(rand() * tasks));
  const out = await gpu.evaluate(
    async ({ weights, update, raw, losses, taskOf, tasks, MAP, C, T }) => {
      const h = window.harness;
      const w = await h.tensor([weights.length], weights);
      const u = await h.tensor([update.length], update);
      const r = await h.tensor([raw.length], raw);
      const f = await h.tensor([losses.length], losses);
      const task = await h.tensor([C], taskOf, 'u32');
      const d = await h.tensor([C * T]);
      const dLog = await h.tensor([C * T]);
      await h.run((rec) => {
        h.lib.loptUpdate(rec, MAP, { update: u, weights: w }, 0.1);
        h.lib.loptCredit(rec, { coords: C, steps: T }, { raw: r, dUpdate: d }, 0.1);
        const log = { losses: f, taskOf: task, tasks };
        h.lib.loptCredit(rec, { coords: C, steps: T }, { raw: r, dUpdate: dLog, log }, 0.1);
      });
      return { w: await h.read(w), d: await h.read(d), dLog: await h.read(dLog) };
    },
    { weights, update, raw, losses, taskOf, tasks, MAP, C, T },
  );
  const want = Float64Array.from(weights);
  loptUpdateRef(MAP, want, update, f32(0.1));
  expectClose(out.w, want, `lopt_update (seed ${seed})`);
  expectClose(out.d, loptCreditRef(raw, C, T, f32(0.1)), `lopt_credit (seed ${seed})`);
  const log = { losses, taskOf, tasks };
  expectClose(out.dLog, loptCreditRef(raw, C, T, f32(0.1), log), `lopt_credit, log (seed ${seed})`);
});

for (const kind of ['sgd', 'rmsprop', 'adam'] as const) {
  test(`coord_optim ${kind}: 4 steps against torch.optim's rule in float64`, async ({ gpu }) => {
    const seed = Date.now() & 0xffff;
    const rand = rng(seed);
    const weights = uniform(rand, W);
    const grads = Array.from({ length: 4 }, () => uniform(rand, W));
    const lr = 0.01;
    const out = await gpu.evaluate(
      async ({ kind, weights, grads, MAP, C, lr }) => {
        const h = window.harness;
        const w = await h.tensor([weights.length], weights);
        const g = grads.length ? await Promise.all(grads.map((x) => h.tensor([x.length], x))) : [];
        const v = await h.tensor([C]); // poisoned: step 1 must not read it
        const m = await h.tensor([C]);
        await h.run((rec) => {
          g.forEach((gt, k) =>
            h.lib.coordOptimStep(rec, kind, MAP, { weights: w, grads: gt, v, m }, { lr, step: k + 1 }),
          );
        });
        return h.read(w);
      },
      { kind, weights, grads, MAP, C, lr },
    );
    const st = { weights: Float64Array.from(weights), v: new Float64Array(C), m: new Float64Array(C) };
    grads.forEach((g, k) =>
      coordOptimRef(kind, MAP, st, g, {
        lr: f32(lr),
        beta1: f32(0.9),
        beta2: f32(kind === 'rmsprop' ? 0.99 : 0.999),
        eps: f32(1e-8),
        step: k + 1,
      }),
    );
    // Untouched weights (the skipped range) must keep their values exactly.
    expect(out.slice(MAP.o0 + MAP.n0, MAP.o1)).toEqual(weights.slice(MAP.o0 + MAP.n0, MAP.o1));
    expectClose(out, st.weights, `coord_optim ${kind} (seed ${seed})`);
  });
}

test('learned optimizer: the meta-gradient of a truncation matches float64 (fresh run and continued)', async ({
  gpu,
}) => {
  const shape = { layers: 2, inputSize: 2, hiddenSize: 4, groups: 1 };
  const T = 3;
  const out = await gpu.evaluate(
    async ({ T }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = {
        ...h.lib.defaultsFor('sinusoid', 'lopt'),
        layers: 2,
        hidden: 4,
        metaBatch: 2,
        shots: 5,
        seed: Date.now() & 0xffff,
      };
      const l = await h.lib.LearnedOptimizer.create(g, config, { taskHidden: 3, unroll: T, runSteps: 2 * T });
      const steps = [];
      for (let k = 0; k < 2; k++) {
        const params = await h.read(l.params);
        const start = await h.read(l.unrollBuffers.start);
        l.step();
        steps.push({
          params,
          start,
          x: await h.read(l.unrollBuffers.inputs),
          raw: await h.read(l.unrollBuffers.rawGradients),
          losses: await h.read(l.unrollBuffers.losses),
          // u32 on the GPU: reinterpret the bits read back
          taskOf: Array.from(new Uint32Array(Float32Array.from(await h.read(l.unrollBuffers.taskOf)).buffer)),
          grads: await h.read(l.grads),
        });
      }
      const coords = h.lib.coordCount(l.coordMap(config.metaBatch));
      l.destroy();
      return { steps, coords, seed: config.seed };
    },
    { T },
  );
  const { coordCount: C } = { coordCount: out.coords };
  // 2 tasks × (3·3 input weights, skip 3·3·3 recurrent, 2·9 biases + 3 + 1 head) = 2 × 31 coordinates.
  expect(C).toBe(62);
  out.steps.forEach((s, k) => {
    expect(s.raw.some((v) => v !== 0) && s.x.every(Number.isFinite), `step ${k + 1} saw gradients`).toBe(
      true,
    );
    // The default meta-loss is mean log f: each coordinate's gradients are divided by its task's loss.
    const log = { losses: s.losses, taskOf: s.taskOf, tasks: 2 };
    expect(new Set(s.taskOf), 'tasks of the coordinates').toEqual(new Set([0, 1]));
    const h0 = k === 0 ? undefined : s.start;
    const want = loptMetaGradientRef(shape, s.params, s.x, s.raw, h0, C, T, f32(0.1), log);
    expectClose(s.grads, want, `meta-gradient, step ${k + 1} (seed ${out.seed})`, 2e-4);
  });
});

test('learned optimizer learns: after 40 meta-steps it lowers held-out task losses it first raised', async ({
  gpu,
}) => {
  test.setTimeout(240_000);
  const out = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.defaultsFor('sinusoid', 'lopt'),
      hidden: 8,
      metaBatch: 4,
      shots: 10,
      seed: 3,
      logEvery: 10,
      evalEvery: 1000,
    };
    const l = await h.lib.LearnedOptimizer.create(g, config, { taskHidden: 8, unroll: 10, runSteps: 20 });
    const mean = (r: number[]) => r.reduce((a, b) => a + b, 0) / r.length;
    const before = (await l.lossCurve(8, 11, 20)).map(mean);
    await h.lib.train(l, 40);
    const after = (await l.lossCurve(8, 11, 20)).map(mean);
    const dispatches = l.dispatchesPerStep;
    l.destroy();
    return { before, after, dispatches };
  });
  const [start, end] = [out.after[0], out.after[20]];
  expect(out.before[0]).toBeCloseTo(start, 5); // same tasks, same initial weights
  expect(
    end,
    `trained: ${start.toFixed(3)} → ${end.toFixed(3)}; untrained → ${out.before[20].toFixed(3)}`,
  ).toBeLessThan(0.85 * start);
  expect(end, `untrained ends at ${out.before[20].toFixed(3)}`).toBeLessThan(out.before[20]);
});
