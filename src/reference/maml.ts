/**
 * Float64 reference for the gradient-based meta-learners on the GRU-cell task model (src/meta/gru_cell.ts):
 * the cell's loss and gradient, the inner loop, and the meta-gradients of MAML, FOMAML and Reptile.
 * Weights are one task's flat vector in the cell's layout (GRU as gruParamLayout with groups 1, then
 * head.weight [H], head.bias). The cell is `layers` deep and reads x / 5 for `steps` steps (default 1 × 1), or
 * with `sequence` each row's own sequence of `steps` steps of `inputSize` values.
 * The second-order MAML meta-gradient is computed two independent ways: 'maml' by central differences of the
 * whole meta-loss (inner loop included) in float64, one coordinate at a time — no Hessian-vector products;
 * and mamlExactRef by the backward chain v_k = (I − α H_k) v_k+1 with exact Hessian-vector products from the
 * tangent reference (gru_tangent.ts). test/maml_reference.test.ts checks that the two agree.
 */
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { gruBackwardRef, gruForwardRef } from './gru';
import { gruTangentRef } from './gru_tangent';

export interface TaskRef {
  supportX: number[];
  supportY: number[];
  queryX: number[];
  queryY: number[];
}

/**
 * The cell: hidden size, or hidden size, layers and time steps (1 and 1 when absent). With `sequence`, a
 * row's input is a sequence of `steps` steps of `inputSize` values (default 1; x holds [rows, steps,
 * inputSize]: a forecast window, or a sinusoid row that reads the support pairs), not x read at every step.
 */
export type CellRef =
  number | { hidden: number; layers?: number; steps?: number; sequence?: boolean; inputSize?: number };

export interface InnerLoopRef {
  hidden: number;
  layers?: number;
  steps?: number;
  sequence?: boolean;
  inputSize?: number;
  innerSteps: number;
  innerLr: number;
  /** Meta-SGD: a learning rate per weight, in place of innerLr. */
  rates?: ArrayLike<number>;
}

const INPUT_SCALE = 1 / 5;

function cellOf(c: CellRef) {
  const o = typeof c === 'number' ? { hidden: c } : c;
  const H = o.hidden;
  const T = o.steps ?? 1;
  const I = o.inputSize ?? 1;
  if (I !== 1 && !o.sequence) throw new RangeError('cellOf: inputSize > 1 needs sequence rows');
  const shape: GruShape = { layers: o.layers ?? 1, inputSize: I, hiddenSize: H, groups: 1 };
  const gru = gruParamLayout(shape).size;
  // The GRU's input [n, T, I]: x / 5 at every step, or the rows' sequences as they are.
  const input = (xs: number[]) =>
    o.sequence ? xs : xs.flatMap((x) => Array<number>(T).fill(x * INPUT_SCALE));
  const rows = (xs: number[]) => (o.sequence ? xs.length / (T * I) : xs.length);
  // The last step's output of row q inside output [n, T, H].
  const last = (out: ArrayLike<number>, q: number, j: number) => out[(q * T + T - 1) * H + j];
  return { H, T, shape, gru, input, rows, last, run: (n: number) => ({ batch: n, steps: T }) };
}

export function cellSizeRef(c: CellRef): number {
  const { gru, H } = cellOf(c);
  return gru + H + 1;
}

/** Predictions of the cell at raw inputs xs (it reads x / 5 from h0 = 0 for `steps` steps). */
export function cellForwardRef(c: CellRef, w: ArrayLike<number>, xs: number[]): Float64Array {
  const { H, shape, gru, input, rows, last, run } = cellOf(c);
  const { output } = gruForwardRef(shape, run(rows(xs)), w, input(xs));
  return Float64Array.from({ length: rows(xs) }, (_, q) => {
    let y = w[gru + H];
    for (let j = 0; j < H; j++) y += w[gru + j] * last(output, q, j);
    return y;
  });
}

/** Mean squared error at (xs, ys), its gradient with respect to the weights, and dL/d(outputs). */
export function cellLossGradRef(c: CellRef, w: ArrayLike<number>, xs: number[], ys: number[]) {
  const { H, T, shape, gru, input, rows, last, run } = cellOf(c);
  const { output } = gruForwardRef(shape, run(rows(xs)), w, input(xs));
  const pred = cellForwardRef(c, w, xs);
  const n = rows(xs);
  let loss = 0;
  const grad = new Float64Array(cellSizeRef(c));
  const dOut = new Float64Array(n * T * H);
  for (let q = 0; q < n; q++) {
    const d = pred[q] - ys[q];
    loss += (d * d) / n;
    const dp = (2 * d) / n;
    grad[gru + H] += dp;
    for (let j = 0; j < H; j++) {
      grad[gru + j] += dp * last(output, q, j);
      dOut[(q * T + T - 1) * H + j] = dp * w[gru + j];
    }
  }
  grad.set(gruBackwardRef(shape, run(n), w, input(xs), undefined, dOut, undefined).grads, 0);
  return { loss, grad, pred };
}

/**
 * H v: the exact Hessian of the MSE at (xs, ys) with respect to the weights, times v — forward over reverse
 * through the head (pred˙ = w h˙ + w˙ h + b˙, d_pred˙ = 2 pred˙ / n) and the GRU (gruTangentRef).
 */
export function cellHvpRef(
  c: CellRef,
  w: ArrayLike<number>,
  v: ArrayLike<number>,
  xs: number[],
  ys: number[],
) {
  const { H, T, shape, gru, input, rows, last, run } = cellOf(c);
  const n = rows(xs);
  const { pred } = cellLossGradRef(c, w, xs, ys);
  const dPred = Array.from(pred, (p, q) => (2 * (p - ys[q])) / n);
  const dOut = new Float64Array(n * T * H);
  for (let q = 0; q < n; q++)
    for (let j = 0; j < H; j++) dOut[(q * T + T - 1) * H + j] = dPred[q] * w[gru + j];
  // The GRU's output tangent does not depend on dOut˙, so a first call with dOut˙ = 0 gives h˙.
  const first = gruTangentRef(shape, run(n), w, v, input(xs), undefined, dOut, undefined);
  const out = new Float64Array(cellSizeRef(c));
  const tdOut = new Float64Array(n * T * H);
  for (let q = 0; q < n; q++) {
    let tp = v[gru + H];
    for (let j = 0; j < H; j++)
      tp += w[gru + j] * last(first.tOutput, q, j) + v[gru + j] * last(first.output, q, j);
    const tdp = (2 * tp) / n;
    out[gru + H] += tdp;
    for (let j = 0; j < H; j++) {
      out[gru + j] += tdp * last(first.output, q, j) + dPred[q] * last(first.tOutput, q, j);
      tdOut[(q * T + T - 1) * H + j] = tdp * w[gru + j] + dPred[q] * v[gru + j];
    }
  }
  const second = gruTangentRef(shape, run(n), w, v, input(xs), undefined, dOut, tdOut);
  out.set(second.tgrads, 0);
  return out;
}

/**
 * Second-order MAML's meta-gradient for one meta-batch, the exact way: per task, θ_k along the inner loop,
 * v_K = ∇L_q(θ_K), v_k = v_k+1 − α H_k v_k+1 (H_k: cellHvpRef on the support set at θ_k); the mean of v_0.
 */
export function mamlExactRef(o: InnerLoopRef, theta: ArrayLike<number>, tasks: TaskRef[]): Float64Array {
  const out = new Float64Array(theta.length);
  for (const t of tasks) {
    const path = adaptRef(o, theta, t);
    let v = cellLossGradRef(o, path[o.innerSteps], t.queryX, t.queryY).grad;
    for (let k = o.innerSteps - 1; k >= 0; k--) {
      const hv = cellHvpRef(o, path[k], v, t.supportX, t.supportY);
      v = v.map((x, i) => x - o.innerLr * hv[i]);
    }
    for (let i = 0; i < out.length; i++) out[i] += v[i] / tasks.length;
  }
  return out;
}

/** θ_k for k = 0..innerSteps: SGD on the support set from θ. */
export function adaptRef(o: InnerLoopRef, theta: ArrayLike<number>, task: TaskRef): Float64Array[] {
  const path = [Float64Array.from(theta)];
  for (let k = 0; k < o.innerSteps; k++) {
    const w = path[k];
    const { grad } = cellLossGradRef(o, w, task.supportX, task.supportY);
    path.push(w.map((v, i) => v - (o.rates ? o.rates[i] : o.innerLr) * grad[i]));
  }
  return path;
}

/** mean over tasks of the query MSE after adaptation: the MAML meta-loss. */
function metaLossRef(o: InnerLoopRef, theta: ArrayLike<number>, tasks: TaskRef[]): number {
  let sum = 0;
  for (const t of tasks) {
    const adapted = adaptRef(o, theta, t).at(-1)!;
    sum += cellLossGradRef(o, adapted, t.queryX, t.queryY).loss;
  }
  return sum / tasks.length;
}

/**
 * Meta-gradient per learner: 'maml' = ∇θ of metaLossRef by float64 central differences with step h (error
 * ~h² · third derivative + 1e-16 / h relative, ~1e-9 at h = 1e-5 on a tiny model); 'fomaml' = mean of the
 * query gradients at the adapted weights; 'reptile' = mean of θ − θ_K.
 */
export function metaGradientRef(
  learner: 'maml' | 'fomaml' | 'reptile',
  o: InnerLoopRef,
  theta: ArrayLike<number>,
  tasks: TaskRef[],
  h = 1e-5,
): Float64Array {
  const out = new Float64Array(theta.length);
  if (learner === 'maml') {
    const w = Float64Array.from(theta);
    for (let i = 0; i < w.length; i++) {
      const keep = w[i];
      w[i] = keep + h;
      const plus = metaLossRef(o, w, tasks);
      w[i] = keep - h;
      const minus = metaLossRef(o, w, tasks);
      w[i] = keep;
      out[i] = (plus - minus) / (2 * h);
    }
    return out;
  }
  for (const t of tasks) {
    const adapted = adaptRef(o, theta, t).at(-1)!;
    const g =
      learner === 'fomaml'
        ? cellLossGradRef(o, adapted, t.queryX, t.queryY).grad
        : adapted.map((v, i) => theta[i] - v);
    for (let i = 0; i < out.length; i++) out[i] += g[i] / tasks.length;
  }
  return out;
}

/**
 * Meta-SGD's meta-gradient [∂/∂θ, ∂/∂α] of the mean query MSE after the inner loop with per-weight rates α,
 * by float64 central differences of the whole meta-loss, coordinate by coordinate.
 */
export function metaSgdGradientRef(
  o: InnerLoopRef,
  theta: ArrayLike<number>,
  rates: ArrayLike<number>,
  tasks: TaskRef[],
  h = 1e-5,
): Float64Array {
  const S = theta.length;
  const w = Float64Array.from([...Array.from(theta), ...Array.from(rates)]);
  const loss = () => metaLossRef({ ...o, rates: w.subarray(S) }, w.subarray(0, S), tasks);
  const out = new Float64Array(2 * S);
  for (let i = 0; i < 2 * S; i++) {
    const keep = w[i];
    w[i] = keep + h;
    const plus = loss();
    w[i] = keep - h;
    const minus = loss();
    w[i] = keep;
    out[i] = (plus - minus) / (2 * h);
  }
  return out;
}
