/**
 * Float64 references for the learned optimizer's kernels (lopt_input, lopt_features, lopt_update,
 * lopt_credit) and the hand-designed optimizers it is compared with (coord_optim).
 */
import { coordCount, coordWeight, type CoordMap, type CoordOptimizer } from '../layout/coord_map';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { gruBackwardRef, gruForwardRef } from './gru';

const P = 10;

/** Andrychowicz et al. 2016, appendix A: (log|g| / P, sign g) if |g| ≥ e^−P, else (−1, e^P g). */
export function preprocessRef(g: number): [number, number] {
  return Math.abs(g) >= Math.exp(-P) ? [Math.log(Math.abs(g)) / P, Math.sign(g)] : [-1, Math.exp(P) * g];
}

/** Inputs per coordinate of the 'v2' feature set, and the timescales shaders/lopt_features.wgsl uses. */
export const V2_FEATURES = 11;
const BETAS = [0.5, 0.9, 0.99].map(Math.fround);
const BETA_V = Math.fround(0.999);
const TAUS = [10, 100, 1000];

/**
 * One inner step of the 'v2' features (shaders/lopt_features.wgsl) for every coordinate: momenta at three
 * timescales and the second moment carried in `state` [C, 4] (updated in place; not read at t = 0), then
 * X [C, 11] = preprocess(g), g / r, m̂_k / r, log(r) / P, θ, tanh((t + 1) / τ) with r = √v̂ + 1e-8.
 */
export function loptFeaturesRef(
  m: CoordMap,
  grads: ArrayLike<number>,
  weights: ArrayLike<number>,
  state: Float64Array,
  t: number,
): number[] {
  const x: number[] = [];
  const n = t + 1;
  for (let c = 0; c < coordCount(m); c++) {
    const i = coordWeight(m, c);
    const g = grads[i];
    const s = state.subarray(4 * c, 4 * c + 4);
    if (t === 0) s.fill(0);
    for (let k = 0; k < 3; k++) s[k] = BETAS[k] * s[k] + (1 - BETAS[k]) * g;
    s[3] = BETA_V * s[3] + (1 - BETA_V) * g * g;
    const r = Math.sqrt(s[3] / (1 - BETA_V ** n)) + 1e-8;
    x.push(...preprocessRef(g), g / r);
    for (let k = 0; k < 3; k++) x.push(s[k] / (1 - BETAS[k] ** n) / r);
    x.push(Math.log(r) / P, weights[i], ...TAUS.map((tau) => Math.tanh(n / tau)));
  }
  return x;
}

/** The coordinates' gradients [C] gathered from a per-task gradient buffer. */
export function gatherRef(m: CoordMap, grads: ArrayLike<number>): number[] {
  return Array.from({ length: coordCount(m) }, (_, c) => grads[coordWeight(m, c)]);
}

/** The step a coordinate takes for output u: scale · u, or soft-bounded by b > 0, b · tanh(scale · u / b). */
export function loptStepRef(u: number, scale: number, bound = 0): number {
  return bound > 0 ? bound * Math.tanh((scale * u) / bound) : scale * u;
}

/** weights[i(c)] += loptStepRef(update[c]), in place. */
export function loptUpdateRef(
  m: CoordMap,
  weights: Float64Array,
  update: ArrayLike<number>,
  scale: number,
  bound = 0,
) {
  for (let c = 0; c < coordCount(m); c++) weights[coordWeight(m, c)] += loptStepRef(update[c], scale, bound);
}

/**
 * D[c, s] = scale / T · Σ_{t>s} R[c, t] (· 1 / f_t[task(c)] with `log`), R [C, T+1], D [C, T]; `log` gives
 * the per-task losses [T+1, tasks] and each coordinate's task. With `bound`, the steps were soft-bounded
 * (loptStepRef): D[c, s] also carries 1 − tanh²(scale · U[c, s] / b), U the outputs [C, T].
 */
export function loptCreditRef(
  raw: ArrayLike<number>,
  C: number,
  T: number,
  scale: number,
  log?: { losses: ArrayLike<number>; taskOf: ArrayLike<number>; tasks: number },
  bound?: { updates: ArrayLike<number>; b: number },
): number[] {
  const d = new Array<number>(C * T);
  for (let c = 0; c < C; c++) {
    let acc = 0;
    for (let s = T - 1; s >= 0; s--) {
      const f = log ? Math.max(log.losses[(s + 1) * log.tasks + log.taskOf[c]], 1e-12) : 1;
      acc += raw[c * (T + 1) + s + 1] / f;
      const th = bound ? Math.tanh((scale * bound.updates[c * T + s]) / bound.b) : 0;
      d[c * T + s] = (scale / T) * acc * (1 - th * th);
    }
  }
  return d;
}

/** One step of torch.optim's SGD / RMSprop / Adam on the coordinates; v, m are per coordinate, in place. */
export function coordOptimRef(
  kind: CoordOptimizer,
  m: CoordMap,
  st: { weights: Float64Array; v: Float64Array; m: Float64Array },
  grads: ArrayLike<number>,
  o: { lr: number; beta1?: number; beta2?: number; eps?: number; step: number },
): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? (kind === 'rmsprop' ? 0.99 : 0.999);
  const eps = o.eps ?? 1e-8;
  for (let c = 0; c < coordCount(m); c++) {
    const i = coordWeight(m, c);
    const g = grads[i];
    if (kind === 'sgd') {
      st.weights[i] -= o.lr * g;
      continue;
    }
    if (o.step === 1) st.v[c] = st.m[c] = 0;
    st.v[c] = b2 * st.v[c] + (1 - b2) * g * g;
    if (kind === 'rmsprop') {
      st.weights[i] -= (o.lr * g) / (Math.sqrt(st.v[c]) + eps);
      continue;
    }
    st.m[c] = b1 * st.m[c] + (1 - b1) * g;
    const bc1 = 1 - b1 ** o.step;
    const bc2 = 1 - b2 ** o.step;
    st.weights[i] -= (o.lr * (st.m[c] / bc1)) / (Math.sqrt(st.v[c] / bc2) + eps);
  }
}

/**
 * The optimizer's outputs u [rows] (the head on each row of the GRU's top-layer states `output` [rows, H]);
 * params as loptMetaGradientRef's. The GRU's states lie in (−1, 1), so |u| ≤ ‖head weight‖₁ + |head bias|.
 */
export function loptOutputsRef(
  shape: GruShape,
  params: ArrayLike<number>,
  output: ArrayLike<number>,
  rows: number,
) {
  const H = shape.hiddenSize;
  const at = gruParamLayout(shape).size;
  return Array.from({ length: rows }, (_, q) => {
    let u = params[at + H];
    for (let j = 0; j < H; j++) u += params[at + j] * output[q * H + j];
    return u;
  });
}

/**
 * The learned optimizer's meta-gradient for one truncation of T steps, in float64, from what the GPU saved:
 * inputs X [C, T, F] (F = shape.inputSize: 2, or 11 with the 'v2' features), raw gradients R [C, T+1], the optimizer's start state h0 [L, C, H] (zeros if absent),
 * and with `log` (meta-loss mean log f) the per-task losses and each coordinate's task; `bound` > 0: the
 * steps were soft-bounded (loptStepRef).
 * Params are the GRU's (gruParamLayout, groups 1) followed by the head's weight [H] and bias [1].
 */
export function loptMetaGradientRef(
  shape: GruShape,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  raw: ArrayLike<number>,
  h0: ArrayLike<number> | undefined,
  C: number,
  T: number,
  outputScale: number,
  log?: { losses: ArrayLike<number>; taskOf: ArrayLike<number>; tasks: number },
  bound = 0,
): Float64Array {
  const H = shape.hiddenSize;
  const gruSize = gruParamLayout(shape).size;
  const gruParams = Array.from(params).slice(0, gruSize);
  const headW = Array.from(params).slice(gruSize, gruSize + H);
  const run = { batch: C, steps: T };
  const { output } = gruForwardRef(shape, run, gruParams, x, h0);
  const updates = loptOutputsRef(shape, params, output, C * T);
  const dU = loptCreditRef(raw, C, T, outputScale, log, bound > 0 ? { updates, b: bound } : undefined);
  const grads = new Float64Array(gruSize + H + 1);
  const dOut = new Float64Array(C * T * H);
  for (let q = 0; q < C * T; q++) {
    grads[gruSize + H] += dU[q];
    for (let j = 0; j < H; j++) {
      grads[gruSize + j] += dU[q] * output[q * H + j];
      dOut[q * H + j] = dU[q] * headW[j];
    }
  }
  grads.set(gruBackwardRef(shape, run, gruParams, x, h0, dOut, undefined).grads, 0);
  return grads;
}
