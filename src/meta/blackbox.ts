/**
 * Black-box GRU meta-learner for regression (Santoro et al. 2016; RL², Duan et al. 2016): the GRU reads an
 * episode as a sequence — support steps carry (x, y), query steps carry x alone — and its hidden state is all
 * it knows about the task. Adapting to a new task is just running its sequence; no weight changes.
 * Meta-training is plain BPTT on the query MSE over a batch of sampled tasks, recorded once as one program:
 * sample → GRU forward → head → loss → head backward → GRU backward → Adam, one submit per step.
 */
import type { Gpu } from '../runtime/gpu';
import type { Program, Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { allocGruBuffers, gruForward } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import { gruParamLayout, type GruShape, type ParamEntry } from '../kernels/gru_layout';
import { linearForward } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';
import { mseLoss } from '../kernels/mse_loss';
import { sinusoidEpisodeLayout, sinusoidTasks } from '../kernels/sinusoid_tasks';
import { initUniform, namedSlices, flatFromState } from './init';
import { summarize, type EvalResult, type MetaConfig, type MetaLearner } from './learner';
import { metaOptimizer, type MetaOptimizer } from './optimizer';

const INPUT = 3; // (x, y, is-support) per step
/** The network predicts y / Y_SCALE (targets of order 1); losses are reported in units of y. */
const Y_SCALE = 5;

interface Pass {
  program: Program;
  loss: Tensor;
  tensors: Tensor[];
}

export class BlackBoxRegressor implements MetaLearner {
  readonly shape: GruShape;
  readonly entries: ParamEntry[];
  readonly params: Tensor;
  readonly grads: Tensor;
  readonly optimizer: MetaOptimizer;
  readonly #stepCounter: Tensor;
  readonly #headW: number;
  readonly #headB: number;
  #train: Pass | null = null;

  private constructor(
    readonly gpu: Gpu,
    readonly config: MetaConfig,
  ) {
    const H = config.hidden;
    this.shape = { layers: config.layers, inputSize: INPUT, hiddenSize: H, groups: 1 };
    const layout = gruParamLayout(this.shape);
    this.#headW = layout.size;
    this.#headB = layout.size + H;
    this.entries = [
      ...layout.entries.map((e) => ({ ...e, name: `gru.${e.name}` })),
      { name: 'head.weight', offset: this.#headW, shape: [1, H], size: H },
      { name: 'head.bias', offset: this.#headB, shape: [1], size: 1 },
    ];
    const size = this.#headB + 1;
    this.params = gpu.tensor([size], initUniform(size, 1 / Math.sqrt(H), config.seed));
    this.grads = gpu.tensor([size], new Float32Array(size));
    this.optimizer = metaOptimizer(gpu, this.params, this.grads, config);
    this.#stepCounter = gpu.tensor([1], [0], 'u32');
  }

  static async create(gpu: Gpu, config: MetaConfig): Promise<BlackBoxRegressor> {
    const learner = new BlackBoxRegressor(gpu, config);
    learner.#train = await learner.#record(config.metaBatch, 0, config.seed, 'train');
    return learner;
  }

  get stepCount(): number {
    return this.optimizer.step;
  }

  get dispatchesPerStep(): number {
    return this.#train!.program.dispatchCount;
  }

  /**
   * Records sampling + forward + loss for `tasks` tasks of one stream; 'grad' adds the backward pass into
   * `grads`, 'train' also the Adam update.
   */
  async #record(tasks: number, stream: number, seed: number, mode: 'eval' | 'grad' | 'train'): Promise<Pass> {
    const { gpu, shape } = this;
    const { shots: K, queries: Q, hidden: H, layers: L } = this.config;
    const T = K + Q;
    const run = { batch: tasks, steps: T };
    const ep = sinusoidEpisodeLayout({ tasks, shots: K, queries: Q });
    const episode = gpu.tensor([ep.size]);
    const bufs = allocGruBuffers(gpu, shape, run);
    const pred = gpu.tensor([tasks * Q]);
    const loss = gpu.tensor([tasks]);
    const tensors = [episode, ...bufs.tensors, pred, loss];
    const rec: Recorder = gpu.recorder();
    const seq = episode.view(ep.sequence, [tasks, T, INPUT]);
    const target = episode.view(ep.queryT, [tasks * Q]);
    // The head reads the query steps' outputs in place from the GRU's saved hidden sequence.
    const last = (L - 1) * tasks * (T + 1) * H;
    const queryOut = bufs.hs.view(last + (K + 1) * H, [tasks * Q, H]);
    const queryRows = { block: Q, blockStride: (T + 1) * H, rowStride: H };
    const head = { groups: 1, rowsPerGroup: tasks * Q, inF: H, outF: 1 };
    const w = this.params.view(this.#headW, [1, H]);
    const b = this.params.view(this.#headB, [1]);

    sinusoidTasks(rec, { tasks, shots: K, queries: Q }, { step: this.#stepCounter, episode, seed, stream });
    gruForward(rec, shape, run, { params: this.params, x: seq, ...bufs });
    linearForward(rec, head, { x: queryOut, xRows: queryRows, w, b, y: pred });
    if (mode === 'eval') {
      mseLoss(rec, { groups: tasks, rowsPerGroup: Q, features: 1 }, { pred, target, loss });
      return { program: await rec.finish('blackbox.eval'), loss, tensors };
    }
    const dPred = gpu.tensor([tasks * Q]);
    const dOut = gpu.tensor([tasks, T, H], new Float32Array(tasks * T * H)); // support steps stay 0
    tensors.push(dPred, dOut);
    mseLoss(
      rec,
      { groups: tasks, rowsPerGroup: Q, features: 1 },
      { pred, target, loss, grad: dPred },
      1 / tasks,
    );
    linearBackwardWeight(rec, head, {
      x: queryOut,
      xRows: queryRows,
      dy: dPred,
      dw: this.grads.view(this.#headW, [1, H]),
      db: this.grads.view(this.#headB, [1]),
    });
    linearBackwardInput(rec, head, {
      dy: dPred,
      w,
      dx: dOut.view(K * H, [tasks * Q, H]),
      dxRows: { block: Q, blockStride: T * H, rowStride: H },
    });
    gruBackward(rec, shape, run, {
      params: this.params,
      x: seq,
      hs: bufs.hs,
      gates: bufs.gates,
      dOut,
      grads: this.grads,
      workDy: bufs.workDy,
    });
    if (mode === 'train') this.optimizer.record(rec);
    return { program: await rec.finish(`blackbox.${mode}`), loss, tensors };
  }

  step(): void {
    this.optimizer.advance();
    this.gpu.write(this.#stepCounter, [this.optimizer.step]);
    this.#train!.program.run();
  }

  async lastLoss(): Promise<number> {
    const l = await this.gpu.read(this.#train!.loss);
    return (Y_SCALE ** 2 * l.reduce((a, b) => a + b, 0)) / l.length;
  }

  /** Query MSE after adaptation on `tasks` held-out tasks (stream 1: never seen in training). */
  async evaluate(tasks: number, seed: number): Promise<EvalResult> {
    const pass = await this.#record(tasks, 1, seed, 'eval');
    const saved = this.optimizer.step;
    this.gpu.write(this.#stepCounter, [0]);
    pass.program.run();
    const values = Array.from(await this.gpu.read(pass.loss), (v) => v * Y_SCALE ** 2);
    this.gpu.write(this.#stepCounter, [saved]);
    this.#free(pass);
    return summarize('mse', values);
  }

  /**
   * Meta-gradient and loss (in training units, y / 5) of the training batch at step `step`, without
   * updating: for gradient checks against finite differences of `lossAt`.
   */
  async gradientAt(step: number): Promise<{ loss: number; grads: Float32Array }> {
    const pass = await this.#record(this.config.metaBatch, 0, this.config.seed, 'grad');
    this.gpu.write(this.#stepCounter, [step]);
    pass.program.run();
    const l = await this.gpu.read(pass.loss);
    const grads = await this.gpu.read(this.grads);
    this.#free(pass);
    return { loss: l.reduce((a, b) => a + b, 0) / l.length, grads };
  }

  /** Mean training-units loss of the training batch at `step` with the current weights. */
  async lossAt(step: number): Promise<number> {
    const pass = await this.#record(this.config.metaBatch, 0, this.config.seed, 'eval');
    this.gpu.write(this.#stepCounter, [step]);
    pass.program.run();
    const l = await this.gpu.read(pass.loss);
    this.#free(pass);
    return l.reduce((a, b) => a + b, 0) / l.length;
  }

  /** Overwrites the flat weights (tests, checkpoints). */
  setParams(flat: ArrayLike<number>): void {
    this.gpu.write(this.params, flat);
  }

  async getParams(): Promise<Float32Array> {
    return this.gpu.read(this.params);
  }

  /**
   * Predictions at `queryX` for one task given its support set: each query gets its own row that reads the
   * support steps and then that single query, so predictions do not depend on each other (used for plots).
   */
  async predict(support: { x: number; y: number }[], queryX: number[]): Promise<number[]> {
    const { gpu, shape } = this;
    const H = this.config.hidden;
    const K = support.length;
    const T = K + 1;
    const B = queryX.length;
    const seq = new Float32Array(B * T * INPUT);
    for (let b = 0; b < B; b++) {
      support.forEach((s, i) => seq.set([s.x / 5, s.y / 5, 1], (b * T + i) * INPUT));
      seq.set([queryX[b] / 5, 0, 0], (b * T + K) * INPUT);
    }
    const run = { batch: B, steps: T };
    const x = gpu.tensor([B, T, INPUT], seq);
    const bufs = allocGruBuffers(gpu, shape, run);
    const pred = gpu.tensor([B]);
    const rec = gpu.recorder();
    gruForward(rec, shape, run, { params: this.params, x, ...bufs });
    const last = (shape.layers - 1) * B * (T + 1) * H;
    linearForward(
      rec,
      { groups: 1, rowsPerGroup: B, inF: H, outF: 1 },
      {
        x: bufs.hs.view(last + T * H, [B, H]),
        xRows: { block: 1, blockStride: (T + 1) * H, rowStride: 0 },
        w: this.params.view(this.#headW, [1, H]),
        b: this.params.view(this.#headB, [1]),
        y: pred,
      },
    );
    const program = await rec.finish('blackbox.predict');
    program.run();
    const out = Array.from(await gpu.read(pred), (v) => v * Y_SCALE);
    program.destroy();
    for (const t of [x, pred, ...bufs.tensors]) gpu.release(t);
    return out;
  }

  async state(): Promise<Record<string, Float32Array>> {
    const flat = await this.gpu.read(this.params);
    return { ...namedSlices(flat, this.entries, ''), ...(await this.optimizer.state()) };
  }

  load(state: Record<string, Float32Array>, step: number): void {
    this.gpu.write(this.params, flatFromState(state, this.entries, this.params.size));
    this.optimizer.load(state, step);
  }

  #free(pass: Pass): void {
    pass.program.destroy();
    for (const t of pass.tensors) this.gpu.release(t);
  }

  destroy(): void {
    if (this.#train) this.#free(this.#train);
  }
}
