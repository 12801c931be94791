import { adamStepRef, countSkipRef, sgdStepRef, sumSquaresRef } from '../src/reference/optim';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

// Tensors sit PAD elements into their buffers so that every element offset is exercised.
const PAD = 2;

for (const n of [1, 255, 257, 5000]) {
  test(`grad_norm n=${n}, alone and accumulated`, async ({ gpu }) => {
    const seed = Date.now() & 0xffff;
    const rand = rng(seed);
    const a = uniform(rand, n);
    const b = uniform(rand, 7);
    const out = await gpu.evaluate(
      async ({ a, b, PAD }) => {
        const h = window.harness;
        const ta = (await h.tensor([PAD + a.length], [...Array(PAD).fill(0), ...a])).view(PAD, [a.length]);
        const tb = await h.tensor([b.length], b);
        const outBuf = await h.tensor([PAD + 2]);
        await h.run((rec) => {
          h.lib.gradNorm(rec, { grads: ta, out: outBuf.view(PAD, [1]) });
          h.lib.gradNorm(rec, { grads: ta, out: outBuf.view(PAD + 1, [1]) });
          h.lib.gradNorm(rec, { grads: tb, out: outBuf.view(PAD + 1, [1]), accumulate: true });
        });
        return h.read(outBuf);
      },
      { a, b, PAD },
    );
    expect(out.slice(0, PAD).every(Number.isNaN), 'padding untouched').toBe(true);
    const sa = sumSquaresRef(a);
    expectClose(out.slice(PAD), [sa, sa + sumSquaresRef(b)], `grad_norm (seed ${seed})`);
  });
}

/** Hyper-parameters are float32 on the GPU: give the reference the same values. */
const f32 = <T extends Record<string, number>>(o: T) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.fround(v)])) as T;

interface OptimCase {
  name: string;
  n: number;
  steps: number;
  /** Record gradNorm before the step (without it, no clipping and no skip). */
  norm: boolean;
  /** Steps whose gradient gets this non-finite value at one element. */
  bad?: Record<number, number>;
  /** Learning rate per step: the host rewrites it in `hyper` between replays of one recorded program. */
  lr: (step: number) => number;
  /** Max global norm as a fraction of the gradients' expected norm sqrt(n / 3); 0 = off. */
  clip?: number;
}

/** Records gradNorm + one optimizer step once, replays it `grads.length` times; returns the state after each. */
async function replaySteps(
  page: import('@playwright/test').Page,
  args: {
    kind: 'adam' | 'sgd';
    params: number[];
    grads: number[][];
    hyper: number[];
    lrs: number[];
    norm: boolean;
    momentum: boolean;
    /** Floats before each tensor (default PAD). */
    pad?: number;
  },
) {
  return page.evaluate(
    async ({ kind, params, grads, hyper, lrs, norm, momentum, PAD }) => {
      const h = window.harness;
      const lib = h.lib;
      const g = await h.gpu();
      const n = params.length;
      const padded = async (data: number[]) =>
        (await h.tensor([PAD + data.length], [...Array(PAD).fill(0), ...data])).view(PAD, [data.length]);
      const zeros = () => Array<number>(n).fill(0);
      const tParams = await padded(params);
      const tGrads = await padded(zeros());
      const tHyper = await padded(hyper);
      const state = { m: await padded(zeros()), v: await padded(zeros()), buf: await padded(zeros()) };
      const rec = g.recorder();
      if (norm) lib.gradNorm(rec, { grads: tGrads, out: tHyper.view(lib.OPTIM_SLOT.sumSq, [1]) });
      if (kind === 'adam')
        lib.adamStep(rec, { params: tParams, grads: tGrads, m: state.m, v: state.v, hyper: tHyper });
      else
        lib.sgdStep(rec, {
          params: tParams,
          grads: tGrads,
          hyper: tHyper,
          momentum: momentum ? state.buf : null,
        });
      const vec4 = rec.defines.map((d) => d.VEC4);
      const program = await rec.finish();
      const trace: { params: number[]; m: number[]; v: number[]; buf: number[]; hyper: number[] }[] = [];
      for (let k = 0; k < grads.length; k++) {
        g.write(tGrads, grads[k]);
        g.write(tHyper.view(lib.OPTIM_SLOT.lr, [1]), [lrs[k]]);
        if (kind === 'adam') g.write(tHyper.view(lib.ADAM_SLOT.step, [1]), [k + 1]);
        g.device.pushErrorScope('validation');
        program.run();
        const err = await g.device.popErrorScope();
        if (err) throw new Error(`GPU validation error: ${err.message}`);
        trace.push({
          params: await h.read(tParams),
          m: await h.read(state.m),
          v: await h.read(state.v),
          buf: await h.read(state.buf),
          hyper: await h.read(tHyper),
        });
      }
      program.destroy();
      g.throwIfErrors();
      return { trace, skipped: (await h.read(tHyper))[lib.OPTIM_SLOT.skipped], vec4 };
    },
    { ...args, PAD: args.pad ?? PAD },
  );
}

/** Fresh gradients per step, with the case's non-finite values injected at a random element. */
function makeGrads(c: OptimCase, rand: () => number): number[][] {
  return Array.from({ length: c.steps }, (_, k) => {
    const g = uniform(rand, c.n);
    if (c.bad?.[k] !== undefined) g[Math.floor(rand() * c.n)] = c.bad[k];
    return g;
  });
}

/** On a skipped step the state must be bit-identical to the previous one, not merely close. */
function expectSkipsUntouched(c: OptimCase, trace: { params: number[] }[], what: string) {
  for (const k of Object.keys(c.bad ?? {}).map(Number)) {
    if (k > 0)
      expect(trace[k].params, `${what}: params changed on skipped step ${k}`).toEqual(trace[k - 1].params);
  }
}

// `pad` 4 with n a multiple of 4: the software adapter's VEC4 step (adamStep), which the test checks it took.
const adamCases: (OptimCase & { beta1?: number; beta2?: number; weightDecay?: number; pad?: number })[] = [
  { name: 'Adam without gradNorm', n: 1, steps: 4, norm: false, lr: () => 0.01 },
  { name: 'Adam, vec4s, n not a multiple of 4', n: 301, steps: 3, norm: true, lr: () => 0.01, pad: 4 },
  {
    name: 'AdamW, lr changed by the host',
    pad: 4,
    n: 300,
    steps: 5,
    norm: true,
    weightDecay: 0.1,
    lr: (k) => (k < 2 ? 0.02 : 0.005),
  },
  { name: 'Adam clipped', n: 1000, steps: 5, norm: true, beta1: 0.8, beta2: 0.99, clip: 0.5, lr: () => 0.01 },
  {
    name: 'Adam non-finite skip',
    pad: 4,
    n: 600,
    steps: 6,
    norm: true,
    clip: 0.7,
    bad: { 2: NaN, 4: Infinity },
    lr: () => 0.01,
  },
  {
    // Skips in a row: the inARow counter climbs to 3, then a finite step sets it back to 0.
    name: 'Adam skips in a row',
    n: 300,
    steps: 7,
    norm: true,
    bad: { 1: NaN, 2: Infinity, 3: -Infinity, 5: NaN },
    lr: () => 0.01,
  },
];

for (const c of adamCases) {
  test(`adam: ${c.name} (n=${c.n}, ${c.steps} steps)`, async ({ gpu }) => {
    const seed = Date.now() & 0xffff;
    const what = `${c.name} (seed ${seed})`;
    const rand = rng(seed);
    const params = uniform(rand, c.n);
    const grads = makeGrads(c, rand);
    const clip = (c.clip ?? 0) * Math.sqrt(c.n / 3);
    const hp = f32({
      beta1: c.beta1 ?? 0.9,
      beta2: c.beta2 ?? 0.999,
      eps: 1e-8,
      weightDecay: c.weightDecay ?? 0,
      clip,
    });
    const lrs = grads.map((_, k) => Math.fround(c.lr(k)));
    const hyper = await gpu.evaluate((o) => window.harness.lib.adamHyper(o), hp);
    const out = await replaySteps(gpu, {
      kind: 'adam',
      params,
      grads,
      hyper,
      lrs,
      norm: c.norm,
      momentum: false,
      pad: c.pad,
    });
    expect(out.vec4.at(-1), 'VEC4 taken').toBe(c.pad === 4 && c.n % 4 === 0);

    const st = { params: Float64Array.from(params), m: new Float64Array(c.n), v: new Float64Array(c.n) };
    const counts = { skipped: 0, inARow: 0 };
    const slot = await gpu.evaluate(() => window.harness.lib.ADAM_SLOT);
    const startScale = Math.max(1e-3, ...params.map(Math.abs));
    for (let k = 0; k < c.steps; k++) {
      countSkipRef(counts, adamStepRef(st, grads[k], { ...hp, lr: lrs[k], step: k + 1 }));
      // An update p − Δ in float32 rounds at the scale of p before it: a parameter that lands near 0 is
      // compared at the scale it started from, not its own.
      expectClose(out.trace[k].params, st.params, `${what} step ${k + 1} params`, 1e-4, startScale);
      expectClose(out.trace[k].m, st.m, `${what} step ${k + 1} m`);
      expectClose(out.trace[k].v, st.v, `${what} step ${k + 1} v`);
      const { skipped, inARow } = counts;
      const got = { skipped: out.trace[k].hyper[slot.skipped], inARow: out.trace[k].hyper[slot.inARow] };
      expect(got, `${what} step ${k + 1}: skip counters`).toEqual({ skipped, inARow });
    }
    expectSkipsUntouched(c, out.trace, what);
    expect(counts.skipped).toBe(Object.keys(c.bad ?? {}).length);
    expect(out.skipped, `${what}: skipped-step counter`).toBe(counts.skipped);
  });
}

const sgdCases: (OptimCase & { momentum?: number })[] = [
  { name: 'SGD without gradNorm', n: 1, steps: 3, norm: false, lr: () => 0.1 },
  {
    name: 'SGD momentum, lr changed by the host',
    n: 700,
    steps: 4,
    norm: true,
    momentum: 0.9,
    lr: (k) => 0.1 / (k + 1),
  },
  {
    name: 'SGD clipped, non-finite skip',
    n: 300,
    steps: 5,
    norm: true,
    momentum: 0.5,
    clip: 0.5,
    bad: { 1: -Infinity, 3: NaN },
    lr: () => 0.05,
  },
];

for (const c of sgdCases) {
  test(`sgd: ${c.name} (n=${c.n}, ${c.steps} steps)`, async ({ gpu }) => {
    const seed = Date.now() & 0xffff;
    const what = `${c.name} (seed ${seed})`;
    const rand = rng(seed);
    const params = uniform(rand, c.n);
    const grads = makeGrads(c, rand);
    const hp = f32({ momentum: c.momentum ?? 0, clip: (c.clip ?? 0) * Math.sqrt(c.n / 3) });
    const lrs = grads.map((_, k) => Math.fround(c.lr(k)));
    const hyper = await gpu.evaluate((o) => window.harness.lib.sgdHyper(o), { ...hp, lr: lrs[0] });
    const momentum = c.momentum !== undefined;
    const out = await replaySteps(gpu, { kind: 'sgd', params, grads, hyper, lrs, norm: c.norm, momentum });

    const st = { params: Float64Array.from(params), momentum: momentum ? new Float64Array(c.n) : undefined };
    const startScale = Math.max(1e-3, ...params.map(Math.abs));
    let skipped = 0;
    for (let k = 0; k < c.steps; k++) {
      if (sgdStepRef(st, grads[k], { ...hp, lr: lrs[k] })) skipped++;
      // An update p − Δ in float32 rounds at the scale of p before it: a parameter that lands near 0 is
      // compared at the scale it started from, not its own.
      expectClose(out.trace[k].params, st.params, `${what} step ${k + 1} params`, 1e-4, startScale);
      if (st.momentum) expectClose(out.trace[k].buf, st.momentum, `${what} step ${k + 1} momentum`);
    }
    expectSkipsUntouched(c, out.trace, what);
    expect(skipped).toBe(Object.keys(c.bad ?? {}).length);
    expect(out.skipped, `${what}: skipped-step counter`).toBe(skipped);
  });
}
