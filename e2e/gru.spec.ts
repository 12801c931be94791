import { gruParamLayout, type GruShape } from '../src/layout/gru_layout';
import { gruBackwardRef, gruForwardRef, gruProbeLoss } from '../src/reference/gru';
import { rng, uniform } from '../src/layout/random';
import type { GruTiles } from '../src/kernels/gru_tuning';
import { expect, expectClose, test } from './fixtures';

interface Case {
  L: number;
  B: number;
  T: number;
  I: number;
  H: number;
  G: number;
  h0?: boolean;
  /** No dL/dh_T in and no dL/dh0 out (the kernels' HAS_DHN and HAS_DH0 off). */
  bare?: boolean;
}

// Edge shapes the issue names: I = 1, H = 1, H not a multiple of the workgroup size, more hidden units than
// threads (H = 260 > 256), T = 1, L = 1..3, B = 1, G = 1..8, partial row blocks (9 rows per group, 8 per workgroup),
// and 1, 2, 3, 6 and 8 rows per workgroup (the recurrences name one sum per row).
const cases: Case[] = [
  { L: 1, B: 1, T: 1, I: 1, H: 1, G: 1 },
  { L: 1, B: 3, T: 5, I: 4, H: 7, G: 1, h0: true },
  { L: 2, B: 4, T: 6, I: 3, H: 33, G: 2, h0: true },
  { L: 3, B: 8, T: 4, I: 5, H: 6, G: 8, h0: true },
  { L: 2, B: 18, T: 3, I: 2, H: 70, G: 2 },
  { L: 1, B: 1, T: 2, I: 3, H: 260, G: 1, h0: true },
  { L: 3, B: 5, T: 7, I: 1, H: 12, G: 5, h0: true },
  { L: 1, B: 6, T: 4, I: 2, H: 9, G: 1 },
  { L: 2, B: 10, T: 4, I: 4, H: 40, G: 1, bare: true },
  // The broadcast recurrences (the software adapter, H a multiple of 4 up to 64, T > 1; H 12 and 40 above take
  // them too): one thread (H 4), a block of 2 rows and a partial one (3 rows per group), an odd T (their steps go
  // in pairs) with and without h0, dh_T and dh0, H 64 (their largest).
  { L: 2, B: 3, T: 2, I: 2, H: 4, G: 1 },
  { L: 1, B: 6, T: 5, I: 3, H: 64, G: 2, h0: true },
  { L: 1, B: 5, T: 3, I: 2, H: 16, G: 1, bare: true },
  // T 1 at H 8: the plain kernels (a one-step cell skips its recurrent sums there).
  { L: 1, B: 4, T: 1, I: 2, H: 8, G: 2, h0: true },
];

/** Runs forward and backward on the GPU for one case; returns everything as plain arrays. */
async function runGpu(
  page: import('@playwright/test').Page,
  c: Case,
  inputs: { params: number[]; x: number[]; h0?: number[]; dOut: number[]; dhN: number[] },
  tiles: GruTiles,
  broadcast: 'on' | 'off' | 'auto' = 'auto',
) {
  return page.evaluate(
    async ({ c, inputs, tiles, broadcast }) => {
      const h = window.harness;
      const gpu = await h.gpu();
      h.lib.setGruTiles(gpu, tiles); // the adapter-chosen tiles of the recurrences (src/kernels/gru_tuning.ts)
      if (broadcast !== 'auto') gpu.variants.chosen.set('gru.broadcast', broadcast);
      const used = h.lib.gruTiles(gpu.variants);
      const shape = { layers: c.L, inputSize: c.I, hiddenSize: c.H, groups: c.G };
      const run = { batch: c.B, steps: c.T };
      const size = h.lib.gruParamLayout(shape).size;
      const params = await h.tensor([size], inputs.params);
      const x = await h.tensor([c.B, c.T, c.I], inputs.x);
      const h0 = inputs.h0 ? await h.tensor([c.L, c.B, c.H], inputs.h0) : null;
      const dOut = await h.tensor([c.B, c.T, c.H], inputs.dOut);
      const dhN = c.bare ? null : await h.tensor([c.L, c.B, c.H], inputs.dhN);
      const bufs = h.lib.allocGruBuffers(gpu, shape, run);
      for (const t of [bufs.hs, bufs.gates]) gpu.fill(t, NaN);
      const hN = await h.tensor([c.L, c.B, c.H]);
      const grads = await h.tensor([size]);
      const dx = await h.tensor([c.B, c.T, c.I]);
      const dh0 = c.bare ? null : await h.tensor([c.L, c.B, c.H]);
      let unrolled: unknown[] = [];
      let forwardRecurrences: string[] = [];
      const forwardDispatches = await h.run((rec) => {
        h.lib.gruForward(rec, shape, run, { params, x, h0, hN, ...bufs });
        unrolled = rec.defines.filter((d) => 'UNROLL' in d).map((d) => d.UNROLL);
        forwardRecurrences = rec.kernels.filter((k) => k.startsWith('gru_forward'));
      });
      let paired: unknown[] = [];
      let recurrences: string[] = [];
      const backwardDispatches = await h.run((rec) => {
        h.lib.gruBackward(rec, shape, run, {
          params,
          x,
          hs: bufs.hs,
          gates: bufs.gates,
          dOut,
          dhN,
          grads,
          dx,
          dh0,
          workDy: bufs.workDy,
        });
        paired = rec.defines.filter((d) => 'PAIR' in d).map((d) => d.PAIR);
        recurrences = rec.kernels.filter((k) => k.startsWith('gru_backward'));
      });
      h.lib.setGruTiles(gpu, null);
      gpu.variants.chosen.delete('gru.broadcast');
      return {
        used,
        unrolled,
        forwardRecurrences,
        paired,
        recurrences,
        hs: await h.read(bufs.hs),
        hN: await h.read(hN),
        grads: await h.read(grads),
        dx: await h.read(dx),
        dh0: dh0 ? await h.read(dh0) : [],
        forwardDispatches,
        backwardDispatches,
      };
    },
    {
      c,
      tiles,
      broadcast,
      inputs: { params: inputs.params, x: inputs.x, h0: inputs.h0, dOut: inputs.dOut, dhN: inputs.dhN },
    },
  );
}

function makeInputs(c: Case, seed: number) {
  const rand = rng(seed);
  const shape: GruShape = { layers: c.L, inputSize: c.I, hiddenSize: c.H, groups: c.G };
  const scale = 1 / Math.sqrt(c.H); // PyTorch's init range
  return {
    shape,
    params: uniform(rand, gruParamLayout(shape).size, -scale * 2, scale * 2),
    x: uniform(rand, c.B * c.T * c.I),
    h0: c.h0 ? uniform(rand, c.L * c.B * c.H) : undefined,
    dOut: uniform(rand, c.B * c.T * c.H),
    dhN: c.bare ? new Array<number>(c.L * c.B * c.H).fill(0) : uniform(rand, c.L * c.B * c.H),
  };
}

/** The last layer's outputs [B, T, H] out of hs [L, B, T+1, H]. */
function outputsFromHs(c: Case, hs: number[]): number[] {
  const out: number[] = [];
  const base = (c.L - 1) * c.B * (c.T + 1) * c.H;
  for (let b = 0; b < c.B; b++)
    for (let t = 0; t < c.T; t++)
      for (let j = 0; j < c.H; j++) out.push(hs[base + (b * (c.T + 1) + t + 1) * c.H + j]);
  return out;
}

// Every shape with two tiles (src/kernels/gru_tuning.ts): the software adapter's default (8 rows per
// workgroup, a unit per thread — two in gru_backward, whose loop then shares each load between them — weights
// in private memory) and another (1, 2 or 4 rows, 1 to 4 units per thread, weights read from storage or
// private). H 260 holds too many weights for a private copy and reads storage whichever is asked (and gets 2
// units per thread from any tile: 256 threads at most); H 33, 40, 70 and 260 make a thread's second unit real
// (H 33: 31 of the 32 threads' second unit past H). Each case checks which variants the kernels compiled.
const TILES: GruTiles[] = [
  { rows: 8, units: 1, backwardUnits: 2, weights: 'private' },
  { rows: 1, units: 2, weights: 'storage' },
  { rows: 2, units: 4, weights: 'private' },
  { rows: 4, units: 2, backwardUnits: 1, weights: 'private' },
];
// The default tile runs the broadcast recurrences where they apply (the software adapter's choice, useBroadcastGru);
// the other tiles turn them off, so that gru_forward's and gru_backward's own tiles are checked on those shapes too.
const variants = cases.flatMap((c, i) => [
  { c, w: TILES[0], broadcast: 'auto' as const },
  { c, w: TILES[1 + (i % 3)], broadcast: 'off' as const },
]);
for (const { c, w, broadcast } of variants) {
  const name = `rows ${w.rows}, units ${w.units}${w.backwardUnits ? ` (backward ${w.backwardUnits})` : ''}, weights ${w.weights}, broadcast ${broadcast}`;
  test(`gru forward + backward match float64 reference ${JSON.stringify(c)}, ${name}`, async ({ gpu }) => {
    const seed = Date.now() & 0xffffff;
    test.info().annotations.push({ type: 'seed', description: String(seed) });
    const inp = makeInputs(c, seed);
    const got = await runGpu(gpu, c, inp, w, broadcast);
    const run = { batch: c.B, steps: c.T };
    const fwd = gruForwardRef(inp.shape, run, inp.params, inp.x, inp.h0);
    expectClose(outputsFromHs(c, got.hs), fwd.output, `output (seed ${seed})`);
    expectClose(got.hN, fwd.hN, `h_n (seed ${seed})`);
    const bwd = gruBackwardRef(inp.shape, run, inp.params, inp.x, inp.h0, inp.dOut, inp.dhN);
    expectClose(got.grads, bwd.grads, `weight/bias grads (seed ${seed})`);
    expectClose(got.dx, bwd.dx, `dx (seed ${seed})`);
    if (!c.bare) expectClose(got.dh0, bwd.dh0, `dh0 (seed ${seed})`);
    expect(got.used, 'the tiles the kernels ran').toEqual(w);
    // The recurrences: their broadcast kernels on the software adapter for H = 4, 8, …, 64 and T > 1 unless turned
    // off; else gru_forward, whose steps run unrolled with one unit per thread, W_hh private, H ≤ 64
    // (gruGeometry's units), T > 1, and gru_backward, which pairs units when its geometry gives 2 per thread
    // (backwardUnits, else units).
    const bcast = broadcast === 'auto' && c.H % 4 === 0 && c.H <= 64 && c.T > 1;
    expect(got.forwardRecurrences, 'the forward recurrence, per layer').toEqual(
      new Array<string>(c.L).fill(bcast ? 'gru_forward_broadcast' : 'gru_forward'),
    );
    expect(got.recurrences, 'the backward recurrence, per layer').toEqual(
      new Array<string>(c.L).fill(bcast ? 'gru_backward_broadcast' : 'gru_backward'),
    );
    const units = Math.ceil(c.H / Math.min(256, Math.ceil(c.H / 32) * (32 / w.units)));
    const unroll = units === 1 && w.weights === 'private' && c.H <= 64 && c.T > 1;
    expect(got.unrolled, 'gru_forward unrolled, per layer').toEqual(
      new Array<boolean>(bcast ? 0 : c.L).fill(unroll),
    );
    const bwd2 =
      Math.ceil(c.H / Math.min(256, Math.ceil(c.H / 32) * (32 / (w.backwardUnits ?? w.units)))) === 2;
    expect(got.paired, 'gru_backward with 2 units per thread, per layer').toEqual(
      new Array<boolean>(bcast ? 0 : c.L).fill(bwd2),
    );
    // Fused: 2 dispatches per layer forward, 4 per layer backward (with dx), whatever T is.
    expect(got.forwardDispatches).toBe(2 * c.L);
    expect(got.backwardDispatches).toBe(4 * c.L);
  });
}

// H 20: the default tile runs the broadcast recurrences, and with them turned off gru_backward pairs units (16
// threads, the second unit past H for 12 of them).
const FD_RUNS = [
  { w: TILES[0], broadcast: 'auto' as const },
  { w: TILES[0], broadcast: 'off' as const },
  { w: TILES[1], broadcast: 'off' as const },
];
for (const { w, broadcast } of FD_RUNS)
  test(`gru gradients match central finite differences (GPU vs float64 forward), rows ${w.rows}, units ${w.units}${w.backwardUnits ? ` (backward ${w.backwardUnits})` : ''}, weights ${w.weights}, broadcast ${broadcast}`, async ({
    gpu,
  }) => {
    const c: Case = { L: 2, B: 4, T: 3, I: 3, H: 20, G: 2, h0: true };
    const seed = Date.now() & 0xffffff;
    const inp = makeInputs(c, seed);
    const got = await runGpu(gpu, c, inp, w, broadcast);
    const kind = broadcast === 'auto' ? '_broadcast' : '';
    expect([got.forwardRecurrences, got.recurrences]).toEqual([
      new Array<string>(c.L).fill(`gru_forward${kind}`),
      new Array<string>(c.L).fill(`gru_backward${kind}`),
    ]);
    const run = { batch: c.B, steps: c.T };
    const probe = (p: number[], x: number[], h0: number[]) =>
      gruProbeLoss(inp.shape, run, p, x, h0, inp.dOut!, inp.dhN!);
    const eps = 1e-5;
    const rand = rng(seed + 1);
    const check = (name: string, vec: number[], gpuGrad: number[], at: (v: number[]) => number) => {
      for (let n = 0; n < 12; n++) {
        const i = Math.floor(rand() * vec.length);
        const plus = vec.slice();
        const minus = vec.slice();
        plus[i] += eps;
        minus[i] -= eps;
        const fd = (at(plus) - at(minus)) / (2 * eps);
        expect(
          Math.abs(gpuGrad[i] - fd),
          `${name}[${i}]: GPU ${gpuGrad[i]} vs FD ${fd} (seed ${seed})`,
        ).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
      }
    };
    check('params', inp.params, got.grads, (p) => probe(p, inp.x, inp.h0!));
    check('x', inp.x, got.dx, (x) => probe(inp.params, x, inp.h0!));
    check('h0', inp.h0!, got.dh0, (h0) => probe(inp.params, inp.x, h0));
  });

// H 2 runs gru_forward, H 4 gru_forward_broadcast (each clamps tanh's argument).
for (const hidden of [2, 4])
  test(`gru forward stays finite for huge gate inputs (tanh saturates instead of overflowing), H ${hidden}`, async ({
    gpu,
  }) => {
    const out = await gpu.evaluate(async (hidden) => {
      const h = window.harness;
      const g = await h.gpu();
      const shape = { layers: 1, inputSize: 1, hiddenSize: hidden, groups: 1 };
      const run = { batch: 1, steps: 2 };
      const size = h.lib.gruParamLayout(shape).size;
      const params = await h.tensor(
        [size],
        Array.from({ length: size }, () => 50),
      );
      const x = await h.tensor([1, 2, 1], [100, -100]);
      const bufs = h.lib.allocGruBuffers(g, shape, run);
      let kernels: string[] = [];
      await h.run((rec) => {
        h.lib.gruForward(rec, shape, run, { params, x, ...bufs });
        kernels = rec.kernels;
      });
      return { hs: await h.read(bufs.hs), kernels };
    }, hidden);
    expect(out.kernels[1]).toBe(hidden === 4 ? 'gru_forward_broadcast' : 'gru_forward');
    expect(out.hs.every(Number.isFinite), `hs = ${out.hs}`).toBe(true);
  });
