import {
  cellForwardRef,
  adaptRef,
  mamlExactRef,
  metaGradientRef,
  metaSgdGradientRef,
  type TaskRef,
} from '../src/reference/maml';
import { sinusoidSequencesRef } from '../src/reference/sinusoid_sequences';
import { expect, expectClose, test } from './fixtures';

// MAML, FOMAML and Reptile end to end on the GPU: one recorded training step's meta-gradient against the
// float64 reference (src/reference/maml.ts) on a tiny GRU cell, predict() against the reference model, and
// short meta-training runs on sinusoids that must lower the held-out query MSE.

type Learner = 'maml' | 'fomaml' | 'reptile';
const TINY = { hidden: 3, metaBatch: 3, shots: 4, queries: 3, seed: 5 };
// α = 0.3 makes the second-order terms large (the FOMAML gradient is far from MAML's here), so the check
// tells them apart.
const INNER = { innerSteps: 2, innerLr: 0.3, hvp: 'fd' as 'fd' | 'exact', hvpEpsilon: 1e-2, cellSteps: 1 };

/** Runs one training step of a fresh learner; returns θ before it, the meta-gradient and the step's tasks. */
async function oneStep(
  page: import('@playwright/test').Page,
  learner: Learner,
  tiny: typeof TINY & { layers?: number } = TINY,
  inner: typeof INNER = INNER,
) {
  return page.evaluate(
    async ({ learner, TINY, INNER }) => {
      const h = window.harness;
      const lib = h.lib;
      const g = await h.gpu();
      const config = { ...lib.DEFAULT_CONFIG, layers: 1, ...TINY, learner };
      const l =
        learner === 'reptile'
          ? await lib.ReptileLearner.create(g, config, INNER)
          : await lib.MamlLearner.create(g, config, learner === 'maml' ? 2 : 1, INNER);
      const theta = Array.from(await g.read(l.params));
      l.step();
      const grads = Array.from(await g.read(l.grads));
      const ep = Array.from(await g.read(l.episode));
      const lay = lib.sinusoidEpisodeLayout({
        tasks: TINY.metaBatch,
        shots: TINY.shots,
        queries: TINY.queries,
      });
      const dispatches = l.dispatchesPerStep;
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) l.step();
      await g.read(l.grads);
      const ms = (performance.now() - t0) / 3;
      l.destroy();
      return { theta, grads, ep, lay, dispatches, ms };
    },
    { learner, TINY: tiny, INNER: inner },
  );
}

function tasksOf(ep: number[], lay: Record<string, number>, tiny = TINY): TaskRef[] {
  const { shots: K, queries: Q } = tiny;
  return Array.from({ length: tiny.metaBatch }, (_, b) => ({
    supportX: ep.slice(lay.supportX + b * K, lay.supportX + (b + 1) * K),
    supportY: ep.slice(lay.supportY + b * K, lay.supportY + (b + 1) * K),
    queryX: ep.slice(lay.queryX + b * Q, lay.queryX + (b + 1) * Q),
    queryY: ep.slice(lay.queryY + b * Q, lay.queryY + (b + 1) * Q),
  }));
}

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
  return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) / scale;
};

/** Per-entry relative error as issue 15 states it: |a − e| / max(|e|, 1e-6 · max |e|), the worst entry. */
function perEntry(a: ArrayLike<number>, e: ArrayLike<number>): number {
  const top = Math.max(...Array.from(e, Math.abs));
  return Array.from(a).reduce((m, v, i) => {
    const r = Math.abs(v - e[i]) / Math.max(Math.abs(e[i]), 1e-6 * top);
    return r <= m ? m : r;
  }, 0);
}

// Exact second-order MAML (tangent kernels) against the float64 exact reference (mamlExactRef, itself checked
// against central differences of the meta-loss): the tiny cell, the default size (hidden 32, 5 inner steps at
// α = 0.05), and a stacked recurrent cell (2 layers reading x for 8 steps, 3 inner steps), per-task weights.
// The FD chain runs on the same tasks for comparison; both errors and the step times are logged.
const EXACT_CASES = [
  { tiny: TINY, inner: { ...INNER, hvp: 'exact' as const } },
  {
    tiny: { hidden: 32, metaBatch: 4, shots: 10, queries: 5, seed: 3 },
    inner: { ...INNER, innerSteps: 5, innerLr: 0.05, hvp: 'exact' as const },
  },
  {
    tiny: { hidden: 8, layers: 2, metaBatch: 3, shots: 4, queries: 3, seed: 9 },
    inner: { ...INNER, innerSteps: 3, innerLr: 0.3, hvp: 'exact' as const, cellSteps: 8 },
  },
];
for (const { tiny, inner } of EXACT_CASES) {
  test(`exact second-order MAML meta-gradient matches float64 ${JSON.stringify({ ...tiny, ...inner })}`, async ({
    gpu,
  }) => {
    const r = await oneStep(gpu, 'maml', tiny, inner);
    const o = {
      hidden: tiny.hidden,
      layers: 'layers' in tiny ? tiny.layers : 1,
      steps: inner.cellSteps,
      ...inner,
    };
    const tasks = tasksOf(r.ep, r.lay, tiny);
    const exact = mamlExactRef(o, r.theta, tasks);
    const firstOrder = metaGradientRef('fomaml', o, r.theta, tasks);
    const fd = await oneStep(gpu, 'maml', tiny, { ...inner, hvp: 'fd' });
    const fo = await oneStep(gpu, 'fomaml', tiny, inner);
    const gap = maxRelDiff(firstOrder, exact);
    console.log(
      `exact MAML ${JSON.stringify(o)}: error ${maxRelDiff(r.grads, exact).toExponential(2)} of max |g| ` +
        `(per entry ${perEntry(r.grads, exact).toExponential(2)}); FD chain ${maxRelDiff(fd.grads, exact).toExponential(2)} ` +
        `(per entry ${perEntry(fd.grads, exact).toExponential(2)}); FOMAML ${gap.toFixed(3)} away; step ` +
        `${r.ms.toFixed(1)} ms exact, ${fd.ms.toFixed(1)} ms FD, ${fo.ms.toFixed(1)} ms first order; ` +
        `${r.dispatches} / ${fd.dispatches} / ${fo.dispatches} dispatches`,
    );
    expectClose(r.grads, exact, 'exact MAML meta-gradient', 1e-4);
    expect(gap, 'second-order terms must be large enough for the check to mean something').toBeGreaterThan(
      0.01,
    );
  });
}

test('second-order MAML meta-gradient (FD Hessian-vector products on the GPU) matches float64', async ({
  gpu,
}) => {
  const r = await oneStep(gpu, 'maml');
  const o = { hidden: TINY.hidden, ...INNER };
  const tasks = tasksOf(r.ep, r.lay);
  const exact = metaGradientRef('maml', o, r.theta, tasks);
  const firstOrder = metaGradientRef('fomaml', o, r.theta, tasks);
  const err = maxRelDiff(r.grads, exact);
  const gap = maxRelDiff(firstOrder, exact);
  console.log(
    `MAML meta-gradient: max error ${err.toExponential(2)} of max |g|; FOMAML is ${gap.toFixed(2)} away`,
  );
  expect(r.dispatches, '14 + 32 · innerSteps dispatches').toBe(14 + 32 * INNER.innerSteps);
  // The float32 central difference H v ≈ (∇L(θ + εv̂) − ∇L(θ − εv̂)) / 2ε errs by rounding, ~1e-7 · |∇L| / ε
  // (1e-5 at ε = 1e-2), plus truncation, ~ε² · |∇³L| (1e-4 and more at ε = 0.1). Measured here: ~1e-5 at
  // ε = 1e-2 (2e-5 at 3e-3, 9e-5 at 1e-3, 9e-4 at 0.1; 6e-6 on a hidden-8 cell with 5 inner steps).
  // 1e-3 leaves a 100x margin at ε = 1e-2 and is still ~1000x below the first-order gap asserted next.
  expect(err).toBeLessThan(1e-3);
  expect(gap, 'second-order terms must be large enough for the check to mean something').toBeGreaterThan(0.1);
});

for (const learner of ['fomaml', 'reptile'] as const) {
  test(`${learner} meta-gradient matches float64`, async ({ gpu }) => {
    const r = await oneStep(gpu, learner);
    const tasks = tasksOf(r.ep, r.lay);
    const exact = metaGradientRef(learner, { hidden: TINY.hidden, ...INNER }, r.theta, tasks);
    expect(r.dispatches).toBe((learner === 'fomaml' ? 14 : 10) + 10 * INNER.innerSteps);
    // Exact gradients in float32 through two inner steps: measured ~1e-7 of max |g|.
    expectClose(r.grads, exact, `${learner} meta-gradient`, 1e-5);
  });
}

test('predict: un-adapted with no support, adapted on the support otherwise', async ({ gpu }) => {
  const support = [
    { x: -3.5, y: 1.2 },
    { x: 0.7, y: -0.4 },
    { x: 4.1, y: 2.0 },
  ];
  const queryX = [-4.9, -1, 0, 2.5, 5];
  const r = await gpu.evaluate(
    async ({ TINY, INNER, support, queryX }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = { ...h.lib.DEFAULT_CONFIG, layers: 1, ...TINY, learner: 'maml' as const };
      const l = await h.lib.MamlLearner.create(g, config, 2, INNER);
      const theta = Array.from(await g.read(l.params));
      const plain = await l.predict([], queryX);
      const adapted = await l.predict(support, queryX);
      l.destroy();
      return { theta, plain, adapted };
    },
    { TINY, INNER, support, queryX },
  );
  const H = TINY.hidden;
  expectClose(r.plain, cellForwardRef(H, r.theta, queryX), 'un-adapted predictions');
  const task = {
    supportX: support.map((s) => s.x),
    supportY: support.map((s) => s.y),
    queryX: [],
    queryY: [],
  };
  const w = adaptRef({ hidden: H, ...INNER }, r.theta, task).at(-1)!;
  expectClose(r.adapted, cellForwardRef(H, w, queryX), 'adapted predictions');
});

// Short runs, fixed seed: hidden 8, 10 tasks per meta-batch, 3 inner steps at α = 0.1, Adam at lr 0.05.
// Held-out MSE on 50 tasks (stream 1) before → after, seed 1, measured on this adapter:
//   maml 80 steps 4.75 → 2.78 (seed 2: → 3.17); fomaml 150 steps → 2.32 (2.22); reptile 150 → 3.06 (2.39).
// Asserted: a drop of at least 20% each (before ≈ 4.7 is about predicting 0: E[A²/2] ≈ 4.25).
const RUNS: Record<Learner, number> = { maml: 80, fomaml: 150, reptile: 150 };
for (const [learner, steps] of Object.entries(RUNS) as [Learner, number][]) {
  test(`${learner} lowers the held-out sinusoid query MSE in ${steps} steps`, async ({ gpu }) => {
    const r = await gpu.evaluate(
      async ({ learner, steps }) => {
        const h = window.harness;
        const lib = h.lib;
        const g = await h.gpu();
        const config = {
          ...lib.DEFAULT_CONFIG,
          learner,
          layers: 1,
          hidden: 8,
          metaBatch: 10,
          seed: 1,
          lr: 0.05,
        };
        const inner = { innerSteps: 3, innerLr: 0.1 };
        const l =
          learner === 'reptile'
            ? await lib.ReptileLearner.create(g, config, inner)
            : await lib.MamlLearner.create(g, config, learner === 'maml' ? 2 : 1, inner);
        const before = (await l.evaluate(50, 77)).mean;
        for (let s = 0; s < steps; s++) l.step();
        const loss = await l.lastLoss();
        const after = (await l.evaluate(50, 77)).mean;
        // Built to score only (what eval and predict build): the same weights score the same, and nothing was
        // recorded for training.
        const scoringConfig = { ...config, scoring: true };
        const s =
          learner === 'reptile'
            ? await lib.ReptileLearner.create(g, scoringConfig, inner)
            : await lib.MamlLearner.create(g, scoringConfig, learner === 'maml' ? 2 : 1, inner);
        s.load(await l.state(), l.stepCount);
        const scored = (await s.evaluate(50, 77)).mean;
        let refused = '';
        try {
          s.step();
        } catch (e) {
          refused = (e as Error).message;
        }
        const dispatches = s.dispatchesPerStep;
        s.destroy();
        l.destroy();
        return { before, after, loss, scored, refused, dispatches };
      },
      { learner, steps },
    );
    expect(r.scored).toBe(r.after);
    expect(r.refused).toContain('built to score only');
    expect(r.dispatches).toBe(0);
    console.log(
      `${learner}: held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)}, last train loss ${r.loss.toFixed(3)}`,
    );
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.after).toBeLessThan(0.8 * r.before);
  });
}

// Meta-SGD: one training step's meta-gradient in θ and in the learned rates α against float64 central
// differences of the meta-loss (one and three inner steps, a recurrent cell), rates that move in training, and
// a short run that learns.
for (const inner of [
  { innerSteps: 1, innerLr: 0.3, cellSteps: 1 },
  { innerSteps: 3, innerLr: 0.2, cellSteps: 3 },
]) {
  test(`Meta-SGD meta-gradient (θ and α) matches float64 ${JSON.stringify(inner)}`, async ({ gpu }) => {
    const r = await gpu.evaluate(
      async ({ TINY, inner }) => {
        const h = window.harness;
        const g = await h.gpu();
        const config = { ...h.lib.DEFAULT_CONFIG, layers: 1, ...TINY, learner: 'metasgd' as const };
        const l = await h.lib.MetaSgdLearner.create(g, config, inner);
        // Rates that differ per weight (and one negative), so that α ⊙ is really elementwise.
        const S = l.cell.size;
        const params = Array.from(await g.read(l.params));
        for (let i = 0; i < S; i++)
          params[S + i] = inner.innerLr * (0.5 + ((i * 7) % 11) / 10) * (i === 3 ? -1 : 1);
        g.write(l.params, params);
        g.fill(l.grads, NaN);
        l.step();
        const grads = Array.from(await g.read(l.grads));
        const ep = Array.from(await g.read(l.episode));
        const lay = h.lib.sinusoidEpisodeLayout({
          tasks: TINY.metaBatch,
          shots: TINY.shots,
          queries: TINY.queries,
        });
        l.destroy();
        return { params, grads, ep, lay, S };
      },
      { TINY, inner },
    );
    const o = { hidden: TINY.hidden, steps: inner.cellSteps, ...inner };
    const want = metaSgdGradientRef(o, r.params.slice(0, r.S), r.params.slice(r.S), tasksOf(r.ep, r.lay));
    expectClose(r.grads.slice(0, r.S), want.slice(0, r.S), 'Meta-SGD ∂/∂θ', 1e-4);
    expectClose(r.grads.slice(r.S), want.slice(r.S), 'Meta-SGD ∂/∂α', 1e-4);
  });
}

test('Meta-SGD learns: its rates move and the held-out sinusoid query MSE falls by 20% in 80 steps', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      learner: 'metasgd' as const,
      layers: 1,
      hidden: 8,
      metaBatch: 10,
    };
    const l = await h.lib.MetaSgdLearner.create(
      g,
      { ...config, seed: 1, lr: 0.05 },
      { innerSteps: 1, innerLr: 0.1 },
    );
    const before = (await l.evaluate(50, 77)).mean;
    for (let s = 0; s < 80; s++) l.step();
    const after = (await l.evaluate(50, 77)).mean;
    const rates = Array.from(await g.read(l.rates!));
    l.destroy();
    return { before, after, rates };
  });
  const moved = r.rates.filter((a) => Math.abs(a - 0.1) > 1e-3).length;
  console.log(
    `metasgd: held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)}; ${moved}/${r.rates.length} rates moved, ` +
      `range ${Math.min(...r.rates).toFixed(3)} … ${Math.max(...r.rates).toFixed(3)}`,
  );
  // Every rate moves but those of W_hh (3 · 8 · 8), which reads h0 = 0 in a one-step cell: no gradient.
  expect(moved).toBe(r.rates.length - 3 * 8 * 8);
  expect(r.after).toBeLessThan(0.8 * r.before);
});

// MAML where recurrence matters: forecast tasks, the task model reading windows of past values. One training
// step's exact second-order meta-gradient against the float64 reference on the step's own windows (the
// FOMAML gradient far from it), and a short run that beats its start.
test('forecast MAML: exact second-order meta-gradient through the window recurrence matches float64', async ({
  gpu,
}) => {
  const tiny = { hidden: 6, metaBatch: 3, shots: 9, queries: 3, seed: 4 };
  const inner = { innerSteps: 3, innerLr: 0.3, cellSteps: 5 };
  const r = await gpu.evaluate(
    async ({ tiny, inner }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = {
        ...h.lib.DEFAULT_CONFIG,
        layers: 1,
        ...tiny,
        task: 'forecast' as const,
        learner: 'maml' as const,
      };
      const l = await h.lib.MamlLearner.create(g, config, 2, inner);
      const theta = Array.from(await g.read(l.params));
      g.fill(l.grads, NaN);
      l.step();
      const grads = Array.from(await g.read(l.grads));
      const windows = Array.from(await g.read(l.episode));
      const shape = {
        tasks: tiny.metaBatch,
        context: tiny.shots,
        horizon: tiny.queries,
        window: inner.cellSteps,
      };
      const lay = h.lib.forecastWindowLayout(shape);
      l.destroy();
      return { theta, grads, windows, lay };
    },
    { tiny, inner },
  );
  const W = inner.cellSteps;
  const S = tiny.shots - W;
  const P = tiny.queries;
  const w = r.windows;
  const tasks = Array.from({ length: tiny.metaBatch }, (_, b) => ({
    supportX: w.slice(r.lay.supportX + b * S * W, r.lay.supportX + (b + 1) * S * W),
    supportY: w.slice(r.lay.supportY + b * S, r.lay.supportY + (b + 1) * S),
    queryX: w.slice(r.lay.queryX + b * P * W, r.lay.queryX + (b + 1) * P * W),
    queryY: w.slice(r.lay.queryY + b * P, r.lay.queryY + (b + 1) * P),
  }));
  const o = { hidden: tiny.hidden, steps: W, sequence: true, ...inner };
  const exact = mamlExactRef(o, r.theta, tasks);
  const gap = maxRelDiff(metaGradientRef('fomaml', o, r.theta, tasks), exact);
  console.log(`forecast MAML: FOMAML is ${gap.toFixed(3)} of max |g| away from the exact meta-gradient`);
  expectClose(r.grads, exact, 'forecast MAML meta-gradient', 1e-4);
  expect(gap).toBeGreaterThan(0.01);
});

test('forecast MAML lowers the held-out one-step-ahead MSE by 30% in 40 steps (seed 1)', async ({ gpu }) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      ...h.lib.defaultsFor('forecast', 'maml'),
      hidden: 12,
      metaBatch: 6,
      innerSteps: 3,
      seed: 1,
    };
    const l = await h.lib.createLearner(g, config);
    const before = await l.evaluate(50, 5);
    for (let s = 0; s < 40; s++) l.step();
    const after = await l.evaluate(50, 5);
    l.destroy();
    return { before: before.mean, after: after.mean, last: after.lastValue! };
  });
  console.log(
    `forecast/maml: held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)} (last value ${r.last.mean.toFixed(3)})`,
  );
  expect(r.after).toBeLessThan(0.7 * r.before);
});

// --read-support: the task model reads the task's support pairs as a sequence (sinusoid_sequences), then the
// point, so the inner loop and the meta-gradient run through a recurrence of shots + 1 steps of 3 inputs.
// One training step of each learner against the float64 reference on the step's own rows, predict() against
// the reference model, and a short run that learns.
const READ = { hidden: 4, metaBatch: 2, shots: 3, queries: 2, seed: 6 };
const READ_INNER = { innerSteps: 2, innerLr: 0.3, readSupport: true };
type ReadLearner = Learner | 'metasgd';

/** One training step of a fresh --read-support learner: its parameters before, the meta-gradient, the tasks. */
async function readSupportStep(page: import('@playwright/test').Page, learner: ReadLearner) {
  return page.evaluate(
    async ({ learner, READ, READ_INNER }) => {
      const h = window.harness;
      const lib = h.lib;
      const g = await h.gpu();
      const config = { ...lib.DEFAULT_CONFIG, layers: 1, ...READ, learner };
      const l =
        learner === 'reptile'
          ? await lib.ReptileLearner.create(g, config, READ_INNER)
          : learner === 'metasgd'
            ? await lib.MetaSgdLearner.create(g, config, READ_INNER)
            : await lib.MamlLearner.create(g, config, learner === 'maml' ? 2 : 1, {
                ...READ_INNER,
                hvp: 'exact',
              });
      const params = Array.from(await g.read(l.params));
      g.fill(l.grads, NaN);
      l.step();
      const grads = Array.from(await g.read(l.grads));
      const ep = Array.from(await g.read(l.episode));
      const lay = lib.sinusoidEpisodeLayout({
        tasks: READ.metaBatch,
        shots: READ.shots,
        queries: READ.queries,
      });
      const S = l.cell.size;
      l.destroy();
      return { params, grads, ep, lay, S };
    },
    { learner, READ, READ_INNER },
  );
}

/** The tasks of an episode as --read-support rows, built by the reference from the episode's sequence part. */
function readSupportTasks(ep: number[], lay: Record<string, number>): TaskRef[] {
  const { metaBatch: B, shots: K, queries: Q } = READ;
  const s = { tasks: B, shots: K, queries: Q };
  const rows = sinusoidSequencesRef(s, ep.slice(lay.sequence, lay.sequence + B * (K + Q) * 3));
  const R = (K + 1) * 3; // one row's inputs
  return Array.from({ length: B }, (_, b) => ({
    supportX: rows.supportX.slice(b * K * R, (b + 1) * K * R),
    supportY: ep.slice(lay.supportY + b * K, lay.supportY + (b + 1) * K),
    queryX: rows.queryX.slice(b * Q * R, (b + 1) * Q * R),
    queryY: ep.slice(lay.queryY + b * Q, lay.queryY + (b + 1) * Q),
  }));
}

const READ_REF = {
  hidden: READ.hidden,
  steps: READ.shots + 1,
  sequence: true,
  inputSize: 3,
  innerSteps: READ_INNER.innerSteps,
  innerLr: READ_INNER.innerLr,
};

test('read-support: exact second-order MAML meta-gradient through the support recurrence matches float64', async ({
  gpu,
}) => {
  const r = await readSupportStep(gpu, 'maml');
  const tasks = readSupportTasks(r.ep, r.lay);
  const exact = mamlExactRef(READ_REF, r.params, tasks);
  const firstOrder = metaGradientRef('fomaml', READ_REF, r.params, tasks);
  const fo = await readSupportStep(gpu, 'fomaml');
  const gap = maxRelDiff(firstOrder, exact);
  console.log(
    `read-support MAML: error ${maxRelDiff(r.grads, exact).toExponential(2)} of max |g| (per entry ` +
      `${perEntry(r.grads, exact).toExponential(2)}); FOMAML on the GPU ${maxRelDiff(fo.grads, exact).toFixed(3)} away`,
  );
  expectClose(r.grads, exact, 'read-support MAML meta-gradient', 1e-4);
  // Positive control: the first-order meta-gradient (reference and GPU alike) is far from it.
  expect(gap, 'second-order terms must be large enough for the check to mean something').toBeGreaterThan(
    0.01,
  );
  expectClose(fo.grads, firstOrder, 'read-support FOMAML meta-gradient', 1e-4);
  expect(maxRelDiff(fo.grads, exact)).toBeGreaterThan(0.01);
});

test('read-support: Reptile and Meta-SGD meta-gradients match float64', async ({ gpu }) => {
  const rep = await readSupportStep(gpu, 'reptile');
  const want = metaGradientRef('reptile', READ_REF, rep.params, readSupportTasks(rep.ep, rep.lay));
  expectClose(rep.grads, want, 'read-support Reptile meta-gradient', 1e-5);
  const sgd = await readSupportStep(gpu, 'metasgd');
  const S = sgd.S;
  const theta = sgd.params.slice(0, S);
  const rates = sgd.params.slice(S);
  const both = metaSgdGradientRef(READ_REF, theta, rates, readSupportTasks(sgd.ep, sgd.lay));
  expectClose(sgd.grads.slice(0, S), both.slice(0, S), 'read-support Meta-SGD ∂/∂θ', 1e-4);
  expectClose(sgd.grads.slice(S), both.slice(S), 'read-support Meta-SGD ∂/∂α', 1e-4);
});

test('read-support: predict() reads the support pairs as training does, left-padded when fewer', async ({
  gpu,
}) => {
  const support = [
    { x: -3.5, y: 1.2 },
    { x: 0.7, y: -0.4 },
    { x: 4.1, y: 2.0 },
  ];
  const queryX = [-4.9, 0, 2.5];
  const r = await gpu.evaluate(
    async ({ READ, READ_INNER, support, queryX }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = { ...h.lib.DEFAULT_CONFIG, layers: 1, ...READ, learner: 'maml' as const };
      const l = await h.lib.MamlLearner.create(g, config, 2, READ_INNER);
      const theta = Array.from(await g.read(l.params));
      const full = await l.predict(support, queryX);
      const fewer = await l.predict(support.slice(0, 2), queryX);
      const none = await l.predict([], queryX);
      l.destroy();
      return { theta, full, fewer, none };
    },
    { READ, READ_INNER, support, queryX },
  );
  const T = READ.shots + 1;
  for (const [got, given] of [
    [r.full, support],
    [r.fewer, support.slice(0, 2)],
    [r.none, []],
  ] as const) {
    // The points as an episode's sequence part would hold them, the rows left-padded to shots + 1 steps.
    const K = given.length;
    const sequence = [
      ...given.flatMap((p) => [p.x / 5, p.y / 5, 1]),
      ...queryX.flatMap((x) => [x / 5, 0, 0]),
    ];
    const rows = sinusoidSequencesRef({ tasks: 1, shots: K, queries: queryX.length }, sequence, T);
    const task = { supportX: rows.supportX, supportY: given.map((p) => p.y), queryX: [], queryY: [] };
    const w = K ? adaptRef(READ_REF, r.theta, task).at(-1)! : r.theta;
    expectClose(got, cellForwardRef(READ_REF, w, rows.queryX), `predict with ${K} support points`);
  }
});

// A short run, fixed seed: hidden 8, 10 tasks of 5 shots and 5 queries (rows of 6 steps), 3 inner steps at
// α = 0.1, Adam at lr 0.05. Held-out MSE on 50 tasks (stream 1) before → after 200 steps, measured on this
// adapter: seed 1 5.35 → 2.31 (seed 2 5.19 → 2.58, seed 3 5.15 → 2.17), ~12 s; it stays near the start for
// ~80 steps, then falls. Asserted: a drop of at least 40%.
test('read-support: MAML lowers the held-out sinusoid query MSE by 40% in 200 steps (seed 1)', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const lib = h.lib;
    const g = await h.gpu();
    const config = {
      ...lib.DEFAULT_CONFIG,
      learner: 'maml' as const,
      layers: 1,
      hidden: 8,
      metaBatch: 10,
      shots: 5,
      queries: 5,
      seed: 1,
      lr: 0.05,
    };
    const inner = { innerSteps: 3, innerLr: 0.1, readSupport: true };
    const l = await lib.MamlLearner.create(g, config, 2, inner);
    const before = (await l.evaluate(50, 77)).mean;
    const t0 = performance.now();
    for (let s = 0; s < 200; s++) l.step();
    const loss = await l.lastLoss();
    const seconds = (performance.now() - t0) / 1000;
    const after = (await l.evaluate(50, 77)).mean;
    l.destroy();
    return { before, after, loss, seconds };
  });
  console.log(
    `read-support maml: held-out MSE ${r.before.toFixed(3)} → ${r.after.toFixed(3)} in ${r.seconds.toFixed(1)} s, ` +
      `last train loss ${r.loss.toFixed(3)}`,
  );
  expect(Number.isFinite(r.loss)).toBe(true);
  expect(r.after).toBeLessThan(0.6 * r.before);
});
