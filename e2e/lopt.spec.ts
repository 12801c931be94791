import {
  coordOptimRef,
  gatherRef,
  loptCreditRef,
  loptFeaturesRef,
  loptMetaGradientRef,
  loptOutputsRef,
  loptStepRef,
  loptUpdateRef,
  preprocessRef,
  V2_FEATURES,
} from '../src/reference/lopt';
import { rng, uniform } from '../src/layout/random';
import { initUniform } from '../src/meta/init';
import { cellLossGradRef } from '../src/reference/maml';
import { gruForwardRef } from '../src/reference/gru';
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

test('lopt_features (v2): inputs and carried state against float64, at a run’s first step and a later one', async ({
  gpu,
}) => {
  const seed = Date.now() & 0xffff;
  const rand = rng(seed);
  const [g1, g2] = [gradients(seed), gradients(seed + 1)];
  const weights = uniform(rand, W, -2, 2);
  const F = V2_FEATURES;
  const T = 3;
  // The first step reads clock [9, 0] at offset 1 (t = 0 + 0); the second continues the run at offset 0,
  // t = 9 + 2 = 11, from the state the first left.
  const out = await gpu.evaluate(
    async ({ g1, g2, weights, MAP, C, T, F }) => {
      const h = window.harness;
      const k = h.lib.loptFeatures;
      const grads = [await h.tensor([g1.length], g1), await h.tensor([g2.length], g2)];
      const w = (await h.tensor([3 + weights.length], [1, 2, 3, ...weights])).view(3, [weights.length]);
      const state = await h.tensor([4 * C]); // poisoned: the first step of a run must not read it
      const clock = await h.tensor([2], [9, 0], 'u32');
      const x = [await h.tensor([C * T * F]), await h.tensor([C * T * F])];
      const raw = await h.tensor([C * (T + 1)]);
      const first = { tensor: x[0], stride: F * T, slot: 1 };
      await h.run((rec) => {
        k(rec, MAP, { grads: grads[0], weights: w, state, clock: clock.view(1, [1]), step: 0, x: first });
      });
      const s1 = await h.read(state);
      const later = { tensor: x[1], stride: F * T, slot: 2 };
      const rawSlot = { tensor: raw, stride: T + 1, slot: 1 };
      await h.run((rec) => {
        k(rec, MAP, { grads: grads[1], weights: w, state, clock, step: 2, x: later, raw: rawSlot });
      });
      return {
        x1: await h.read(x[0]),
        s1,
        x2: await h.read(x[1]),
        s2: await h.read(state),
        raw: await h.read(raw),
      };
    },
    { g1, g2, weights, MAP, C, T, F },
  );
  const state = new Float64Array(4 * C);
  const slot = (x: number[], s: number) =>
    Array.from({ length: C }, (_, c) => x.slice((c * T + s) * F, (c * T + s + 1) * F)).flat();
  expectClose(slot(out.x1, 1), loptFeaturesRef(MAP, g1, weights, state, 0), `features, t = 0 (seed ${seed})`);
  expectClose(out.s1, state, `state after t = 0 (seed ${seed})`);
  expect(out.x1.slice(0, F).every(Number.isNaN), 'other slots stay poisoned').toBe(true);
  expectClose(
    slot(out.x2, 2),
    loptFeaturesRef(MAP, g2, weights, state, 11),
    `features, t = 11 (seed ${seed})`,
  );
  expectClose(out.s2, state, `state after t = 11 (seed ${seed})`);
  expect(
    Array.from({ length: C }, (_, c) => out.raw[c * (T + 1) + 1]),
    'raw gradients',
  ).toEqual(gatherRef(MAP, g2));
});

test('lopt_update and lopt_credit (plain, log meta-loss, bounded steps) against float64', async ({ gpu }) => {
  const seed = Date.now() & 0xffff;
  const rand = rng(seed);
  const weights = uniform(rand, W);
  const update = uniform(rand, C);
  const T = 4;
  const tasks = 3;
  const raw = uniform(rand, C * (T + 1));
  const losses = uniform(rand, (T + 1) * tasks, 0.01, 3);
  const taskOf = Array.from({ length: C }, () => Math.floor(rand() * tasks));
  // Bounded steps: outputs up to ±3, so 0.1 · u reaches 6× the bound and the tanh bends well away from linear.
  const outputs = uniform(rand, C * T, -3, 3);
  const bound = 0.05;
  const out = await gpu.evaluate(
    async ({ weights, update, raw, losses, taskOf, tasks, MAP, C, T, outputs, bound }) => {
      const h = window.harness;
      const w = await h.tensor([weights.length], weights);
      const u = await h.tensor([update.length], update);
      const r = await h.tensor([raw.length], raw);
      const f = await h.tensor([losses.length], losses);
      const task = await h.tensor([C], taskOf, 'u32');
      const d = await h.tensor([C * T]);
      const dLog = await h.tensor([C * T]);
      const wb = await h.tensor([weights.length], weights);
      const us = await h.tensor([C * T], outputs);
      const dBound = await h.tensor([C * T]);
      await h.run((rec) => {
        h.lib.loptUpdate(rec, MAP, { update: u, weights: w }, 0.1);
        h.lib.loptUpdate(rec, MAP, { update: u, weights: wb }, 0.1, bound);
        h.lib.loptCredit(rec, { coords: C, steps: T }, { raw: r, dUpdate: d }, 0.1);
        const log = { losses: f, taskOf: task, tasks };
        h.lib.loptCredit(rec, { coords: C, steps: T }, { raw: r, dUpdate: dLog, log }, 0.1);
        const b = { updates: us, b: bound };
        h.lib.loptCredit(rec, { coords: C, steps: T }, { raw: r, dUpdate: dBound, log, bound: b }, 0.1);
      });
      return {
        w: await h.read(w),
        wb: await h.read(wb),
        d: await h.read(d),
        dLog: await h.read(dLog),
        dBound: await h.read(dBound),
      };
    },
    { weights, update, raw, losses, taskOf, tasks, MAP, C, T, outputs, bound },
  );
  const want = Float64Array.from(weights);
  loptUpdateRef(MAP, want, update, f32(0.1));
  expectClose(out.w, want, `lopt_update (seed ${seed})`);
  expectClose(out.d, loptCreditRef(raw, C, T, f32(0.1)), `lopt_credit (seed ${seed})`);
  const log = { losses, taskOf, tasks };
  expectClose(out.dLog, loptCreditRef(raw, C, T, f32(0.1), log), `lopt_credit, log (seed ${seed})`);
  const wantBound = Float64Array.from(weights);
  loptUpdateRef(MAP, wantBound, update, f32(0.1), f32(bound));
  expectClose(out.wb, wantBound, `lopt_update, bounded (seed ${seed})`);
  const b = { updates: outputs, b: f32(bound) };
  const dBound = loptCreditRef(raw, C, T, f32(0.1), log, b);
  expectClose(out.dBound, dBound, `lopt_credit, bounded (seed ${seed})`);
  // Positive control: the bound changes both (a kernel ignoring it would fail above).
  expect(
    Math.max(...dBound.map((v, i) => Math.abs(v - out.dLog[i]))),
    'bounded credit differs',
  ).toBeGreaterThan(1e-3 * Math.max(...dBound.map(Math.abs)));
  expect(
    Math.max(...wantBound.map((v, i) => Math.abs(v - out.w[i]))),
    'bounded step differs',
  ).toBeGreaterThan(1e-3);
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

for (const [features, maxUpdate] of [
  ['v1', 0],
  ['v2', 0],
  ['v2', 0.02],
] as const) {
  const what = maxUpdate ? `${features}, steps bounded by ${maxUpdate}` : features;
  test(`learned optimizer (${what}): the meta-gradient of a truncation matches float64 (fresh run and continued)`, async ({
    gpu,
  }) => {
    const F = features === 'v2' ? V2_FEATURES : 2;
    const shape = { layers: 2, inputSize: F, hiddenSize: 4, groups: 1 };
    const T = 3;
    const out = await gpu.evaluate(
      async ({ T, features, maxUpdate }) => {
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
        const opts = { taskHidden: 3, unroll: T, runSteps: 2 * T, features, maxUpdate };
        const l = await h.lib.LearnedOptimizer.create(g, config, opts);
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
            taskOf: Array.from(
              new Uint32Array(Float32Array.from(await h.read(l.unrollBuffers.taskOf)).buffer),
            ),
            grads: await h.read(l.grads),
          });
        }
        const coords = h.lib.coordCount(l.coordMap(config.metaBatch));
        l.destroy();
        return { steps, coords, seed: config.seed };
      },
      { T, features, maxUpdate },
    );
    const { coordCount: C } = { coordCount: out.coords };
    // 2 tasks × (3·3 input weights, skip 3·3·3 recurrent, 2·9 biases + 3 + 1 head) = 2 × 31 coordinates.
    expect(C).toBe(62);
    // v2: the inputs the learner saved over both truncations of the run are the features of its gradients and
    // weights, the momenta carried from the first truncation into the second.
    const identity = { o0: 0, n0: C, o1: C, n1: 0 };
    const state = new Float64Array(4 * C);
    out.steps.forEach((s, k) => {
      expect(s.raw.some((v) => v !== 0) && s.x.every(Number.isFinite), `step ${k + 1} saw gradients`).toBe(
        true,
      );
      for (let t = 0; features === 'v2' && t < T; t++) {
        const at = (c: number, i: number) => s.x[(c * T + t) * F + i];
        const g = Array.from({ length: C }, (_, c) => s.raw[c * (T + 1) + t]);
        const theta = Array.from({ length: C }, (_, c) => at(c, 7));
        const got = Array.from({ length: C * F }, (_, q) => at(Math.floor(q / F), q % F));
        const want = loptFeaturesRef(identity, g, theta, state, k * T + t);
        expectClose(got, want, `saved v2 inputs, step ${k * T + t} of the run (seed ${out.seed})`);
      }
      // The default meta-loss is mean log f: each coordinate's gradients are divided by its task's loss.
      const log = { losses: s.losses, taskOf: s.taskOf, tasks: 2 };
      expect(new Set(s.taskOf), 'tasks of the coordinates').toEqual(new Set([0, 1]));
      const h0 = k === 0 ? undefined : s.start;
      const want = loptMetaGradientRef(shape, s.params, s.x, s.raw, h0, C, T, f32(0.1), log, f32(maxUpdate));
      expectClose(s.grads, want, `meta-gradient, step ${k + 1} (seed ${out.seed})`, 2e-4);
      if (maxUpdate) {
        // The forward applied the bounded steps: θ (input 7 of 'v2') moves by loptStepRef(u) from t to t + 1.
        const { output } = gruForwardRef(shape, { batch: C, steps: T }, s.params, s.x, h0);
        const u = loptOutputsRef(shape, s.params, output, C * T);
        const moved: number[] = [];
        const bounded: number[] = [];
        const free: number[] = [];
        for (let c = 0; c < C; c++) {
          for (let t = 0; t + 1 < T; t++) {
            moved.push(s.x[(c * T + t + 1) * F + 7] - s.x[(c * T + t) * F + 7]);
            bounded.push(loptStepRef(u[c * T + t], f32(0.1), f32(maxUpdate)));
            free.push(loptStepRef(u[c * T + t], f32(0.1)));
          }
        }
        expectClose(moved, bounded, `bounded steps, step ${k + 1} (seed ${out.seed})`);
        expect(Math.max(...free.map((v, i) => Math.abs(v - bounded[i]))), 'the bound bends').toBeGreaterThan(
          0.01 * Math.max(...bounded.map(Math.abs)),
        );
        // Positive control: with these outputs the bound bends the steps, so the unbounded credit differs.
        const unbounded = loptMetaGradientRef(shape, s.params, s.x, s.raw, h0, C, T, f32(0.1), log);
        const gap = Math.max(...unbounded.map((v, i) => Math.abs(v - want[i])));
        expect(gap, 'bounded meta-gradient differs').toBeGreaterThan(1e-3 * Math.max(...want.map(Math.abs)));
      }
    });
  });
}

test('forecast optimizee: task models read windows, every weight (W_hh too) is a coordinate; SGD run against float64', async ({
  gpu,
}) => {
  const seed = 100 + (Date.now() % 1000);
  const [tasks, Ht, lr, steps] = [3, 3, 0.5, 3];
  const out = await gpu.evaluate(
    async ({ seed, tasks, Ht, lr, steps }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = { ...h.lib.defaultsFor('sinusoid', 'lopt'), hidden: 4, metaBatch: 2, shots: 5, seed };
      const opts = { taskHidden: Ht, optimizee: 'forecast' as const, unroll: 2, runSteps: 2 };
      const l = await h.lib.LearnedOptimizer.create(g, config, opts);
      const curve = await l.baselineCurve('sgd', lr, tasks, seed, steps);
      const d = await l.drawn(tasks, seed);
      const r = {
        curve,
        x: Array.from(d.x),
        y: Array.from(d.y),
        weights: Array.from(d.weights),
        entries: l.cell.entries.map((e) => ({ name: e.name, offset: e.offset, size: e.size })),
        coords: h.lib.coordCount(l.coordMap(tasks)),
        shape: h.lib.FORECAST_OPTIMIZEE,
      };
      l.destroy();
      return r;
    },
    { seed, tasks, Ht, lr, steps },
  );
  const { context, window: W } = out.shape;
  const size = out.entries.reduce((a, e) => a + e.size, 0);
  expect(out.coords, 'every weight of every task model is a coordinate').toBe(tasks * size);
  // Each task slot's initial weights (grouped: each tensor [tasks, size]) in the cell's order; its windows.
  const bank = initUniform(tasks * size, 1 / Math.sqrt(Ht), seed ^ 0x5eed);
  expect(out.weights, 'the runs start from the bank of initial weights').toEqual(Array.from(bank));
  const rows = context - W;
  const cell = { hidden: Ht, steps: W, sequence: true };
  const whh = out.entries.find((e) => e.name === 'gru.weight_hh_l0')!;
  const run = (b: number, frozenWhh: boolean) => {
    const w = new Float64Array(size);
    for (const e of out.entries)
      w.set(bank.subarray(tasks * e.offset + b * e.size, tasks * e.offset + (b + 1) * e.size), e.offset);
    const x = out.x.slice(b * rows * W, (b + 1) * rows * W);
    const y = out.y.slice(b * rows, (b + 1) * rows);
    const losses: number[] = [];
    for (let s = 0; s <= steps; s++) {
      const { loss, grad } = cellLossGradRef(cell, w, x, y);
      losses.push(loss);
      for (let i = 0; i < size; i++) {
        const recurrent = i >= whh.offset && i < whh.offset + whh.size;
        if (!(frozenWhh && recurrent)) w[i] -= lr * grad[i];
      }
    }
    return losses;
  };
  let err = 0;
  let gap = 0;
  for (let b = 0; b < tasks; b++) {
    const got = out.curve.map((row) => row[b]);
    const want = run(b, false);
    expectClose(got, want, `task ${b}: loss at steps 0..${steps} (seed ${seed})`, 1e-4, 1e-6);
    const frozen = run(b, true);
    const taskErr = Math.max(...got.map((v, s) => Math.abs(v - want[s])));
    const taskGap = Math.max(...got.map((v, s) => Math.abs(v - frozen[s])));
    console.log(
      `task ${b}: |gpu − float64| ${taskErr.toExponential(2)}, |gpu − W_hh frozen| ${taskGap.toExponential(2)}`,
    );
    err = Math.max(err, taskErr);
    gap = Math.max(gap, taskGap);
  }
  // Positive control: with W_hh left out (as on the one-step sinusoid cell) the runs differ from the GPU's by
  // far more than the GPU differs from the float64 runs. Over every task and step: one task's draw can leave
  // its loss nearly blind to W_hh (seen: 7e-9 at the last step, against 5e-10 of rounding).
  expect(gap, `W_hh's updates matter (seed ${seed})`).toBeGreaterThan(20 * err);
});

test('learned optimizer: every training run starts from its own draw of initial weights', async ({ gpu }) => {
  const out = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = { ...h.lib.defaultsFor('sinusoid', 'lopt'), hidden: 4, metaBatch: 2, shots: 5, seed: 5 };
    // One truncation per run: every meta-step starts a run. v2 saves θ_0 among its inputs (feature 7).
    const opts = { taskHidden: 3, unroll: 2, runSteps: 2, features: 'v2' as const };
    const l = await h.lib.LearnedOptimizer.create(g, config, opts);
    const runs = [];
    for (let k = 0; k < 3; k++) {
      l.step();
      runs.push({
        init: await h.read(l.unrollBuffers.initialWeights),
        x: await h.read(l.unrollBuffers.inputs),
      });
    }
    const weightOf = Array.from({ length: h.lib.coordCount(l.coordMap(2)) }, (_, c) =>
      h.lib.coordWeight(l.coordMap(2), c),
    );
    l.destroy();
    return { runs, weightOf };
  });
  const F = V2_FEATURES;
  const [a, b, c] = out.runs;
  const differ = (u: number[], v: number[]) => u.filter((x, i) => x !== v[i]).length;
  expect(differ(a.init, b.init), 'runs 0 and 1: weights that differ').toBe(a.init.length);
  expect(differ(b.init, c.init), 'runs 1 and 2: weights that differ').toBe(b.init.length);
  // What the optimizer saw at step 0 of each run is that run's draw.
  out.runs.forEach((r, k) => {
    const theta0 = out.weightOf.map((_, q) => r.x[q * 2 * F + 7]);
    expect(theta0, `θ_0 of run ${k}`).toEqual(out.weightOf.map((i) => r.init[i]));
  });
});

test('learned optimizer: heavy-tailed run lengths, a pure function of (seed, run)', async ({ gpu }) => {
  const out = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = { ...h.lib.defaultsFor('sinusoid', 'lopt'), hidden: 4, metaBatch: 2, shots: 5, seed: 7 };
    const make = (maxRunSteps: number) =>
      h.lib.LearnedOptimizer.create(g, config, { taskHidden: 3, runSteps: 100, unroll: 20, maxRunSteps });
    const [l, m, fixed] = [await make(1000), await make(1000), await make(0)];
    // Truncations per run, from where each meta-step falls: schedule(step) = { run, index in the run }.
    const lengths = (x: typeof l, steps: number) => {
      const n: number[] = [];
      for (let s = 0; s < steps; s++) n[x.schedule(s).run] = x.schedule(s).index + 1;
      return n.slice(0, -1); // the last run may be cut short
    };
    // Asked out of order, a second learner gives the same schedule.
    const late = m.schedule(19_999);
    const out = { n: lengths(l, 20_000), again: lengths(m, 20_000), fixed: lengths(fixed, 100), late };
    for (const x of [l, m, fixed]) x.destroy();
    return { ...out, last: l.schedule(19_999) };
  });
  expect(out.again).toEqual(out.n);
  expect(out.late).toEqual(out.last);
  expect(new Set(out.fixed)).toEqual(new Set([5]));
  expect(Math.min(...out.n)).toBe(1);
  expect(Math.max(...out.n)).toBe(50);
  // Log-uniform on 1..50: P(n = 1) = log 2 / log 51 ≈ 0.18, P(n ≥ 26) = log(51/26) / log 51 ≈ 0.17.
  const share = (f: (v: number) => boolean) => out.n.filter(f).length / out.n.length;
  expect(out.n.length).toBeGreaterThan(1000);
  expect(share((v) => v === 1)).toBeGreaterThan(0.13);
  expect(share((v) => v === 1)).toBeLessThan(0.23);
  expect(share((v) => v >= 26)).toBeGreaterThan(0.12);
  expect(share((v) => v >= 26)).toBeLessThan(0.22);
});

for (const features of ['v1', 'v2'] as const) {
  test(`learned optimizer learns (${features}): after 40 meta-steps it lowers held-out task losses it first raised`, async ({
    gpu,
  }) => {
    test.setTimeout(240_000);
    const out = await gpu.evaluate(async (features) => {
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
      const opts = { taskHidden: 8, unroll: 10, runSteps: 20, features };
      const l = await h.lib.LearnedOptimizer.create(g, config, opts);
      const mean = (r: number[]) => r.reduce((a, b) => a + b, 0) / r.length;
      const before = (await l.lossCurve(8, 11, 20)).map(mean);
      await h.lib.train(l, 40);
      const after = (await l.lossCurve(8, 11, 20)).map(mean);
      const dispatches = l.dispatchesPerStep;
      l.destroy();
      return { before, after, dispatches };
    }, features);
    const [start, end] = [out.after[0], out.after[20]];
    expect(out.before[0]).toBeCloseTo(start, 5); // same tasks, same initial weights
    expect(
      end,
      `trained: ${start.toFixed(3)} → ${end.toFixed(3)}; untrained → ${out.before[20].toFixed(3)}`,
    ).toBeLessThan(0.85 * start);
    expect(end, `untrained ends at ${out.before[20].toFixed(3)}`).toBeLessThan(out.before[20]);
  });
}

test('learned optimizer: a checkpoint of another feature set is refused in one line', async ({ gpu }) => {
  const message = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = { ...h.lib.defaultsFor('sinusoid', 'lopt'), hidden: 4, metaBatch: 2, shots: 5 };
    const opts = { taskHidden: 3, unroll: 2, runSteps: 2 };
    const v1 = await h.lib.LearnedOptimizer.create(g, config, { ...opts, features: 'v1' });
    const v2 = await h.lib.LearnedOptimizer.create(g, config, { ...opts, features: 'v2' });
    try {
      v2.load(await v1.state(), 0);
      return 'loaded';
    } catch (e) {
      return (e as Error).message;
    } finally {
      v1.destroy();
      v2.destroy();
    }
  });
  expect(message).toBe(
    "lopt: the checkpoint's optimizer reads 2 inputs per coordinate (features 'v1'), this one 11 " +
      "(features 'v2'); build it with the checkpoint's feature set",
  );
});
