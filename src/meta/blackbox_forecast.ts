/**
 * Black-box GRU forecaster ('forecast/blackbox'): the GRU reads a task's context window (x_t, 1) step by step,
 * then runs `horizon` query steps with input (0, 0) and predicts x_{C+j} from its state at query step j. The
 * queries never see a true future value, so the GRU must unroll the dynamics it inferred from the context —
 * adaptation is again just running the sequence. Config: `shots` = context length C, `queries` = horizon P.
 * Meta-training is BPTT on the MSE of the P predictions, one recorded program per step as in BlackBoxRegressor.
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
import { forecastEpisodeLayout, forecastTasks } from '../kernels/forecast_tasks';
import { initUniform, namedSlices, flatFromState } from './init';
import { summarize, type EvalResult, type MetaConfig, type MetaLearner } from './learner';
import { metaOptimizer, type MetaOptimizer } from './optimizer';

const INPUT = 2; // (value, is-context) per step

interface Pass {
  program: Program;
  loss: Tensor;
  tensors: Tensor[];
}

export class BlackBoxForecaster implements MetaLearner {
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

  static async create(gpu: Gpu, config: MetaConfig): Promise<BlackBoxForecaster> {
    const learner = new BlackBoxForecaster(gpu, config);
    learner.#train = await learner.#record(config.metaBatch, 0, config.seed, 'train');
    return learner;
  }

  get stepCount(): number {
    return this.optimizer.step;
  }

  get dispatchesPerStep(): number {
    return this.#train!.program.dispatchCount;
  }

  /** GRU forward + head over sequences [B, C+P, 2] in `seq` (C context steps); predictions [B·P] of the queries. */
  #forward(rec: Recorder, B: number, C: number, seq: Tensor, pred: Tensor) {
    const { queries: P, hidden: H, layers: L } = this.config;
    const T = C + P;
    const run = { batch: B, steps: T };
    const bufs = allocGruBuffers(this.gpu, this.shape, run);
    const last = (L - 1) * B * (T + 1) * H;
    const head = { groups: 1, rowsPerGroup: B * P, inF: H, outF: 1 };
    const queryOut = bufs.hs.view(last + (C + 1) * H, [B * P, H]);
    const queryRows = { block: P, blockStride: (T + 1) * H, rowStride: H };
    const w = this.params.view(this.#headW, [1, H]);
    gruForward(rec, this.shape, run, { params: this.params, x: seq, ...bufs });
    linearForward(rec, head, {
      x: queryOut,
      xRows: queryRows,
      w,
      b: this.params.view(this.#headB, [1]),
      y: pred,
    });
    return { run, bufs, head, queryOut, queryRows, w };
  }

  /** Sampling + forward + loss for `tasks` tasks of one stream; 'grad' adds backward, 'train' also Adam. */
  async #record(tasks: number, stream: number, seed: number, mode: 'eval' | 'grad' | 'train'): Promise<Pass> {
    const { gpu, shape } = this;
    const { shots: C, queries: P, hidden: H } = this.config;
    const T = C + P;
    const ep = forecastEpisodeLayout({ tasks, context: C, horizon: P });
    const episode = gpu.tensor([ep.size]);
    const pred = gpu.tensor([tasks * P]);
    const loss = gpu.tensor([tasks]);
    const rec = gpu.recorder();
    const seq = episode.view(ep.sequence, [tasks, T, INPUT]);
    const target = episode.view(ep.future, [tasks * P]);
    forecastTasks(rec, { tasks, context: C, horizon: P }, { step: this.#stepCounter, episode, seed, stream });
    const f = this.#forward(rec, tasks, C, seq, pred);
    const tensors = [episode, pred, loss, ...f.bufs.tensors];
    const mse = { groups: tasks, rowsPerGroup: P, features: 1 };
    if (mode === 'eval') {
      mseLoss(rec, mse, { pred, target, loss });
      return { program: await rec.finish('forecast.eval'), loss, tensors };
    }
    const dPred = gpu.tensor([tasks * P]);
    const dOut = gpu.tensor([tasks, T, H], new Float32Array(tasks * T * H)); // context steps stay 0
    tensors.push(dPred, dOut);
    mseLoss(rec, mse, { pred, target, loss, grad: dPred }, 1 / tasks);
    linearBackwardWeight(rec, f.head, {
      x: f.queryOut,
      xRows: f.queryRows,
      dy: dPred,
      dw: this.grads.view(this.#headW, [1, H]),
      db: this.grads.view(this.#headB, [1]),
    });
    linearBackwardInput(rec, f.head, {
      dy: dPred,
      w: f.w,
      dx: dOut.view(C * H, [tasks * P, H]),
      dxRows: { block: P, blockStride: T * H, rowStride: H },
    });
    gruBackward(rec, shape, f.run, {
      params: this.params,
      x: seq,
      hs: f.bufs.hs,
      gates: f.bufs.gates,
      dOut,
      grads: this.grads,
      workDy: f.bufs.workDy,
    });
    if (mode === 'train') this.optimizer.record(rec);
    return { program: await rec.finish(`forecast.${mode}`), loss, tensors };
  }

  step(): void {
    this.optimizer.advance();
    this.gpu.write(this.#stepCounter, [this.optimizer.step]);
    this.#train!.program.run();
  }

  async lastLoss(): Promise<number> {
    const l = await this.gpu.read(this.#train!.loss);
    return l.reduce((a, b) => a + b, 0) / l.length;
  }

  async #runAt(pass: Pass, step: number): Promise<Float32Array> {
    const saved = this.optimizer.step;
    this.gpu.write(this.#stepCounter, [step]);
    pass.program.run();
    const l = await this.gpu.read(pass.loss);
    this.gpu.write(this.#stepCounter, [saved]);
    return l;
  }

  /** Horizon MSE on `tasks` held-out tasks (stream 1: never seen in training). */
  async evaluate(tasks: number, seed: number): Promise<EvalResult> {
    const pass = await this.#record(tasks, 1, seed, 'eval');
    const values = Array.from(await this.#runAt(pass, 0));
    this.#free(pass);
    return summarize('mse', values);
  }

  /** Meta-gradient and mean loss of the training batch at `step`, without updating (gradient checks). */
  async gradientAt(step: number): Promise<{ loss: number; grads: Float32Array }> {
    const pass = await this.#record(this.config.metaBatch, 0, this.config.seed, 'grad');
    const l = await this.#runAt(pass, step);
    const grads = await this.gpu.read(this.grads);
    this.#free(pass);
    return { loss: l.reduce((a, b) => a + b, 0) / l.length, grads };
  }

  /** Mean loss of the training batch at `step` with the current weights. */
  async lossAt(step: number): Promise<number> {
    const pass = await this.#record(this.config.metaBatch, 0, this.config.seed, 'eval');
    const l = await this.#runAt(pass, step);
    this.#free(pass);
    return l.reduce((a, b) => a + b, 0) / l.length;
  }

  /**
   * Predictions of the next `queries` values after reading `context` (for plots); any context length works.
   */
  async forecast(context: number[]): Promise<number[]> {
    const { gpu } = this;
    const C = context.length;
    const P = this.config.queries;
    const seq = new Float32Array((C + P) * INPUT);
    context.forEach((v, i) => seq.set([v, 1], i * INPUT));
    const x = gpu.tensor([1, C + P, INPUT], seq);
    const pred = gpu.tensor([P]);
    const rec = gpu.recorder();
    const f = this.#forward(rec, 1, C, x, pred);
    const program = await rec.finish('forecast.predict');
    program.run();
    const out = Array.from(await gpu.read(pred));
    program.destroy();
    for (const t of [x, pred, ...f.bufs.tensors]) gpu.release(t);
    return out;
  }

  setParams(flat: ArrayLike<number>): void {
    this.gpu.write(this.params, flat);
  }

  async getParams(): Promise<Float32Array> {
    return this.gpu.read(this.params);
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
