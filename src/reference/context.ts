import type { ContextShape } from '../layout/context_shape';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { gruBackwardRef, gruForwardRef } from './gru';

/** float64 twin of contextRows: input rows [tasks·points, steps, 1+ctx] and targets [tasks·points]. */
export function contextRowsRef(s: ContextShape, x: number[], y: number[], c: number[], scale: number) {
  const seq: number[] = [];
  for (let r = 0; r < s.tasks * s.points; r++) {
    const b = Math.floor(r / s.points);
    for (let t = 0; t < s.steps; t++) seq.push(x[r] * scale, ...c.slice(b * s.ctx, (b + 1) * s.ctx));
  }
  return { seq, target: y.map((v) => v * scale) };
}

/** float64 twin of contextStep: c − α · (dx's context columns summed over each task's rows and time). */
export function contextStepRef(s: ContextShape, dx: number[], c: number[], alpha: number): number[] {
  const out = c.slice();
  const width = 1 + s.ctx;
  for (let b = 0; b < s.tasks; b++) {
    for (let j = 0; j < s.ctx; j++) {
      let g = 0;
      for (let i = 0; i < s.points; i++) {
        for (let t = 0; t < s.steps; t++) g += dx[((b * s.points + i) * s.steps + t) * width + 1 + j];
      }
      out[b * s.ctx + j] -= alpha * g;
    }
  }
  return out;
}

/** The context model's settings for contextMetaGradientRef (as ContextLearner: x, y scaled by 1/5, STEPS steps). */
export interface ContextModelRef {
  layers: number;
  hidden: number;
  contextSize: number;
  steps: number;
  innerSteps: number;
  innerLr: number;
}

export interface ContextTaskRef {
  supportX: number[];
  supportY: number[];
  queryX: number[];
  queryY: number[];
}

const SCALE = 1 / 5;

/** One task's MSE (training units: x, y scaled) at contexts c, its gradient in params and in c. */
function contextLossRef(
  m: ContextModelRef,
  theta: ArrayLike<number>,
  c: number[],
  xs: number[],
  ys: number[],
) {
  const E = m.contextSize;
  const H = m.hidden;
  const T = m.steps;
  const shape: GruShape = { layers: m.layers, inputSize: 1 + E, hiddenSize: H, groups: 1 };
  const gru = gruParamLayout(shape).size;
  const n = xs.length;
  const s = { tasks: 1, points: n, steps: T, ctx: E };
  const { seq, target } = contextRowsRef(s, xs, ys, c, SCALE);
  const { output } = gruForwardRef(shape, { batch: n, steps: T }, theta, seq);
  let loss = 0;
  const grad = new Float64Array(gru + H + 1);
  const dOut = new Float64Array(n * T * H);
  for (let q = 0; q < n; q++) {
    let p = theta[gru + H];
    for (let j = 0; j < H; j++) p += theta[gru + j] * output[(q * T + T - 1) * H + j];
    const d = p - target[q];
    loss += (d * d) / n;
    const dp = (2 * d) / n;
    grad[gru + H] += dp;
    for (let j = 0; j < H; j++) {
      grad[gru + j] += dp * output[(q * T + T - 1) * H + j];
      dOut[(q * T + T - 1) * H + j] = dp * theta[gru + j];
    }
  }
  const b = gruBackwardRef(shape, { batch: n, steps: T }, theta, seq, undefined, dOut, undefined);
  grad.set(b.grads, 0);
  const dc = contextStepRef(s, Array.from(b.dx), new Array<number>(E).fill(0), -1); // Σ dx's context columns
  return { loss, grad, dc };
}

/** c_K after the inner loop from c_0 = 0 on a task's support set. */
function adaptContextRef(m: ContextModelRef, theta: ArrayLike<number>, t: ContextTaskRef): number[] {
  let c = new Array<number>(m.contextSize).fill(0);
  for (let k = 0; k < m.innerSteps; k++) {
    const { dc } = contextLossRef(m, theta, c, t.supportX, t.supportY);
    c = c.map((v, j) => v - m.innerLr * dc[j]);
  }
  return c;
}

/**
 * The context learner's meta-gradient (mean over tasks of the query MSE after adaptation, training units):
 * 'first' holds c_K fixed (the query gradient at c_K); 'second' differentiates through the inner loop —
 * by float64 central differences of the whole meta-loss, coordinate by coordinate (independent of the
 * GPU's Hessian-vector products).
 */
export function contextMetaGradientRef(
  order: 'first' | 'second',
  m: ContextModelRef,
  theta: ArrayLike<number>,
  tasks: ContextTaskRef[],
  h = 1e-5,
): Float64Array {
  const out = new Float64Array(theta.length);
  if (order === 'first') {
    for (const t of tasks) {
      const c = adaptContextRef(m, theta, t);
      const { grad } = contextLossRef(m, theta, c, t.queryX, t.queryY);
      for (let i = 0; i < out.length; i++) out[i] += grad[i] / tasks.length;
    }
    return out;
  }
  const metaLoss = (w: ArrayLike<number>) =>
    tasks.reduce((a, t) => a + contextLossRef(m, w, adaptContextRef(m, w, t), t.queryX, t.queryY).loss, 0) /
    tasks.length;
  const w = Float64Array.from(theta);
  for (let i = 0; i < w.length; i++) {
    const keep = w[i];
    w[i] = keep + h;
    const plus = metaLoss(w);
    w[i] = keep - h;
    const minus = metaLoss(w);
    w[i] = keep;
    out[i] = (plus - minus) / (2 * h);
  }
  return out;
}
