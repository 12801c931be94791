/**
 * The black-box GRU meta-learner on sequences (Santoro et al. 2016; RL², Duan et al. 2016): an episode is one
 * sequence, `S` support steps that carry the task's data, then `Q` query steps whose outputs a linear head
 * turns into predictions. The hidden state is all the model knows about the task, so adapting to a new task is
 * just running its sequence; no weight changes. Meta-training is BPTT on the query MSE over a batch of sampled
 * tasks, recorded once as one program: sample → GRU forward → head → loss → head backward → GRU backward →
 * Adam, one submit per step. A task family (blackbox.ts, blackbox_forecast.ts) says how its episodes are
 * sampled and how its steps are encoded.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { allocGruBuffers, gruForward } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import type { GruShape } from '../layout/gru_layout';
import { mseLoss } from '../kernels/mse_loss';
import { entriesSize, gruHeadEntries, LinearHead, type Rows } from './gru_head';
import { initUniform } from './init';
import { summarize, type EvalResult, type MetaConfig } from './learner';
import { LearnerCore, mean, type Pass } from './learner_core';

/** A task family's sampled episodes, as the recorded sampler leaves them on the GPU. */
export interface SampledEpisodes {
  /** The buffer the sampler writes (released with the pass). */
  episode: Tensor;
  /** GRU input [tasks, S + Q, inputSize]. */
  seq: Tensor;
  /** Query targets [tasks · Q] in training units. */
  target: Tensor;
}

export abstract class BlackBoxSequenceLearner extends LearnerCore {
  readonly shape: GruShape;
  readonly head: LinearHead;

  protected constructor(gpu: Gpu, config: MetaConfig, inputSize: number) {
    const H = config.hidden;
    const shape = { layers: config.layers, inputSize, hiddenSize: H, groups: 1 };
    const entries = gruHeadEntries(shape, 1);
    const size = entriesSize(entries);
    super(gpu, config, entries, initUniform(size, 1 / Math.sqrt(H), config.seed));
    this.shape = shape;
    this.head = new LinearHead(entries);
  }

  /** Records the sampler of `tasks` episodes of one stream (0 training, 1 held out) at the counter's step. */
  protected abstract sample(rec: Recorder, tasks: number, stream: number, seed: number): SampledEpisodes;

  /** Label of this family's programs (error messages, profiles). */
  protected abstract get label(): string;

  /** Records the training step; create() hands it to setTrainPass. */
  protected recordTrain(): Promise<Pass> {
    return this.record(this.config.metaBatch, 0, this.config.seed, 'train');
  }

  /**
   * GRU forward over `seq` [B, S + Q, inputSize] and the head on the Q query steps' outputs: predictions
   * [B · Q] in `pred`. The head reads the query outputs in place from the GRU's saved hidden sequence.
   */
  protected recordForward(rec: Recorder, B: number, S: number, Q: number, seq: Tensor, pred: Tensor) {
    const { hidden: H, layers: L } = this.config;
    const T = S + Q;
    const run = { batch: B, steps: T };
    const bufs = allocGruBuffers(this.gpu, this.shape, run);
    const last = (L - 1) * B * (T + 1) * H;
    const queryOut: Rows = {
      tensor: bufs.hs.view(last + (S + 1) * H, [B * Q, H]),
      rows: { block: Q, blockStride: (T + 1) * H, rowStride: H },
    };
    gruForward(rec, this.shape, run, { params: this.params, x: seq, ...bufs });
    this.head.forward(rec, this.params, B * Q, queryOut, pred);
    return { run, bufs, queryOut };
  }

  /** Sampling + forward + loss for `tasks` tasks; 'grad' adds the backward pass into `grads`, 'train' also Adam. */
  protected async record(
    tasks: number,
    stream: number,
    seed: number,
    mode: 'eval' | 'grad' | 'train',
  ): Promise<Pass> {
    const { gpu, shape } = this;
    const { shots: S, queries: Q, hidden: H } = this.config;
    const T = S + Q;
    const pred = gpu.tensor([tasks * Q]);
    const loss = gpu.tensor([tasks]);
    const rec = gpu.recorder();
    const { episode, seq, target } = this.sample(rec, tasks, stream, seed);
    const f = this.recordForward(rec, tasks, S, Q, seq, pred);
    const tensors = [episode, pred, loss, ...f.bufs.tensors];
    const mse = { groups: tasks, rowsPerGroup: Q, features: 1 };
    if (mode === 'eval') {
      mseLoss(rec, mse, { pred, target, loss });
      return { program: await rec.finish(`${this.label}.eval`), loss, tensors };
    }
    const dPred = gpu.tensor([tasks * Q]);
    const dOut = gpu.tensor([tasks, T, H], new Float32Array(tasks * T * H)); // support steps stay 0
    tensors.push(dPred, dOut);
    mseLoss(rec, mse, { pred, target, loss, grad: dPred }, 1 / tasks);
    this.head.backward(rec, this.params, tasks * Q, {
      x: f.queryOut,
      dy: dPred,
      grads: this.grads,
      dx: {
        tensor: dOut.view(S * H, [tasks * Q, H]),
        rows: { block: Q, blockStride: T * H, rowStride: H },
      },
    });
    const { hs, gates, workDy } = f.bufs;
    gruBackward(rec, shape, f.run, {
      params: this.params,
      x: seq,
      hs,
      gates,
      dOut,
      grads: this.grads,
      workDy,
    });
    if (mode === 'train') this.optimizer.record(rec);
    return { program: await rec.finish(`${this.label}.${mode}`), loss, tensors };
  }

  /** Query MSE after adaptation on `tasks` held-out tasks (stream 1: never seen in training). */
  async evaluate(tasks: number, seed: number): Promise<EvalResult> {
    const { loss } = await this.runOnce(await this.record(tasks, 1, seed, 'eval'), 0);
    return summarize(
      'mse',
      Array.from(loss, (v) => v * this.lossScale),
    );
  }

  /**
   * Meta-gradient and mean loss (training units) of the training batch at step `step`, without updating:
   * for gradient checks against finite differences of `lossAt`.
   */
  async gradientAt(step: number): Promise<{ loss: number; grads: Float32Array }> {
    const pass = await this.record(this.config.metaBatch, 0, this.config.seed, 'grad');
    const r = await this.runOnce(pass, step, () => this.gpu.read(this.grads));
    return { loss: mean(r.loss), grads: r.extra };
  }

  /** Mean training-units loss of the training batch at `step` with the current weights. */
  async lossAt(step: number): Promise<number> {
    const pass = await this.record(this.config.metaBatch, 0, this.config.seed, 'eval');
    return mean((await this.runOnce(pass, step)).loss);
  }

  /**
   * Runs `B` sequences given on the host ([B, S + Q, inputSize]) and returns their Q predictions each
   * [B · Q], in training units (no loss, no sampler: for predictions on the caller's data).
   */
  protected async run(B: number, S: number, Q: number, sequences: Float32Array): Promise<Float32Array> {
    const { gpu } = this;
    const x = gpu.tensor([B, S + Q, this.shape.inputSize], sequences);
    const pred = gpu.tensor([B * Q]);
    const rec = gpu.recorder();
    const f = this.recordForward(rec, B, S, Q, x, pred);
    const program = await rec.finish(`${this.label}.predict`);
    try {
      program.run();
      return await gpu.read(pred);
    } finally {
      program.destroy();
      for (const t of [x, pred, ...f.bufs.tensors]) gpu.release(t);
    }
  }
}
