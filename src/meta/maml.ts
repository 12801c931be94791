/**
 * MAML (Finn et al. 2017) and its first-order variant FOMAML on the GRU-cell task model (inner loop:
 * inner_loop.ts). With θ_i,K the weights after the inner loop on task i's support set, the meta-loss is
 * mean_i L_query,i(θ_i,K); its gradient backpropagates through the K SGD steps θ_k+1 = θ_k − α ∇L_s(θ_k):
 *   v_K = ∇L_q(θ_K),   v_k = (I − α H_k) v_k+1 with H_k = ∇²L_s(θ_k),   meta-gradient = mean_i v_i,0.
 * FOMAML drops the Hessians (meta-gradient = mean_i v_i,K). Second-order MAML needs H_k v through the GRU's
 * backward. By default ('exact') it is the derivative of the support gradient along v, forward over reverse
 * through the head, the loss and the GRU's forward and BPTT (CellPass.recordHvp, the tangent kernels): exact
 * up to float32 rounding, every task at once. The 'fd' alternative takes central differences of gradients,
 *   H v ≈ ‖v‖ (∇L_s(θ_k + ε v̂) − ∇L_s(θ_k − ε v̂)) / 2ε,   v̂ = v / ‖v‖ per task,
 * so ε is a step of fixed length whatever the task's gradient scale (both gradients land in one buffer, the
 * second with loss scale −1, accumulated), and errs by ε-limited rounding and truncation.
 * Dispatches per step (1 layer × 1 step): 14 + 10 K (first order), 14 + 32 K ('fd'), see e2e/maml.spec.ts.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { groupAxpy } from '../kernels/group_axpy';
import { groupMean } from '../kernels/group_mean';
import { groupNorm } from '../kernels/group_norm';
import { InnerLoopLearner, type InnerLoopOptions, type MetaBatch } from './inner_loop';
import type { MetaConfig } from './learner';

export class MamlLearner extends InnerLoopLearner {
  private constructor(
    gpu: Gpu,
    config: MetaConfig,
    readonly order: 1 | 2,
    inner: Partial<InnerLoopOptions>,
  ) {
    super(gpu, config, inner);
  }

  /** order 2: MAML; order 1: FOMAML. */
  static async create(
    gpu: Gpu,
    config: MetaConfig,
    order: 1 | 2 = 2,
    inner: Partial<InnerLoopOptions> = {},
  ): Promise<MamlLearner> {
    const learner = new MamlLearner(gpu, config, order, inner);
    await learner.init();
    return learner;
  }

  protected get keepsInnerWeights(): boolean {
    return this.order === 2;
  }

  protected recordMetaGradient(rec: Recorder, b: MetaBatch): Tensor {
    const v = b.scratch();
    b.query.recordGradient(rec, b.adapted, b.queryX, b.queryY, v);
    if (this.order === 2 && this.inner.hvp === 'exact') this.#recordExactChain(rec, b, v);
    if (this.order === 2 && this.inner.hvp === 'fd') this.#recordHessianChain(rec, b, v);
    groupMean(rec, b.layout, { x: v, out: this.grads });
    return b.query.loss;
  }

  /** v ← (I − α H_k) v for k = K−1 … 0, H_k v exact (forward over reverse). */
  #recordExactChain(rec: Recorder, b: MetaBatch, v: Tensor): void {
    const { innerSteps: K, innerLr: alpha } = this.inner;
    const hv = b.scratch();
    for (let k = K - 1; k >= 0; k--) {
      b.support.recordHvp(rec, this.weightsAt(b, k), v, b.supportX, b.supportY, hv);
      groupAxpy(rec, b.layout, { x: hv, y: v, out: v }, -alpha, 1);
    }
  }

  /** v ← (I − α H_k) v for k = K−1 … 0, H_k v by central differences. 22 dispatches per inner step. */
  #recordHessianChain(rec: Recorder, b: MetaBatch, v: Tensor): void {
    const { innerSteps: K, innerLr: alpha, hvpEpsilon: eps } = this.inner;
    const G = b.layout.groups;
    const norms = b.scratch(2 * G); // [‖v_g‖ for each task, then 1 / ‖v_g‖]
    const probe = b.scratch();
    const diff = b.scratch();
    const norm = norms.view(0, [G]);
    const inverse = norms.view(G, [G]);
    for (let k = K - 1; k >= 0; k--) {
      const w = this.weightsAt(b, k);
      groupNorm(rec, b.layout, { x: v, out: norms });
      groupAxpy(rec, b.layout, { x: v, scale: inverse, y: w, out: probe }, eps, 1);
      b.support.recordGradient(rec, probe, b.supportX, b.supportY, diff);
      groupAxpy(rec, b.layout, { x: v, scale: inverse, y: w, out: probe }, -eps, 1);
      b.support.recordGradient(rec, probe, b.supportX, b.supportY, diff, { scale: -1, accumulate: true });
      groupAxpy(rec, b.layout, { x: diff, scale: norm, y: v, out: v }, -alpha / (2 * eps), 1);
    }
  }
}
