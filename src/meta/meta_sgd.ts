/**
 * Meta-SGD (Li et al. 2017) on the GRU-cell task model (inner loop: inner_loop.ts): besides θ it meta-learns a
 * per-parameter inner learning rate α (a vector the size of θ, every entry its own rate and sign), so the
 * inner step is θ_k+1 = θ_k − α ⊙ ∇L_s(θ_k). The meta-parameters are [θ, α], one Adam over both.
 * Meta-gradient, second order and exact (Hessian-vector products through the GRU, CellPass.recordHvp): with
 * v_K = ∇L_q(θ_K) and, for k = K−1 … 0,
 *   ∂L/∂α += −∇L_s(θ_k) ⊙ v_k+1,      v_k = v_k+1 − H_k (α ⊙ v_k+1)      (H_k symmetric),
 * ∂L/∂θ = v_0; both averaged over the meta-batch. The paper's setting is one inner step.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import { groupAxpy } from '../kernels/group_axpy';
import { groupMean } from '../kernels/group_mean';
import { InnerLoopLearner, type InnerLoopOptions, type MetaBatch } from './inner_loop';
import type { MetaConfig } from './learner';

export class MetaSgdLearner extends InnerLoopLearner {
  private constructor(gpu: Gpu, config: MetaConfig, inner: Partial<InnerLoopOptions>) {
    super(gpu, config, inner, true);
  }

  static async create(
    gpu: Gpu,
    config: MetaConfig,
    inner: Partial<InnerLoopOptions> = {},
  ): Promise<MetaSgdLearner> {
    if (inner.innerSteps === 0)
      throw new InputError('Meta-SGD learns the inner step size: innerSteps must be ≥ 1, got 0');
    const learner = new MetaSgdLearner(gpu, config, inner);
    await learner.init();
    return learner;
  }

  protected get keepsInnerWeights(): boolean {
    return true;
  }

  protected recordMetaGradient(rec: Recorder, b: MetaBatch): Tensor {
    const S = this.cell.size;
    const K = this.inner.innerSteps;
    const rates = this.rates!;
    const v = b.scratch();
    const g = b.scratch();
    const scaled = b.scratch();
    const hv = b.scratch();
    const dRates = b.scratch(); // per task: −Σ_k ∇L_s(θ_k) ⊙ v_k+1
    b.query.recordGradient(rec, b.adapted, b.queryX, b.queryY, v);
    for (let k = K - 1; k >= 0; k--) {
      const w = this.weightsAt(b, k);
      b.support.recordGradient(rec, w, b.supportX, b.supportY, g);
      // The first product overwrites dRates (reading it in place would read stale values, even NaN · 0).
      const product = {
        x: g,
        scale: v,
        scaleBy: 'task' as const,
        y: k === K - 1 ? null : dRates,
        out: dRates,
      };
      groupAxpy(rec, b.layout, product, -1, 1);
      groupAxpy(rec, b.layout, { x: v, scale: rates, scaleBy: 'element', out: scaled }, 1);
      b.support.recordHvp(rec, w, scaled, b.supportX, b.supportY, hv);
      groupAxpy(rec, b.layout, { x: hv, y: v, out: v }, -1, 1);
    }
    groupMean(rec, b.layout, { x: v, out: this.grads.view(0, [S]) });
    groupMean(rec, b.layout, { x: dRates, out: this.grads.view(S, [S]) });
    return b.query.loss;
  }
}
