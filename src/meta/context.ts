/**
 * Context adaptation ('sinusoid/context'; CAVIA, Zintgraf et al. 2019) with a GRU task model. The model maps
 * a point x to y: each point is its own row, a GRU reading the constant input (x/5, c) for STEPS steps
 * (a weight-tied deep net), then a linear head on its last state. Only the task's context vector c [E] adapts:
 *   inner loop, per task: c ← 0, then `innerSteps` times c ← c − α ∇_c L_support(θ, c), the gradient taken from
 *     gruBackward's dx (its context columns summed over the task's rows and time: kernels/context_adapt);
 *   outer loop: θ ← Adam(∇_θ L_query(θ, c_K)). By default FIRST-ORDER in c: c_K is held fixed when
 *     differentiating the query loss (no backpropagation through the inner updates). With `secondOrder`
 *     (CAVIA's meta-gradient) the inner updates are differentiated too: with u_K = ∇_c L_q(θ, c_K),
 *       for k = K−1 … 0:   ∇_θ += −α H_θc(k) u_k+1,   u_k = u_k+1 − α H_cc(k) u_k+1,
 *     the mixed and context Hessians of the support loss at (θ, c_k) times u from ONE forward-over-reverse
 *     pass whose direction is u in the context inputs (tangent kernels; θ˙ = 0): the parameter gradient's
 *     tangent is H_θc u, the context gradient's tangent H_cc u. Exact, no finite differences.
 * A whole meta-step (sampling, every inner step, the outer backward and Adam) is one recorded Program.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { allocGruBuffers, gruForward } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import { gruForwardTangent } from '../kernels/gru_forward_tangent';
import { gruBackwardTangent } from '../kernels/gru_backward_tangent';
import { linearForward } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';
import { groupAxpy } from '../kernels/group_axpy';
import { groupedLayout } from '../layout/group_layout';
import type { GruShape } from '../layout/gru_layout';
import { mseLoss } from '../kernels/mse_loss';
import { sinusoidEpisodeLayout, sinusoidTasks } from '../kernels/sinusoid_tasks';
import { contextRows, contextStep } from '../kernels/context_adapt';
import type { ContextShape } from '../layout/context_shape';
import { entriesSize, gruHeadEntries, LinearHead } from './gru_head';
import { initUniform } from './init';
import {
  regressionPredictor,
  summarize,
  type EvalResult,
  type MetaConfig,
  type Point,
  type RegressionPredictor,
} from './learner';
import { LearnerCore, type Pass } from './learner_core';

/** Time steps each point's row runs for: depth of the task model. */
const STEPS = 2;
/** x and y enter the model divided by 5 (order 1); losses are reported in units of y. */
const SCALE = 1 / 5;

export interface ContextOptions {
  /** Size E of the context vector. */
  contextSize: number;
  innerSteps: number;
  /** Inner-loop learning rate α on c. */
  innerLr: number;
  /** Differentiate the meta-gradient through the inner updates of c (CAVIA); false: first order. */
  secondOrder: boolean;
}

export const DEFAULT_CONTEXT_OPTIONS: ContextOptions = {
  contextSize: 8,
  innerSteps: 2,
  innerLr: 1,
  secondOrder: false,
};

/** A recorded pass; `loss` is the query loss per task after adaptation, for 'probe' the support loss before the step. */
interface ContextPass extends Pass {
  c: Tensor;
  episode: Tensor;
}

/** One set of rows (support or query) through the task model. */
interface Rows {
  shape: ContextShape;
  seq: Tensor;
  target: Tensor;
  dx: Tensor;
  dOut: Tensor;
  pred: Tensor;
  dPred: Tensor;
  gru: ReturnType<typeof allocGruBuffers>;
}

export class ContextLearner extends LearnerCore {
  readonly shape: GruShape;
  readonly head: LinearHead;
  /** Parameter gradients of the inner loop's backward passes: computed by gruBackward, never used. */
  readonly #innerGrads: Tensor;

  private constructor(
    gpu: Gpu,
    config: MetaConfig,
    readonly options: ContextOptions,
  ) {
    const H = config.hidden;
    const shape = { layers: config.layers, inputSize: 1 + options.contextSize, hiddenSize: H, groups: 1 };
    const entries = gruHeadEntries(shape, 1);
    const size = entriesSize(entries);
    super(gpu, config, entries, initUniform(size, 1 / Math.sqrt(H), config.seed));
    this.shape = shape;
    this.head = new LinearHead(entries);
    this.#innerGrads = gpu.tensor([size], new Float32Array(size));
  }

  static async create(
    gpu: Gpu,
    config: MetaConfig,
    options: Partial<ContextOptions> = {},
  ): Promise<ContextLearner> {
    const learner = new ContextLearner(gpu, config, { ...DEFAULT_CONTEXT_OPTIONS, ...options });
    if (!config.scoring)
      learner.setTrainPass(await learner.#record(config.metaBatch, 0, config.seed, 'train'));
    return learner;
  }

  protected get lossScale(): number {
    return 1 / SCALE ** 2;
  }

  #rows(tasks: number, points: number, tensors: Tensor[]): Rows {
    const { gpu } = this;
    const E = this.options.contextSize;
    const H = this.config.hidden;
    const n = tasks * points;
    const io = gpu.tensor([n * STEPS * (1 + E) + n]); // seq and target: one buffer (contextRows writes both)
    const r: Rows = {
      shape: { tasks, points, steps: STEPS, ctx: E },
      seq: io.view(0, [n, STEPS, 1 + E]),
      target: io.view(n * STEPS * (1 + E), [n]),
      dx: gpu.tensor([n, STEPS, 1 + E]),
      dOut: gpu.tensor([n, STEPS, H], new Float32Array(n * STEPS * H)), // only the last step gets a gradient
      pred: gpu.tensor([n]),
      dPred: gpu.tensor([n]),
      gru: allocGruBuffers(gpu, this.shape, { batch: n, steps: STEPS }),
    };
    tensors.push(io, r.dx, r.dOut, r.pred, r.dPred, ...r.gru.tensors);
    return r;
  }

  /**
   * Records the task model's forward (GRU + head on the last step) and per-task MSE; with `backward`, the
   * backward pass too: 'inner' to dx only (weight gradients go to a scratch buffer), 'outer' to the weight
   * gradients `grads` only (c is held fixed: first order).
   */
  #pass(
    rec: Recorder,
    r: Rows,
    loss: Tensor,
    backward: 'inner' | 'outer' | 'both' | null,
    scale: number,
  ): void {
    const { shape } = this;
    const { tasks, points } = r.shape;
    const H = this.config.hidden;
    const n = tasks * points;
    const run = { batch: n, steps: STEPS };
    const bufs = r.gru;
    const last = (shape.layers - 1) * n * (STEPS + 1) * H;
    const out = lastStep(bufs.hs, last, n, H);
    gruForward(rec, shape, run, { params: this.params, x: r.seq, ...bufs });
    this.head.forward(rec, this.params, n, out, r.pred);
    const mse = { groups: tasks, rowsPerGroup: points, features: 1 };
    mseLoss(rec, mse, { pred: r.pred, target: r.target, loss, grad: backward ? r.dPred : null }, scale);
    if (!backward) return;
    this.head.backward(rec, this.params, n, {
      x: out,
      dy: r.dPred,
      grads: backward === 'inner' ? null : this.grads,
      dx: lastStepGrad(r.dOut, n, H),
    });
    gruBackward(rec, shape, run, {
      params: this.params,
      x: r.seq,
      hs: bufs.hs,
      gates: bufs.gates,
      dOut: r.dOut,
      grads: backward === 'inner' ? this.#innerGrads : this.grads,
      dx: backward === 'outer' ? null : r.dx,
      workDy: bufs.workDy,
    });
  }

  /**
   * The second-order part of the meta-gradient, after the query backward ('both': grads and dx): u_K from the
   * query's dx, then per inner step k, from the last: rebuild the support rows at c_k, one forward-over-
   * reverse pass with direction u in the context inputs, grads −= α H_θc u, u −= α H_cc u.
   */
  #recordSecondOrder(
    rec: Recorder,
    t: { support: Rows; query: Rows; sx: Tensor; sy: Tensor; cs: Tensor[]; tensors: Tensor[] },
  ): void {
    const { gpu, shape } = this;
    const { innerLr: alpha } = this.options;
    const { support, query, tensors } = t;
    const { tasks, points } = support.shape;
    const E = this.options.contextSize;
    const H = this.config.hidden;
    const n = tasks * points;
    const run = { batch: n, steps: STEPS };
    const size = this.params.size;
    const zeroCount = Math.max(size, 2 * n, tasks * E);
    const zeros = gpu.tensor([zeroCount], new Float32Array(zeroCount));
    const u = gpu.tensor([tasks, E]);
    const hv = gpu.tensor([size]);
    const lossScratch = gpu.tensor([tasks]);
    // The tangents' rows: seq holds (0, u[task]) at every row and step, gru the tangent activations, dOut
    // (zeros but the last step) d_out˙, pred and dPred pred˙ and d_pred˙.
    const tRows = this.#rows(tasks, points, tensors);
    const tgru = tRows.gru;
    const tdOut = tRows.dOut;
    const tworkDy = shape.layers > 1 ? gpu.tensor([n, STEPS, H]) : null;
    tensors.push(zeros, u, hv, lossScratch, ...(tworkDy ? [tworkDy] : []));
    // u_K = ∇_c L_q: the query dx's context columns summed (contextStep with α = −1 onto zeros).
    rec.copy(zeros.view(0, [tasks * E]), u);
    contextStep(rec, query.shape, { dx: query.dx, c: u, alpha: -1 });
    const top = (shape.layers - 1) * n * (STEPS + 1) * H;
    const last = lastStep(support.gru.hs, top, n, H);
    const tlast = lastStep(tgru.hs, top, n, H);
    const w = this.head.weight(this.params);
    const head = { groups: 1, rowsPerGroup: n, inF: H, outF: 1 };
    const mse = { groups: tasks, rowsPerGroup: points, features: 1 };
    const flat = groupedLayout(1, [size]);
    const zx = zeros.view(0, [n]);
    const zy = zeros.view(n, [n]);
    for (let k = this.options.innerSteps - 1; k >= 0; k--) {
      const rows = { x: t.sx, y: t.sy, c: t.cs[k], seq: support.seq, target: support.target };
      contextRows(rec, support.shape, { ...rows, reset: false, scale: SCALE });
      gruForward(rec, shape, run, { params: this.params, x: support.seq, ...support.gru });
      this.head.forward(rec, this.params, n, last, support.pred);
      mseLoss(rec, mse, {
        pred: support.pred,
        target: support.target,
        loss: lossScratch,
        grad: support.dPred,
      });
      this.head.backward(rec, this.params, n, {
        x: last,
        dy: support.dPred,
        grads: null,
        dx: lastStepGrad(support.dOut, n, H),
      });
      const trows = { x: zx, y: zy, c: u, seq: tRows.seq, target: tRows.target };
      contextRows(rec, support.shape, { ...trows, reset: false, scale: SCALE });
      const point = { params: this.params, tparams: zeros.view(0, [size]), x: support.seq, tx: tRows.seq };
      const saved = { hs: support.gru.hs, gates: support.gru.gates, ths: tgru.hs, tgates: tgru.gates };
      gruForwardTangent(rec, shape, run, { ...point, ...saved });
      // Head with θ˙ = 0: pred˙ = w h˙; d_pred˙ = 2 pred˙ / points (the MSE of pred˙ against 0).
      linearForward(rec, head, { x: tlast.tensor, xRows: tlast.rows, w, y: tRows.pred });
      mseLoss(rec, mse, { pred: tRows.pred, target: zy, loss: lossScratch, grad: tRows.dPred });
      const hw = { dw: this.head.weight(hv), db: this.head.bias(hv) };
      linearBackwardWeight(rec, head, { x: last.tensor, xRows: last.rows, dy: tRows.dPred, ...hw });
      linearBackwardWeight(rec, head, {
        x: tlast.tensor,
        xRows: tlast.rows,
        dy: support.dPred,
        dw: hw.dw,
        accumulate: true,
      });
      const td = lastStepGrad(tdOut, n, H);
      linearBackwardInput(rec, head, { dy: tRows.dPred, w, dx: td.tensor, dxRows: td.rows });
      gruBackwardTangent(rec, shape, run, {
        ...point,
        ...saved,
        dOut: support.dOut,
        tdOut,
        workDy: support.gru.workDy,
        tworkDy,
        tgrads: hv,
        tdx: support.dx,
      });
      groupAxpy(rec, flat, { x: hv, y: this.grads, out: this.grads }, -alpha, 1);
      contextStep(rec, support.shape, { dx: support.dx, c: u, alpha });
    }
  }

  /**
   * 'train': sample → inner loop on c → query loss → backward into `grads` → Adam. 'eval': the same without
   * the outer backward. 'probe': one inner step from the c already in the pass's c buffer (not reset), its
   * `loss` the support loss before the step — for checking ∇_c against finite differences.
   */
  async #record(
    tasks: number,
    stream: number,
    seed: number,
    mode: 'eval' | 'train' | 'probe',
  ): Promise<ContextPass> {
    const { gpu } = this;
    const { shots: K, queries: Q } = this.config;
    const { contextSize: E, innerSteps, innerLr } = this.options;
    const ep = sinusoidEpisodeLayout({ tasks, shots: K, queries: Q });
    const episode = gpu.tensor([ep.size]);
    const c = gpu.tensor([tasks, E], new Float32Array(tasks * E));
    const loss = gpu.tensor([tasks]);
    const supportLoss = gpu.tensor([tasks]);
    const tensors = [episode, c, loss, supportLoss];
    const support = this.#rows(tasks, K, tensors);
    const rec = gpu.recorder();
    const at = (o: number, n: number) => episode.view(o, [n]);
    const sx = at(ep.supportX, tasks * K);
    const sy = at(ep.supportY, tasks * K);
    sinusoidTasks(rec, { tasks, shots: K, queries: Q }, { step: this.stepCounter, episode, seed, stream });
    const steps = mode === 'probe' ? 1 : innerSteps;
    // Second order keeps each c_k (before step k), to rebuild the support rows on the way back.
    const secondOrder = mode === 'train' && this.options.secondOrder;
    const cs = secondOrder ? Array.from({ length: steps }, () => gpu.tensor([tasks, E])) : [];
    tensors.push(...cs);
    for (let k = 0; k < steps; k++) {
      const reset = k === 0 && mode !== 'probe';
      contextRows(rec, support.shape, {
        x: sx,
        y: sy,
        c,
        seq: support.seq,
        target: support.target,
        reset,
        scale: SCALE,
      });
      this.#pass(rec, support, mode === 'probe' ? loss : supportLoss, 'inner', 1);
      if (secondOrder) rec.copy(c, cs[k]);
      contextStep(rec, support.shape, { dx: support.dx, c, alpha: innerLr });
    }
    if (mode !== 'probe') {
      const query = this.#rows(tasks, Q, tensors);
      const qx = at(ep.queryX, tasks * Q);
      const qy = at(ep.queryY, tasks * Q);
      contextRows(rec, query.shape, {
        x: qx,
        y: qy,
        c,
        seq: query.seq,
        target: query.target,
        reset: false,
        scale: SCALE,
      });
      this.#pass(rec, query, loss, mode === 'train' ? (secondOrder ? 'both' : 'outer') : null, 1 / tasks);
      if (secondOrder) this.#recordSecondOrder(rec, { support, query, sx, sy, cs, tensors });
      if (mode === 'train') this.optimizer.record(rec);
    }
    return { program: await rec.finish(`context.${mode}`), loss, c, episode, tensors };
  }

  /** The training episode buffer (sinusoidEpisodeLayout): the tasks of the last step, for tests. */
  get episode(): Tensor {
    return (this.trainPass as ContextPass).episode;
  }

  /** Query MSE after the inner loop on `tasks` held-out tasks (stream 1: never seen in training). */
  async evaluate(tasks: number, seed: number): Promise<EvalResult> {
    const { loss } = await this.runOnce(await this.#record(tasks, 1, seed, 'eval'), 0);
    return summarize(
      'mse',
      Array.from(loss, (v) => v * this.lossScale),
    );
  }

  /**
   * For gradient checks: with contexts `c` [metaBatch, E] on the training batch of `step`, the per-task support
   * loss (training units) and the contexts after one inner step: ∇_c L = (c − cAfter) / innerLr.
   */
  async probeContext(
    step: number,
    c: ArrayLike<number>,
  ): Promise<{ loss: Float32Array; cAfter: Float32Array }> {
    const pass = await this.#record(this.config.metaBatch, 0, this.config.seed, 'probe');
    this.gpu.write(pass.c, c);
    const r = await this.runOnce(pass, step, () => this.gpu.read(pass.c));
    return { loss: r.loss, cAfter: r.extra };
  }

  async adapt(support: Point[]): Promise<RegressionPredictor> {
    return regressionPredictor(this, support);
  }

  /**
   * Predictions at `queryX` for one task after the inner loop on `support` (no support: c = 0, the
   * unadapted model). Each query is its own row, so predictions do not depend on each other (used for plots).
   */
  async predict(support: { x: number; y: number }[], queryX: number[]): Promise<number[]> {
    const { gpu } = this;
    const K = support.length;
    const Q = queryX.length;
    const E = this.options.contextSize;
    const data = [...support.map((p) => p.x), ...support.map((p) => p.y), ...queryX, ...queryX.map(() => 0)];
    const episode = gpu.tensor([data.length], data);
    const c = gpu.tensor([1, E], new Float32Array(E));
    const loss = gpu.tensor([1]);
    const tensors = [episode, c, loss];
    const rec = gpu.recorder();
    const at = (o: number, n: number) => episode.view(o, [n]);
    if (K > 0) {
      const s = this.#rows(1, K, tensors);
      for (let k = 0; k < this.options.innerSteps; k++) {
        const rows = {
          x: at(0, K),
          y: at(K, K),
          c,
          seq: s.seq,
          target: s.target,
          reset: false,
          scale: SCALE,
        };
        contextRows(rec, s.shape, rows);
        this.#pass(rec, s, loss, 'inner', 1);
        contextStep(rec, s.shape, { dx: s.dx, c, alpha: this.options.innerLr });
      }
    }
    const q = this.#rows(1, Q, tensors);
    const rows = { x: at(2 * K, Q), y: at(2 * K + Q, Q), c, seq: q.seq, target: q.target, reset: false };
    contextRows(rec, q.shape, { ...rows, scale: SCALE });
    this.#pass(rec, q, loss, null, 1);
    const program = await rec.finish('context.predict');
    program.run();
    const out = Array.from(await gpu.read(q.pred), (v) => v / SCALE);
    program.destroy();
    for (const t of tensors) gpu.release(t);
    return out;
  }

  destroy(): void {
    super.destroy();
    this.gpu.release(this.#innerGrads);
  }
}

/** The last layer's state at the last step [n, H] inside hs (`top`: where the last layer starts). */
function lastStep(hs: Tensor, top: number, n: number, H: number) {
  return {
    tensor: hs.view(top + STEPS * H, [n, H]),
    rows: { block: 1, blockStride: (STEPS + 1) * H, rowStride: 0 },
  };
}

/** The last step's rows of a gradient w.r.t. the outputs [n, STEPS, H]: the head's backward writes only these. */
function lastStepGrad(dOut: Tensor, n: number, H: number) {
  return {
    tensor: dOut.view((STEPS - 1) * H, [n, H]),
    rows: { block: 1, blockStride: STEPS * H, rowStride: 0 },
  };
}
