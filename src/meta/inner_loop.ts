/**
 * What MAML, FOMAML and Reptile share: a GRU-cell task model (gru_cell.ts) with per-task weight copies, and an
 * inner loop of plain SGD on each task's support set,
 *   θ_i,0 = θ,   θ_i,k+1 = θ_i,k − α ∇L_support,i(θ_i,k),   k < innerSteps,
 * recorded for the whole meta-batch at once (one batched pass per step, every task at its own weights).
 * A subclass turns the adapted weights into the meta-gradient; the outer step is Adam (MetaOptimizer).
 * One meta-training step is one recorded program, one submit, no readback: sample tasks → inner loop →
 * meta-gradient → Adam. Evaluation and predict() run the same inner loop, then the query loss.
 * From MetaConfig: hidden and layers (the task model's GRU), metaBatch, shots, queries, seed, lr and clip
 * (Adam). The inner-loop settings and the task model's time steps are InnerLoopOptions, given to create().
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import { broadcastGroups, groupAxpy } from '../kernels/group_axpy';
import type { GroupedLayout } from '../layout/group_layout';
import { contiguousRows } from '../kernels/linear_forward';
import { CELL_INPUT_SCALE, CellPass, columnInput, GruCell, type CellInput } from './gru_cell';
import { initUniform } from './init';
import { innerTaskRows, innerTasks, supportReadingRows } from './inner_tasks';
import { forecastWindowLayout, forecastWindowRows } from '../kernels/forecast_windows';
import { SEQUENCE_INPUTS } from '../kernels/sinusoid_sequences';
import {
  regressionPredictor,
  summarize,
  type EvalResult,
  type MetaConfig,
  type Point,
  type RegressionPredictor,
} from './learner';
import { LearnerCore, type Pass } from './learner_core';

export interface InnerLoopOptions {
  /** SGD steps on the support set per task, in training, evaluation and predict() alike. */
  innerSteps: number;
  /** Inner-loop learning rate α. */
  innerLr: number;
  /**
   * How second-order MAML takes its Hessian-vector products: 'exact' (forward over reverse through the GRU,
   * the tangent kernels) or 'fd' (central differences of gradients at θ ± ε v / ‖v‖ per task).
   */
  hvp: 'exact' | 'fd';
  /** Step ε of the finite-difference Hessian-vector products (hvp 'fd'). */
  hvpEpsilon: number;
  /** Time steps the task model's GRU reads each x for (1: a gated feed-forward net; > 1: recurrent). */
  cellSteps: number;
  /**
   * Sinusoid only: each row is a sequence that reads the task's support pairs, then the point to predict
   * (inner_tasks.ts); cellSteps is then shots + 1, set here.
   */
  readSupport: boolean;
}

/**
 * 5 steps at α = 0.05. MAML's sinusoid setting is α = 0.01 for a ReLU MLP on raw x; this cell reads x / 5
 * through saturating gates, and at α = 0.01 five steps barely move it. Much larger α overshoots at hidden 32
 * (the head's curvature grows with the hidden size: α = 0.1 makes the un-trained cell worse after adapting);
 * hidden 8 does best at α = 0.1. ε = 1e-2 for a unit direction balances the float32 central difference's
 * rounding error (~1e-7 / ε relative) against its truncation error (~ε²): see e2e/maml.spec.ts.
 */
export const DEFAULT_INNER_LOOP: InnerLoopOptions = {
  innerSteps: 5,
  innerLr: 0.05,
  hvp: 'exact',
  hvpEpsilon: 1e-2,
  cellSteps: 1,
  readSupport: false,
};

/** One meta-batch as recorded: tasks, per-task weights along the inner loop, the passes that computed them. */
export interface MetaBatch {
  /** Per-task layout of the cell's weights (groups = tasks). */
  layout: GroupedLayout;
  /** θ_k for k = 0..innerSteps when the learner keeps them all, else two buffers used in turn (weightsAt). */
  weights: Tensor[];
  adapted: Tensor;
  support: CellPass;
  query: CellPass;
  supportX: CellInput;
  supportY: Tensor;
  queryX: CellInput;
  queryY: Tensor;
  /** A buffer released with the program: per-task weights' size [tasks × cell size] unless given. */
  scratch(size?: number): Tensor;
}

interface Recorded extends Pass {
  episode: Tensor;
}

export abstract class InnerLoopLearner extends LearnerCore {
  readonly cell: GruCell;
  readonly inner: InnerLoopOptions;
  /** θ, the task model's shared initial weights: all of params, or its first part when rates are learned. */
  readonly theta: Tensor;
  /** Meta-SGD's learned per-parameter inner learning rates α (params' second part), or null: α = innerLr. */
  readonly rates: Tensor | null;

  /** `learnedRates`: the meta-parameters are [θ, α] (Meta-SGD), α starting at innerLr, named `lr.<tensor>`. */
  protected constructor(
    gpu: Gpu,
    config: MetaConfig,
    inner: Partial<InnerLoopOptions>,
    learnedRates = false,
  ) {
    const options = { ...DEFAULT_INNER_LOOP, ...inner };
    if (options.readSupport) options.cellSteps = readSupportSteps(config, inner.cellSteps);
    const { innerSteps, innerLr, hvp, hvpEpsilon, cellSteps } = options;
    if (!(Number.isInteger(innerSteps) && innerSteps >= 0))
      throw new InputError(`innerSteps must be an integer ≥ 0, got ${innerSteps}`);
    if (!(innerLr > 0)) throw new InputError(`innerLr must be > 0, got ${innerLr}`);
    if (hvp !== 'exact' && hvp !== 'fd')
      throw new InputError(`hvp must be 'exact' or 'fd', got ${String(hvp)}`);
    if (!(hvpEpsilon > 0)) throw new InputError(`hvpEpsilon must be > 0, got ${hvpEpsilon}`);
    if (!(Number.isInteger(cellSteps) && cellSteps >= 1))
      throw new InputError(`cellSteps must be an integer ≥ 1, got ${cellSteps}`);
    innerTaskRows(config, cellSteps); // refuses a forecast window that does not fit the context
    const cell = new GruCell(
      config.hidden,
      config.layers,
      cellSteps,
      options.readSupport ? SEQUENCE_INPUTS : 1,
    );
    // θ, the shared initial weights, in cell.entries' layout; grads: the meta-gradient of the last step.
    const theta = initUniform(cell.size, 1 / Math.sqrt(config.hidden), config.seed);
    const S = cell.size;
    const rates = cell.entries.map((e) => ({ ...e, name: `lr.${e.name}`, offset: S + e.offset }));
    const init = learnedRates ? Float32Array.from([...theta, ...new Array<number>(S).fill(innerLr)]) : theta;
    super(gpu, config, learnedRates ? [...cell.entries, ...rates] : cell.entries, init);
    this.inner = options;
    this.cell = cell;
    this.theta = learnedRates ? this.params.view(0, [S]) : this.params;
    this.rates = learnedRates ? this.params.view(S, [S]) : null;
  }

  /** Second-order MAML differentiates through every inner step, so it keeps all θ_k. */
  protected abstract get keepsInnerWeights(): boolean;

  /** Records the meta-gradient into `this.grads` after the inner loop; returns the per-task loss to report. */
  protected abstract recordMetaGradient(rec: Recorder, batch: MetaBatch): Tensor;

  /** Records the training program (none for a learner built to score only); subclasses' create() calls this once. */
  protected async init(): Promise<void> {
    const { metaBatch, seed, scoring } = this.config;
    if (scoring) return;
    const r = await this.#recordEpisode(metaBatch, 0, seed, 'train', (rec, batch) => {
      const loss = this.recordMetaGradient(rec, batch);
      this.optimizer.record(rec);
      return loss;
    });
    this.setTrainPass(r);
  }

  /** Kernel names of one training step in launch order (for reports). */
  get trainKernels(): string[] {
    return this.trainPass.program.kernels;
  }

  /**
   * The training episode buffer, the tasks of the last step, for tests: sinusoidEpisodeLayout, or for forecasts
   * the windows (forecastWindowLayout).
   */
  get episode(): Tensor {
    return (this.trainPass as Recorded).episode;
  }

  /** θ_k of a recorded meta-batch (all kept, or two buffers in turn). */
  weightsAt(batch: MetaBatch, k: number): Tensor {
    return batch.weights[k % batch.weights.length];
  }

  /** Samples `tasks` tasks of one stream, adapts to each, then `finish` records what follows. */
  async #recordEpisode(
    tasks: number,
    stream: number,
    seed: number,
    label: string,
    finish: (rec: Recorder, batch: MetaBatch) => Tensor,
  ): Promise<Recorded> {
    const { gpu, cell } = this;
    const source = innerTasks(gpu, this.config, tasks, this.inner);
    const { episode } = source;
    const layout = cell.layout(tasks);
    const tensors: Tensor[] = [...source.tensors];
    const scratch = (size = tasks * cell.size) => {
      const t = gpu.tensor([size]);
      tensors.push(t);
      return t;
    };
    const keep = label === 'train' && this.keepsInnerWeights;
    const weights = Array.from({ length: keep ? this.inner.innerSteps + 1 : 2 }, () => scratch());
    const support = new CellPass(gpu, cell, tasks, source.supportRows);
    const query = new CellPass(gpu, cell, tasks, source.queryRows);
    const batch: MetaBatch = {
      layout,
      weights,
      adapted: weights[this.inner.innerSteps % weights.length],
      support,
      query,
      supportX: source.supportX,
      supportY: source.supportY,
      queryX: source.queryX,
      queryY: source.queryY,
      scratch,
    };
    const rec = gpu.recorder();
    source.record(rec, { step: this.stepCounter, seed, stream });
    const { supportX: x, supportY: y } = batch;
    this.#recordAdapt(rec, { layout, weights, support, x, y, grad: scratch() });
    const loss = finish(rec, batch);
    const program = await rec.finish(`${this.config.learner}.${label}`);
    const release = () => [support, query].forEach((p) => p.release());
    return { program, loss, tensors, release, episode };
  }

  /**
   * θ_0 = θ for every task, then innerSteps SGD steps on the support sets (step α ⊙ ∇L with learned rates).
   * 1 + 10 · innerSteps dispatches.
   */
  #recordAdapt(
    rec: Recorder,
    a: { layout: GroupedLayout; weights: Tensor[]; support: CellPass; x: CellInput; y: Tensor; grad: Tensor },
  ): Tensor {
    const at = (k: number) => a.weights[k % a.weights.length];
    broadcastGroups(rec, a.layout, { shared: this.theta, out: a.weights[0] });
    for (let k = 0; k < this.inner.innerSteps; k++) {
      a.support.recordGradient(rec, at(k), a.x, a.y, a.grad);
      if (this.rates) {
        const step = { x: a.grad, scale: this.rates, scaleBy: 'element' as const, y: at(k), out: at(k + 1) };
        groupAxpy(rec, a.layout, step, -1, 1);
      } else groupAxpy(rec, a.layout, { x: a.grad, y: at(k), out: at(k + 1) }, -this.inner.innerLr, 1);
    }
    return at(this.inner.innerSteps);
  }

  /** Query MSE after the inner loop on each task's support set, for `tasks` held-out tasks (stream 1). */
  async evaluate(tasks: number, seed: number): Promise<EvalResult> {
    const r = await this.#recordEpisode(tasks, 1, seed, 'eval', (rec, b) => {
      b.query.recordLoss(rec, b.adapted, b.queryX, b.queryY);
      return b.query.loss;
    });
    const read = () => this.gpu.read(r.episode);
    const { loss, extra } = await this.runOnce(r, 0, this.config.task === 'forecast' ? read : undefined);
    const result = summarize('mse', Array.from(loss));
    if (extra) {
      // The last value of each query window, as the forecast: the baseline any forecaster must beat.
      const shape = {
        tasks,
        context: this.config.shots,
        horizon: this.config.queries,
        window: this.inner.cellSteps,
      };
      const wl = forecastWindowLayout(shape);
      const { query: P } = forecastWindowRows(shape);
      const W = this.inner.cellSteps;
      const last = Array.from({ length: tasks }, (_, b) => {
        let sum = 0;
        for (let q = 0; q < P; q++) {
          const x = extra[wl.queryX + (b * P + q) * W + W - 1];
          sum += (x - extra[wl.queryY + b * P + q]) ** 2;
        }
        return sum / P;
      });
      const base = summarize('mse', last);
      const diff = summarize(
        'mse',
        result.values.map((v, b) => v - last[b]),
      );
      result.lastValue = { mean: base.mean, ci95: base.ci95, diff: { mean: diff.mean, ci95: diff.ci95 } };
    }
    return result;
  }

  async adapt(support: Point[]): Promise<RegressionPredictor> {
    return regressionPredictor(this, support);
  }

  /**
   * Predictions at `queryX` for one task after the inner loop on `support` (for plots); with an empty
   * support, the un-adapted θ's predictions. With readSupport, rows as in training, left-padded with blank
   * steps to shots + 1 when fewer support points are given (none: the query rows read only blanks and the
   * point) and as long as they need to be when more are.
   */
  async predict(support: { x: number; y: number }[], queryX: number[]): Promise<number[]> {
    if (this.config.task === 'forecast')
      throw new InputError(
        `predict() maps x to y on sinusoid-style tasks; this ${this.config.learner} model forecasts windows of ` +
          `${this.inner.cellSteps} values: score it with evaluate() (metarnn eval)`,
      );
    const { gpu } = this;
    const K = support.length;
    const { cell, sx, qx } = this.#predictInputs(support, queryX);
    const sy = gpu.tensor([Math.max(1, K)], K ? support.map((s) => s.y) : [0]);
    const query = new CellPass(gpu, cell, 1, queryX.length);
    const passes = [query];
    const tensors = [sx.tensor, sy, qx.tensor];
    const rec = gpu.recorder();
    let weights = this.theta; // one task: the per-task layout is θ's own
    if (K > 0) {
      const w = [gpu.tensor([cell.size]), gpu.tensor([cell.size])];
      const grad = gpu.tensor([cell.size]);
      tensors.push(...w, grad);
      const supportPass = new CellPass(gpu, cell, 1, K);
      passes.push(supportPass);
      const layout = cell.layout(1);
      weights = this.#recordAdapt(rec, {
        layout,
        weights: w,
        support: supportPass,
        x: sx,
        y: sy,
        grad,
      });
    }
    query.forward(rec, weights, qx);
    const program = await rec.finish(`${this.config.learner}.predict`);
    program.run();
    const out = Array.from(await gpu.read(query.pred));
    program.destroy();
    for (const p of passes) p.release();
    for (const t of tensors) gpu.release(t);
    return out;
  }

  /** predict()'s inputs: x / 5 columns, or with readSupport the rows that read the support pairs. */
  #predictInputs(support: Point[], queryX: number[]): { cell: GruCell; sx: CellInput; qx: CellInput } {
    const { gpu, cell } = this;
    const K = support.length;
    if (!this.inner.readSupport) {
      const sx = gpu.tensor([Math.max(1, K)], K ? support.map((s) => s.x * CELL_INPUT_SCALE) : [0]);
      const qx = gpu.tensor(
        [queryX.length],
        queryX.map((x) => x * CELL_INPUT_SCALE),
      );
      return { cell, sx: columnInput(sx), qx: columnInput(qx) };
    }
    // The weights do not depend on the sequence length: a longer support set reads as a longer sequence.
    const T = Math.max(cell.steps, K + 1);
    const long = T === cell.steps ? cell : new GruCell(cell.hidden, cell.layers, T, cell.inputSize);
    const rows = supportReadingRows(support, queryX, T);
    const at = (data: Float32Array): CellInput => ({
      tensor: gpu.tensor([Math.max(1, data.length)], data.length ? data : [0]),
      rows: contiguousRows(SEQUENCE_INPUTS),
      perStep: true,
    });
    return { cell: long, sx: at(rows.support), qx: at(rows.query) };
  }
}

/** The task model's time steps with readSupport: shots + 1 (support pairs, then the point); sinusoid only. */
function readSupportSteps(config: MetaConfig, cellSteps: number | undefined): number {
  const T = config.shots + 1;
  if (config.task !== 'sinusoid')
    throw new InputError(`readSupport reads sinusoid support pairs; task '${config.task}' has none to read`);
  if (cellSteps !== undefined && cellSteps !== T)
    throw new InputError(
      `readSupport sets the task model's steps to shots + 1 = ${T}; cellSteps ${cellSteps} contradicts it: ` +
        `leave it out`,
    );
  return T;
}
