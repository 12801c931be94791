/**
 * Float64 references for the learned optimizer's kernels (lopt_input, lopt_update, lopt_credit) and the
 * hand-designed optimizers it is compared with (coord_optim).
 */
import { coordCount, coordWeight, type CoordMap } from '../kernels/coord_map';
import type { CoordOptimizer } from '../kernels/coord_optim';

const P = 10;

/** Andrychowicz et al. 2016, appendix A: (log|g| / P, sign g) if |g| ≥ e^−P, else (−1, e^P g). */
export function preprocessRef(g: number): [number, number] {
  return Math.abs(g) >= Math.exp(-P) ? [Math.log(Math.abs(g)) / P, Math.sign(g)] : [-1, Math.exp(P) * g];
}

/** The coordinates' gradients [C] gathered from a per-task gradient buffer. */
export function gatherRef(m: CoordMap, grads: ArrayLike<number>): number[] {
  return Array.from({ length: coordCount(m) }, (_, c) => grads[coordWeight(m, c)]);
}

/** weights[i(c)] += scale · update[c], in place. */
export function loptUpdateRef(m: CoordMap, weights: Float64Array, update: ArrayLike<number>, scale: number) {
  for (let c = 0; c < coordCount(m); c++) weights[coordWeight(m, c)] += scale * update[c];
}

/** D[c, s] = scale / T · Σ_{t>s} R[c, t], R [C, T+1], D [C, T]. */
export function loptCreditRef(raw: ArrayLike<number>, C: number, T: number, scale: number): number[] {
  const d = new Array<number>(C * T);
  for (let c = 0; c < C; c++) {
    let acc = 0;
    for (let s = T - 1; s >= 0; s--) {
      acc += raw[c * (T + 1) + s + 1];
      d[c * T + s] = (scale / T) * acc;
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
