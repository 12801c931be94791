/**
 * What every learner shares, so that a learner file holds only what is its own (its parameter layout, its
 * recorded step, its evaluation, its predictions): one flat parameter buffer and its gradient, Adam over
 * them (MetaOptimizer), the step number on the GPU that the task samplers read, the recorded training
 * program and its lifecycle (step, loss readback, state, load, free).
 *
 * A subclass builds its entries and initial weights, calls super(), records its training Pass in its
 * static create() and hands it to setTrainPass(). Passes it records for evaluation run through runAt()
 * (the sampler's step counter set for that run, then restored) and are freed with free().
 */
import type { Gpu } from '../runtime/gpu';
import type { Program } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import type { ParamEntry } from '../layout/gru_layout';
import type { EvalSplit } from '../data/omniglot_split';
import { flatFromState, namedSlices } from './init';
import type { EvalResult, MetaConfig, MetaLearner } from './learner';
import { metaOptimizer, type MetaOptimizer } from './optimizer';

/** A recorded program with the per-task loss it writes and the buffers that live and die with it. */
export interface Pass {
  program: Program;
  /** Per-task loss [tasks] (training units; see lossScale). */
  loss: Tensor;
  tensors: Tensor[];
  /** Frees what is not a plain tensor (e.g. a task-model pass's own buffers). */
  release?: () => void;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export abstract class LearnerCore implements MetaLearner {
  readonly params: Tensor;
  readonly grads: Tensor;
  /** Adam over the meta-parameters (a subclass with several optimizers passes them all to super()). */
  readonly optimizer: MetaOptimizer;
  /** Every Adam the learner steps (`optimizer` first); their state goes into checkpoints in this order. */
  protected readonly optimizers: MetaOptimizer[];
  /** The step number the task samplers read (tasks at step s depend only on seed and s). */
  protected readonly stepCounter: Tensor;
  #train: Pass | null = null;
  /** Kept past destroy(): a run's report states it after the learner is gone. */
  #dispatches = 0;

  /**
   * `optimizers` builds the learner's Adam(s) over its params and grads; default: one over all of them with
   * the config's lr, clip and lrDecay. The first is `optimizer`, the one the trainer reads lr and skips from.
   */
  protected constructor(
    readonly gpu: Gpu,
    readonly config: MetaConfig,
    readonly entries: ParamEntry[],
    init: Float32Array,
    optimizers: (params: Tensor, grads: Tensor) => MetaOptimizer[] = (p, g) => [
      metaOptimizer(gpu, p, g, config),
    ],
  ) {
    this.params = gpu.tensor([init.length], init);
    this.grads = gpu.tensor([init.length], new Float32Array(init.length));
    this.optimizers = optimizers(this.params, this.grads);
    this.optimizer = this.optimizers[0];
    this.stepCounter = gpu.tensor([1], [0], 'u32');
  }

  /** Hands over the recorded training step (create() records it once the learner is built). */
  protected setTrainPass(pass: Pass): void {
    this.#train = pass;
    this.#dispatches = pass.program.dispatchCount;
  }

  /** False once destroyed. */
  protected get hasTrainPass(): boolean {
    return this.#train !== null;
  }

  protected get trainPass(): Pass {
    if (!this.#train) {
      throw new Error(
        this.config.scoring
          ? `${this.config.learner}: built to score only (config.scoring): it has no training step`
          : `${this.config.learner}: used after destroy()`,
      );
    }
    return this.#train;
  }

  /** Factor from the training loss's units to the reported ones (e.g. 25 when y entered the model as y / 5). */
  protected get lossScale(): number {
    return 1;
  }

  get stepCount(): number {
    return this.optimizer.step;
  }

  get dispatchesPerStep(): number {
    return this.#dispatches;
  }

  get phase(): string | undefined {
    return undefined;
  }

  get lr(): number {
    return this.optimizer.lr;
  }

  badSteps(): Promise<{ skipped: number; inARow: number }> {
    return this.optimizer.badSteps();
  }

  step(): void {
    this.optimizer.advance();
    this.gpu.write(this.stepCounter, [this.optimizer.step]);
    this.trainPass.program.run();
  }

  async lastLoss(): Promise<number> {
    return this.lossScale * mean(await this.gpu.read(this.trainPass.loss));
  }

  abstract evaluate(tasks: number, seed: number, split?: EvalSplit): Promise<EvalResult>;

  /** Runs `pass` on the tasks of step `step` and reads its per-task loss; the step counter is restored. */
  protected async runAt(pass: Pass, step: number): Promise<Float32Array> {
    const saved = this.optimizer.step;
    this.gpu.write(this.stepCounter, [step]);
    pass.program.run();
    const loss = await this.gpu.read(pass.loss);
    this.gpu.write(this.stepCounter, [saved]);
    return loss;
  }

  /** Records `pass`, runs it once at `step` and frees it: its per-task loss, and what `read` reads meanwhile. */
  protected async runOnce<T = undefined>(
    pass: Pass,
    step: number,
    read?: () => Promise<T>,
  ): Promise<{ loss: Float32Array; extra: T }> {
    try {
      const loss = await this.runAt(pass, step);
      return { loss, extra: (read ? await read() : undefined) as T };
    } finally {
      this.free(pass);
    }
  }

  protected free(pass: Pick<Pass, 'program' | 'tensors' | 'release'>): void {
    pass.program.destroy();
    pass.release?.();
    for (const t of pass.tensors) this.gpu.release(t);
  }

  setParams(flat: ArrayLike<number>): void {
    this.gpu.write(this.params, flat);
  }

  getParams(): Promise<Float32Array> {
    return this.gpu.read(this.params);
  }

  async state(): Promise<Record<string, Float32Array>> {
    const flat = await this.gpu.read(this.params);
    const out = namedSlices(flat, this.entries, '');
    for (const o of this.optimizers) Object.assign(out, await o.state());
    return out;
  }

  load(state: Record<string, Float32Array>, step: number): void {
    this.gpu.write(this.params, flatFromState(state, this.entries, this.params.size));
    for (const o of this.optimizers) o.load(state, step);
  }

  destroy(): void {
    if (this.#train) this.free(this.#train);
    this.#train = null;
  }
}
