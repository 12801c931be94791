import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { ADAM_HYPER_SIZE, ADAM_SLOT, adamHyper, adamStep, type AdamOptions } from '../kernels/adam';
import { gradNorm } from '../kernels/grad_norm';

/**
 * The meta learning rate's multiplier at 1-based step `step` of a phase of `steps` steps: 1 without decay;
 * 'cosine' falls from 1 (first step) towards 0 (past the last step) as ½(1 + cos(π(step − 1)/steps)).
 */
export function lrFactor(decay: 'none' | 'cosine' | undefined, step: number, steps: number): number {
  if (decay !== 'cosine') return 1;
  const i = Math.min(Math.max(step - 1, 0), steps);
  return 0.5 * (1 + Math.cos((Math.PI * i) / Math.max(steps, 1)));
}

/**
 * A learner's Adam learning rate by step when config.lrDecay asks for decay over all `steps` (undefined
 * without decay: the optimizer keeps lr and writes nothing more per step).
 */
function metaSchedule(config: {
  lr: number;
  steps: number;
  lrDecay?: 'none' | 'cosine';
}): ((step: number) => number) | undefined {
  if (config.lrDecay !== 'cosine') return undefined;
  return (step) => config.lr * lrFactor(config.lrDecay, step, config.steps);
}

/**
 * Adam over a learner's flat meta-parameter buffer: one gradient-norm dispatch (for clipping and the
 * non-finite check) and one update dispatch, whatever the number of weight tensors. Hyper-parameters live
 * on the GPU; the host only writes the step number (and, with a schedule, the learning rate) before each
 * submit.
 */
export class MetaOptimizer {
  readonly m: Tensor;
  readonly v: Tensor;
  readonly hyper: Tensor;
  step = 0;
  #lr: number;

  constructor(
    readonly gpu: Gpu,
    readonly params: Tensor,
    readonly grads: Tensor,
    readonly options: AdamOptions & { lr: number },
    /** Prefix of the state's tensor names, for a learner with more than one optimizer. */
    readonly name = 'optimizer',
    /** Learning rate by 1-based step (e.g. metaSchedule); absent: options.lr throughout. */
    readonly schedule?: (step: number) => number,
  ) {
    this.m = gpu.tensor([params.size], new Float32Array(params.size));
    this.v = gpu.tensor([params.size], new Float32Array(params.size));
    this.hyper = gpu.tensor([ADAM_HYPER_SIZE], adamHyper(options, 1));
    this.#lr = options.lr;
  }

  /** The learning rate of the last step submitted (or of the next one, before any): kept on the host too. */
  get lr(): number {
    return this.#lr;
  }

  record(rec: Recorder): void {
    gradNorm(rec, { grads: this.grads, out: this.hyper.view(ADAM_SLOT.sumSq, [1]) });
    adamStep(rec, { params: this.params, grads: this.grads, m: this.m, v: this.v, hyper: this.hyper });
  }

  /** Call before submitting step `this.step + 1`. */
  advance(): void {
    this.step++;
    this.gpu.write(this.hyper.view(ADAM_SLOT.step, [1]), [this.step]);
    if (this.schedule) this.setLr(this.schedule(this.step));
  }

  /** Steps skipped because the gradient was NaN/Inf (read back; call only when logging). */
  async skipped(): Promise<number> {
    return (await this.badSteps()).skipped;
  }

  /** Skipped steps in all and in a row up to the last submitted step: one 40-byte readback of `hyper`. */
  async badSteps(): Promise<{ skipped: number; inARow: number }> {
    const h = await this.gpu.read(this.hyper);
    return { skipped: h[ADAM_SLOT.skipped], inARow: h[ADAM_SLOT.inARow] };
  }

  async state(): Promise<Record<string, Float32Array>> {
    return {
      [`${this.name}.m`]: await this.gpu.read(this.m),
      [`${this.name}.v`]: await this.gpu.read(this.v),
      [`${this.name}.hyper`]: await this.gpu.read(this.hyper),
    };
  }

  /** Loads its state from a checkpoint; one without it (weights only, e.g. a shipped model) keeps fresh moments. */
  load(state: Record<string, Float32Array>, step: number): void {
    const [m, v, hyper] = ['m', 'v', 'hyper'].map((k) => state[`${this.name}.${k}`]);
    if (m && v && hyper) {
      this.gpu.write(this.m, m);
      this.gpu.write(this.v, v);
      // Checkpoints written before the in-a-row skip counter existed hold one slot less: it starts at 0.
      this.gpu.write(this.hyper, hyper.length === ADAM_HYPER_SIZE - 1 ? [...hyper, 0] : hyper);
    }
    // The host's copy from the config, not the float32 one read back: a resumed run logs the same numbers.
    this.#lr = this.schedule ? this.schedule(step) : this.options.lr;
    this.step = step;
  }

  /** Sets the learning rate for the steps submitted from now on (a 4-byte write). */
  setLr(lr: number): void {
    this.#lr = lr;
    this.gpu.write(this.hyper.view(ADAM_SLOT.lr, [1]), [lr]);
  }
}

/** A learner's Adam over all its meta-parameters: config's lr, clip and lrDecay. */
export function metaOptimizer(
  gpu: Gpu,
  params: Tensor,
  grads: Tensor,
  config: { lr: number; clip: number; steps: number; lrDecay?: 'none' | 'cosine' },
): MetaOptimizer {
  const options = { lr: config.lr, clip: config.clip };
  return new MetaOptimizer(gpu, params, grads, options, 'optimizer', metaSchedule(config));
}
