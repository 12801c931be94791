/**
 * Reptile (Nichol et al. 2018) on the GRU-cell task model (inner loop: inner_loop.ts): after K SGD steps on
 * each task's support set, the meta-gradient is mean_i (θ − θ_i,K) — the direction from the adapted weights
 * back to θ. It is handed to Adam (MetaOptimizer) as a gradient rather than applied as Reptile's plain
 * step θ ← θ + ε (mean_i θ_i,K − θ): Adam normalises its scale, which at α · K ≈ 0.5 is small and shrinks
 * as θ improves, and it shares the outer optimizer (and clipping) with MAML for comparisons.
 * No query gradient is needed; the query loss after adaptation is still computed, as the training loss to
 * report. Dispatches per step: 10 + 10 K.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { groupAxpy } from '../kernels/group_axpy';
import { groupMean } from '../kernels/group_mean';
import { InnerLoopLearner, type InnerLoopOptions, type MetaBatch } from './inner_loop';
import type { MetaConfig } from './learner';

export class ReptileLearner extends InnerLoopLearner {
  private constructor(gpu: Gpu, config: MetaConfig, inner: Partial<InnerLoopOptions>) {
    super(gpu, config, inner);
  }

  static async create(
    gpu: Gpu,
    config: MetaConfig,
    inner: Partial<InnerLoopOptions> = {},
  ): Promise<ReptileLearner> {
    const learner = new ReptileLearner(gpu, config, inner);
    await learner.init();
    return learner;
  }

  protected get keepsInnerWeights(): boolean {
    return false;
  }

  protected recordMetaGradient(rec: Recorder, b: MetaBatch): Tensor {
    b.query.recordLoss(rec, b.adapted, b.queryX, b.queryY);
    groupMean(rec, b.layout, { x: b.adapted, out: this.grads });
    // grads ← θ − grads, in θ's own (one-task) layout.
    groupAxpy(rec, this.cell.layout(1), { x: this.params, y: this.grads, out: this.grads }, 1, -1);
    return b.query.loss;
  }
}
