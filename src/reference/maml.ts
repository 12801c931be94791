/**
 * Float64 reference for the gradient-based meta-learners on the GRU-cell task model (src/meta/gru_cell.ts):
 * the cell's loss and gradient, the inner loop, and the meta-gradients of MAML, FOMAML and Reptile.
 * Weights are one task's flat vector in the cell's layout (GRU as gruParamLayout with groups 1, then
 * head.weight [H], head.bias). The second-order MAML meta-gradient is computed the slow, independent way:
 * central differences of the whole meta-loss (inner loop included) in float64, one coordinate at a time —
 * no Hessian-vector products, so it checks the GPU's chain of finite-difference HVPs from outside.
 */
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { gruBackwardRef, gruForwardRef } from './gru';

export interface TaskRef {
  supportX: number[];
  supportY: number[];
  queryX: number[];
  queryY: number[];
}

export interface InnerLoopRef {
  hidden: number;
  innerSteps: number;
  innerLr: number;
}

const INPUT_SCALE = 1 / 5;
const shapeOf = (H: number): GruShape => ({ layers: 1, inputSize: 1, hiddenSize: H, groups: 1 });

export function cellSizeRef(H: number): number {
  return gruParamLayout(shapeOf(H)).size + H + 1;
}

/** Predictions of the cell at raw inputs xs (it reads x / 5 from h0 = 0, one step). */
export function cellForwardRef(H: number, w: ArrayLike<number>, xs: number[]): Float64Array {
  const shape = shapeOf(H);
  const gru = gruParamLayout(shape).size;
  const run = { batch: xs.length, steps: 1 };
  const { output } = gruForwardRef(
    shape,
    run,
    w,
    xs.map((x) => x * INPUT_SCALE),
  );
  return Float64Array.from(xs, (_, q) => {
    let y = w[gru + H];
    for (let j = 0; j < H; j++) y += w[gru + j] * output[q * H + j];
    return y;
  });
}

/** Mean squared error at (xs, ys) and its gradient with respect to the weights. */
export function cellLossGradRef(H: number, w: ArrayLike<number>, xs: number[], ys: number[]) {
  const shape = shapeOf(H);
  const gru = gruParamLayout(shape).size;
  const run = { batch: xs.length, steps: 1 };
  const x = xs.map((v) => v * INPUT_SCALE);
  const { output } = gruForwardRef(shape, run, w, x);
  const pred = cellForwardRef(H, w, xs);
  const n = xs.length;
  let loss = 0;
  const grad = new Float64Array(cellSizeRef(H));
  const dOut = new Float64Array(n * H);
  for (let q = 0; q < n; q++) {
    const d = pred[q] - ys[q];
    loss += (d * d) / n;
    const dp = (2 * d) / n;
    grad[gru + H] += dp;
    for (let j = 0; j < H; j++) {
      grad[gru + j] += dp * output[q * H + j];
      dOut[q * H + j] = dp * w[gru + j];
    }
  }
  grad.set(gruBackwardRef(shape, run, w, x, undefined, dOut, undefined).grads, 0);
  return { loss, grad };
}

/** θ_k for k = 0..innerSteps: SGD on the support set from θ. */
export function adaptRef(o: InnerLoopRef, theta: ArrayLike<number>, task: TaskRef): Float64Array[] {
  const path = [Float64Array.from(theta)];
  for (let k = 0; k < o.innerSteps; k++) {
    const w = path[k];
    const { grad } = cellLossGradRef(o.hidden, w, task.supportX, task.supportY);
    path.push(w.map((v, i) => v - o.innerLr * grad[i]));
  }
  return path;
}

/** mean over tasks of the query MSE after adaptation: the MAML meta-loss. */
function metaLossRef(o: InnerLoopRef, theta: ArrayLike<number>, tasks: TaskRef[]): number {
  let sum = 0;
  for (const t of tasks) {
    const adapted = adaptRef(o, theta, t).at(-1)!;
    sum += cellLossGradRef(o.hidden, adapted, t.queryX, t.queryY).loss;
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
        ? cellLossGradRef(o.hidden, adapted, t.queryX, t.queryY).grad
        : adapted.map((v, i) => theta[i] - v);
    for (let i = 0; i < out.length; i++) out[i] += g[i] / tasks.length;
  }
  return out;
}
