import { expect, test } from '@playwright/test';
import { gruParamLayout, type GruShape } from '../src/layout/gru_layout';
import { rng, uniform } from '../src/layout/random';
import { gruBackwardRef, gruForwardRef } from '../src/reference/gru';
import { gruTangentRef } from '../src/reference/gru_tangent';
import { perEntryError } from './rel_error';

// The float64 tangent reference checks itself before it is trusted to check the GPU: its forward tangent and
// its gradient tangent (a Hessian-vector product when dOut is a loss gradient) against central differences of
// the plain float64 forward and backward references along the same direction, at shapes with recurrence
// (T ≥ 8), stacked layers and per-task weights.

const cases = [
  { L: 1, B: 2, T: 8, I: 1, H: 3, G: 1 },
  { L: 2, B: 4, T: 9, I: 2, H: 4, G: 2 },
  { L: 2, B: 3, T: 3, I: 3, H: 5, G: 3 },
];

for (const c of cases) {
  test(`GRU tangent reference equals central differences of forward and backward ${JSON.stringify(c)}`, () => {
    const rand = rng(1000 + c.L * 100 + c.T);
    const shape: GruShape = { layers: c.L, inputSize: c.I, hiddenSize: c.H, groups: c.G };
    const run = { batch: c.B, steps: c.T };
    const size = gruParamLayout(shape).size;
    const params = uniform(rand, size, -0.8, 0.8);
    const tparams = uniform(rand, size, -1, 1);
    const x = uniform(rand, c.B * c.T * c.I, -1, 1);
    const tx = uniform(rand, c.B * c.T * c.I, -1, 1);
    const dOut = uniform(rand, c.B * c.T * c.H, -1, 1);
    const tdOut = uniform(rand, c.B * c.T * c.H, -1, 1);
    const got = gruTangentRef(shape, run, params, tparams, x, tx, dOut, tdOut);

    const eps = 1e-5;
    const at = (e: number) => ({
      p: params.map((v, i) => v + e * tparams[i]),
      x: x.map((v, i) => v + e * tx[i]),
      d: dOut.map((v, i) => v + e * tdOut[i]),
    });
    const [plus, minus] = [at(eps), at(-eps)];
    const fd = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a, (v, i) => (v - b[i]) / (2 * eps));
    const maxRel = (a: ArrayLike<number>, e: ArrayLike<number>) => {
      const scale = Math.max(...Array.from(e, Math.abs));
      return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - e[i])), 0) / scale;
    };
    const fOut = fd(
      gruForwardRef(shape, run, plus.p, plus.x).output,
      gruForwardRef(shape, run, minus.p, minus.x).output,
    );
    expect(maxRel(got.tOutput, fOut)).toBeLessThan(1e-7);
    const bp = gruBackwardRef(shape, run, plus.p, plus.x, undefined, plus.d, undefined);
    const bm = gruBackwardRef(shape, run, minus.p, minus.x, undefined, minus.d, undefined);
    expect(maxRel(got.tgrads, fd(bp.grads, bm.grads))).toBeLessThan(1e-7);
    expect(maxRel(got.tdx, fd(bp.dx, bm.dx))).toBeLessThan(1e-7);
    // The plain parts equal the plain references.
    const b0 = gruBackwardRef(shape, run, params, x, undefined, dOut, undefined);
    expect(maxRel(got.grads, b0.grads)).toBeLessThan(1e-12);
    expect(maxRel(got.dx, b0.dx)).toBeLessThan(1e-12);
  });
}

// Issue 15 asks for Hv within 1e-4 of every entry, floored at 1e-6 of the largest. That floor is below float32
// working precision, whatever the kernels: moving every input (weights, direction, x, dOut and its tangent)
// by a relative 2^-24 (one float32 rounding's largest error, random sign) — of the order of the backward error
// of any float32 evaluation, which rounds each product and stored state — moves the smallest entries of the
// float64 Hv by more than 1e-4 of the floor, at the e2e test's shapes and scales (e2e/gru_tangent.spec.ts), while the entries ≥ 1e-2 of
// the largest stay within 1e-4. The GPU's measured per-entry errors sit at the same level (BENCHMARKS.md).
const tangentCases = [
  { L: 1, B: 6, T: 8, I: 1, H: 32, G: 3, tx: false },
  { L: 2, B: 8, T: 9, I: 3, H: 20, G: 2, tx: true },
  { L: 2, B: 18, T: 4, I: 2, H: 33, G: 2, tx: true },
  { L: 3, B: 5, T: 8, I: 2, H: 7, G: 5, tx: false },
];
for (const c of tangentCases) {
  test(`Hv's smallest entries move by more than 1e-4 under one float32 rounding of the inputs ${JSON.stringify(c)}`, () => {
    const rand = rng(4200 + c.H);
    const shape: GruShape = { layers: c.L, inputSize: c.I, hiddenSize: c.H, groups: c.G };
    const run = { batch: c.B, steps: c.T };
    const size = gruParamLayout(shape).size;
    const scale = 2 / Math.sqrt(c.H);
    const f32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
    const inputs = [
      f32(uniform(rand, size, -scale, scale)),
      f32(uniform(rand, size, -scale, scale)),
      f32(uniform(rand, c.B * c.T * c.I, -1, 1)),
      c.tx ? f32(uniform(rand, c.B * c.T * c.I, -1, 1)) : undefined,
      f32(uniform(rand, c.B * c.T * c.H, -1, 1)),
      f32(uniform(rand, c.B * c.T * c.H, -1, 1)),
    ] as const;
    const hv = (a: typeof inputs) => gruTangentRef(shape, run, a[0], a[1], a[2], a[3], a[4], a[5]).tgrads;
    const exact = hv(inputs);
    const sign = rng(77 + c.H);
    const round = (a: Float64Array | undefined) =>
      a?.map((v) => v * (1 + 2 ** -24 * (sign() < 0.5 ? -1 : 1)));
    const moved = hv(inputs.map(round) as unknown as typeof inputs);
    const all = perEntryError(moved, exact);
    const large = perEntryError(moved, exact, 1e-2);
    console.log(
      `Hv under one float32 rounding ${JSON.stringify(c)}: all ${all.toExponential(2)}, ≥1e-2 ${large.toExponential(2)}`,
    );
    expect(all, 'the floor is finer than float32 resolves').toBeGreaterThan(1e-4);
    expect(large, 'large entries are well conditioned').toBeLessThan(1e-4);
  });
}
