/**
 * A learned optimizer (Andrychowicz et al. 2016, "Learning to learn by gradient descent by gradient descent"):
 * a 2-layer GRU applied coordinate-wise — the same weights for every parameter of every task model — reads
 * each parameter's gradient (preprocessed as log-magnitude and sign) and emits its update,
 *   θ_t+1 = θ_t + 0.1 · head(GRU(preprocess(∇f(θ_t)), h_t)).
 * The task models are GRU cells with a dense head (gru_cell.ts), one weight set per task, fitting sinusoids
 * (f = MSE on the task's points); every task of a batch runs in one pass. The recurrent weights of the cell
 * only ever multiply h0 = 0, so their gradient is always zero and they are left out of the coordinates.
 *
 * Features 'v2' (after Metz et al. 2020, shaders/lopt_features.wgsl) add, per coordinate, momenta at three
 * timescales, a running RMS and the gradient normalised by it, the parameter's value and the step count at
 * three timescales, carried per coordinate across inner steps on the GPU. The inputs stay inputs: like the
 * gradients, they are not differentiated through (the parameter's value included).
 *
 * Meta-training: optimisation runs of `runSteps` inner steps (or, with `maxRunSteps`, a heavy-tailed draw per
 * run) from a fresh draw of initial weights on fresh tasks, cut into truncations of `unroll` steps; each truncation is one meta-step (one recorded program, one submit, no
 * readback) that minimises (1/T) Σ_t f(θ_t) over its steps by BPTT through the optimizer's GRU. As in the
 * paper, task gradients are inputs (no second derivatives): dL/du_s = 0.1/T · Σ_{t>s} ∇f(θ_t) (lopt_credit).
 * The forward runs step by step (each step's input depends on the last update), saving the inputs; the
 * backward re-runs the optimizer's GRU over the saved inputs in one fused pass to get its activations, then
 * backpropagates in one — the same kernels as every other GRU here. Adam with clipping updates the optimizer.
 *
 * From MetaConfig: layers × hidden (the optimizer's GRU, default 2 × 20 as the paper), metaBatch (tasks per
 * run), shots (points per task), seed, lr and clip (Adam on the optimizer).
 */
import type { Gpu } from '../runtime/gpu';
import type { Program, Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import { rng } from '../layout/random';
import { coordCount, type CoordMap, type CoordOptimizer } from '../layout/coord_map';
import { groupAxpy } from '../kernels/group_axpy';
import { groupedLayout } from '../layout/group_layout';
import { allocGruBuffers, gruForward, gruGeometry, gruOutput } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import type { GruShape } from '../layout/gru_layout';
import { contiguousRows } from '../kernels/linear_forward';
import { loptCredit } from '../kernels/lopt_credit';
import { LOPT_V2_FEATURES, LOPT_V2_STATE, loptFeatures } from '../kernels/lopt_features';
import { loptInput } from '../kernels/lopt_input';
import { loptUpdate } from '../kernels/lopt_update';
import { GruCell } from './gru_cell';
import { entriesSize, gruHeadEntries, LinearHead } from './gru_head';
import { initUniform } from './init';
import { summarize, type EvalResult, type MetaConfig } from './learner';
import { LearnerCore } from './learner_core';
import { compareOptimizers, type CompareProgress, type OptimizerComparison } from './lopt_compare';
import { OPTIMIZEES, optimizeeCell, TaskModels, type Optimizee, type TaskBatch } from './lopt_tasks';

export interface LoptOptions {
  /** Inner steps of one optimisation run in meta-training (the paper: 100). */
  runSteps: number;
  /** Inner steps per truncation, i.e. per meta-step (the paper: 20). runSteps must be a multiple. */
  unroll: number;
  /** Factor on the optimizer's output (the paper: 0.1). */
  outputScale: number;
  /** Hidden units of the task models' GRU cell. */
  taskHidden: number;
  /** The task family the task models fit (lopt_tasks.ts): meta-training's sinusoids, or forecasts to test on. */
  optimizee: Optimizee;
  /**
   * Meta-loss (1/T) Σ log f(θ_t) instead of (1/T) Σ f(θ_t): every halving of the loss counts the same, so the
   * optimizer is also trained to make progress once the loss is small (with the plain mean, late steps
   * barely register next to the first ones).
   */
  logLoss: boolean;
  /**
   * The optimizer's per-coordinate inputs: 'v1' Andrychowicz's (log|g|, sign g); 'v2' adds momenta, RMS,
   * the parameter and the step count (shaders/lopt_features.wgsl). Configs that do not say are 'v1'.
   */
  features: LoptFeatures;
  /**
   * 0: every training run is `runSteps` long. Otherwise each run's length is drawn from a heavy-tailed
   * (log-uniform) distribution over 1 … maxRunSteps / unroll truncations, so the optimizer also meets the
   * late steps of runs far longer than `runSteps` (a multiple of unroll).
   */
  maxRunSteps: number;
  /**
   * 0: each coordinate steps by outputScale · u. Otherwise the step is soft-bounded, b · tanh(outputScale ·
   * u / b) with b = maxUpdate (|step| < b; the same as unbounded for steps well below b), in meta-training
   * (whose credit then carries the tanh's derivative) and wherever the optimizer runs. The unbounded step is
   * already below outputScale · (‖head weight‖₁ + |head bias|) (the GRU's states lie in (−1, 1)); a bound under
   * that caps the steps a task model the optimizer never trained on can take.
   */
  maxUpdate: number;
}

export type LoptFeatures = 'v1' | 'v2';

/**
 * The learned optimizer's settings a run's config may carry beside MetaConfig's: absent in configs written
 * before they existed, which then mean 'v1' and fixed-length runs (DEFAULT_LOPT).
 */
export interface LoptConfig {
  features?: LoptFeatures;
  maxRunSteps?: number;
  /** The task models' GRU cell width: another optimizee for the same optimizer (coordinate-wise, any width). */
  taskHidden?: number;
  /** Another optimizee family for the same optimizer (eval --optimizee; runs meta-train on sinusoids). */
  optimizee?: Optimizee;
  /** The soft bound on each coordinate's step (LoptOptions.maxUpdate; absent: none). */
  maxUpdate?: number;
}
export const LOPT_FEATURES: readonly LoptFeatures[] = ['v1', 'v2'];

/** The optimizer's inputs per coordinate and inner step for each feature set. */
export function featureCount(f: LoptFeatures): number {
  return f === 'v2' ? LOPT_V2_FEATURES : 2;
}

/**
 * Truncations in meta-training run `run`: runSteps / unroll, or with maxRunSteps a log-uniform draw on
 * 1 … K (K = maxRunSteps / unroll; P(n) ∝ log(1 + 1/n), a heavy tail) that depends on (seed, run) only.
 */
export function runTruncations(o: LoptOptions, seed: number, run: number): number {
  if (!o.maxRunSteps) return o.runSteps / o.unroll;
  const K = o.maxRunSteps / o.unroll;
  const u = rng((Math.imul(seed ^ 0x7a11, 0x9e3779b1) + Math.imul(run + 1, 0x85ebca6b)) >>> 0)();
  return Math.min(K, Math.floor(Math.exp(u * Math.log(K + 1))));
}

export const DEFAULT_LOPT: LoptOptions = {
  runSteps: 100,
  unroll: 20,
  outputScale: 0.1,
  taskHidden: 32,
  optimizee: 'sinusoid',
  logLoss: true,
  features: 'v1',
  maxRunSteps: 0,
  maxUpdate: 0,
};

/** Held-out tasks optimised at once in evaluate(). */
const EVAL_BATCH = 64;

/**
 * The optimizer GRU's running state: h at the start of a truncation, two buffers for the steps in turn; with
 * 'v2' features each coordinate's momenta and second moment [C, 4], and the step in the run where the
 * recorded steps start (clock, u32 [1], written by the host).
 */
interface OptimizerState {
  start: Tensor;
  features: Tensor | null;
  clock: Tensor;
  turn: [Tensor, Tensor];
  step: ReturnType<typeof allocGruBuffers>;
  update: Tensor;
  tensors: Tensor[];
}

export class LearnedOptimizer extends LearnerCore {
  readonly opts: LoptOptions;
  readonly cell: GruCell;
  readonly shape: GruShape;
  readonly head: LinearHead;
  readonly #tasks: TaskModels;
  readonly #train: TaskBatch;
  readonly #state: OptimizerState;
  readonly #tensors: Tensor[] = [];
  /** Inputs per coordinate and step (featureCount). */
  readonly #F: number;
  /** Where each meta-training run ends, in meta-steps (filled as training gets there). */
  readonly #runEnds: number[] = [];
  /** The program of a meta-step that starts a new optimisation run (`trainPass` continues one). */
  #fresh: Program | null = null;
  /** Per-task loss at each inner step 0..unroll of the last meta-step [unroll + 1, tasks]. */
  readonly #curve: Tensor;
  /** Optimizer inputs X [C, T, F], raw gradients [C, T+1], dL/du [C, T], dL/d(GRU output) [C, T, H], u. */
  readonly #work: {
    /** Each coordinate's task [C] (u32), for the log meta-loss. */
    taskOf: Tensor;
    x: Tensor;
    raw: Tensor;
    dUpdate: Tensor;
    /** The optimizer's outputs u [C, T] over the truncation, for the bounded steps' credit (maxUpdate). */
    updates: Tensor | null;
    dOut: Tensor;
    full: ReturnType<typeof allocGruBuffers>;
  };

  private constructor(gpu: Gpu, config: MetaConfig, opts: LoptOptions) {
    const { runSteps, unroll, outputScale, taskHidden, features, maxRunSteps, optimizee, maxUpdate } = opts;
    if (!(Number.isInteger(unroll) && unroll >= 1 && Number.isInteger(runSteps) && runSteps % unroll === 0))
      throw new InputError(
        `lopt: runSteps (${runSteps}) must be a positive multiple of unroll (${unroll}), both integers`,
      );
    if (!(outputScale > 0)) throw new InputError(`lopt: outputScale must be > 0, got ${outputScale}`);
    if (!(Number.isInteger(taskHidden) && taskHidden >= 1))
      throw new InputError(`lopt: taskHidden must be an integer >= 1, got ${taskHidden}`);
    if (!OPTIMIZEES.includes(optimizee))
      throw new InputError(`lopt: optimizee '${optimizee}' is not known; allowed: ${OPTIMIZEES.join(', ')}`);
    if (!LOPT_FEATURES.includes(features))
      throw new InputError(`lopt: features '${features}' is not known; allowed: ${LOPT_FEATURES.join(', ')}`);
    if (!(Number.isInteger(maxRunSteps) && maxRunSteps >= 0 && maxRunSteps % unroll === 0))
      throw new InputError(
        `lopt: maxRunSteps (${maxRunSteps}) must be 0 (every run runSteps long) or a positive multiple of ` +
          `unroll (${unroll})`,
      );
    if (!(maxUpdate >= 0 && Number.isFinite(maxUpdate)))
      throw new InputError(
        `lopt: maxUpdate must be 0 (no bound) or a bound > 0 on each step, got ${maxUpdate}`,
      );
    const H = config.hidden;
    const F = featureCount(features);
    // PyTorch names of the optimizer's weights: gru.* (nn.GRU, input F) and head.* (nn.Linear(H, 1)).
    const shape = { layers: config.layers, inputSize: F, hiddenSize: H, groups: 1 };
    const entries = gruHeadEntries(shape, 1);
    const size = entriesSize(entries);
    super(gpu, config, entries, initUniform(size, 1 / Math.sqrt(H), config.seed));
    this.opts = opts;
    this.#F = F;
    this.shape = shape;
    this.head = new LinearHead(entries);
    this.cell = optimizeeCell(optimizee, taskHidden);
    this.#tasks = new TaskModels(gpu, this.cell, config.shots, optimizee);
    this.#train = this.#tasks.batch(config.metaBatch, config.seed);
    this.#state = this.#optimizerState(this.#train.coords);
    this.#tensors.push(...this.#state.tensors);
    this.#curve = this.#own(gpu.tensor([(unroll + 1) * config.metaBatch]));
    // The truncation's saved inputs and backward buffers, shared by the two training programs.
    const C = this.#train.coords;
    const full = allocGruBuffers(gpu, this.shape, { batch: C, steps: unroll });
    this.#tensors.push(...full.tensors);
    this.#work = {
      taskOf: this.#own(gpu.tensor([C], this.#tasks.taskOf(config.metaBatch), 'u32')),
      x: this.#own(gpu.tensor([C * unroll * F])),
      raw: this.#own(gpu.tensor([C * (unroll + 1)])),
      dUpdate: this.#own(gpu.tensor([C * unroll])),
      updates: maxUpdate > 0 ? this.#own(gpu.tensor([C * unroll])) : null,
      dOut: this.#own(gpu.tensor([C * unroll * H])),
      full,
    };
  }

  /** `opts` over the config's own lopt fields (LoptConfig) over DEFAULT_LOPT. */
  static async create(
    gpu: Gpu,
    config: MetaConfig & LoptConfig,
    opts: Partial<LoptOptions> = {},
  ): Promise<LearnedOptimizer> {
    const own: Partial<LoptOptions> = {};
    if (config.features !== undefined) own.features = config.features;
    if (config.maxRunSteps !== undefined) own.maxRunSteps = config.maxRunSteps;
    if (config.taskHidden !== undefined) own.taskHidden = config.taskHidden;
    if (config.optimizee !== undefined) own.optimizee = config.optimizee;
    if (config.maxUpdate !== undefined) own.maxUpdate = config.maxUpdate;
    const l = new LearnedOptimizer(gpu, config, { ...DEFAULT_LOPT, ...own, ...opts });
    if (config.scoring) return l; // compare and evaluate record their own runs
    l.#fresh = await l.#recordTraining(true);
    // The per-task losses of the truncation are what lastLoss reads (steps 1..T).
    l.setTrainPass({ program: await l.#recordTraining(false), loss: l.#curve, tensors: [] });
    return l;
  }

  #own<T extends Tensor>(t: T): T {
    this.#tensors.push(t);
    return t;
  }

  get #unrollsPerRun(): number {
    return this.opts.runSteps / this.opts.unroll;
  }

  /** The trainable coordinates of `tasks` task models (lopt_tasks.ts). */
  coordMap(tasks: number): CoordMap {
    return this.#tasks.coordMap(tasks);
  }

  #optimizerState(coords: number): OptimizerState {
    const { gpu } = this;
    const { layers: L, hiddenSize: H } = this.shape;
    const t = () => gpu.tensor([L * coords * H]);
    const step = allocGruBuffers(gpu, this.shape, { batch: coords, steps: 1 });
    const st = {
      start: t(),
      turn: [t(), t()] as [Tensor, Tensor],
      features: this.opts.features === 'v2' ? gpu.tensor([LOPT_V2_STATE * coords]) : null,
      clock: gpu.tensor([1], [0], 'u32'),
      step,
      update: gpu.tensor([coords]),
    };
    const own = [st.start, ...st.turn, st.clock, ...step.tensors, st.update];
    return { ...st, tensors: st.features ? [...own, st.features] : own };
  }

  /**
   * One inner step of every task model: its loss (into `loss`) and gradient, the optimizer's input written to
   * slot `slot` of X, one GRU step from h0 (zeros when null) to hN, the update. 16 dispatches with 2 layers.
   * `step` is the step's offset from where the state's clock says the recorded steps start.
   */
  #recordInnerStep(
    rec: Recorder,
    b: TaskBatch,
    st: OptimizerState,
    io: { loss: Tensor; x: Tensor; xSteps: number; slot: number; step: number; raw?: Tensor | null },
    h0: Tensor | null,
    hN: Tensor,
  ): void {
    const F = this.#F;
    b.pass.recordGradient(rec, b.theta, b.x, b.y, b.grads, { loss: io.loss });
    const xSlot = { tensor: io.x, stride: F * io.xSteps, slot: io.slot };
    const raw = io.raw ? { tensor: io.raw, stride: this.opts.unroll + 1, slot: io.slot } : null;
    if (st.features) {
      const carried = { state: st.features, clock: st.clock, step: io.step };
      loptFeatures(rec, b.map, { grads: b.grads, weights: b.theta, ...carried, x: xSlot, raw });
    } else loptInput(rec, b.map, { grads: b.grads, x: xSlot, raw });
    const run = { batch: b.coords, steps: 1 };
    const x = io.x.view(F * io.slot, [b.coords, F]);
    gruForward(rec, this.shape, run, {
      params: this.params,
      x,
      xRows: contiguousRows(F * io.xSteps),
      h0,
      hN,
      hs: st.step.hs,
      gates: st.step.gates,
    });
    const out = gruOutput(this.shape, run, st.step.hs);
    this.head.forward(rec, this.params, b.coords, { tensor: out.tensor, rows: out.rows }, st.update);
    loptUpdate(
      rec,
      b.map,
      { update: st.update, weights: b.theta },
      this.opts.outputScale,
      this.opts.maxUpdate,
    );
  }

  /** A meta-step: one truncation of `unroll` inner steps, the meta-gradient, Adam. */
  async #recordTraining(fresh: boolean): Promise<Program> {
    const { gpu } = this;
    const b = this.#train;
    const st = this.#state;
    const T = this.opts.unroll;
    const C = b.coords;
    const G = b.tasks;
    const { x, raw, dUpdate, dOut, full, updates } = this.#work;

    const rec = gpu.recorder();
    if (fresh) this.#tasks.recordFreshRun(rec, b, this.config.seed, 0);
    const h0 = fresh ? null : st.start;
    for (let s = 0; s < T; s++) {
      const loss = this.#curve.view(s * G, [G]);
      this.#recordInnerStep(
        rec,
        b,
        st,
        { loss, x, xSteps: T, slot: s, step: s, raw },
        s === 0 ? h0 : st.turn[(s - 1) % 2],
        st.turn[s % 2],
      );
    }
    // ∇f(θ_T): the last term of the meta-loss.
    b.pass.recordGradient(rec, b.theta, b.x, b.y, b.grads, { loss: this.#curve.view(T * G, [G]) });
    loptInput(rec, b.map, { grads: b.grads, raw: { tensor: raw, stride: T + 1, slot: T } });

    // Backward: re-run the optimizer over the saved inputs, credit each update, BPTT.
    const run = { batch: C, steps: T };
    gruForward(rec, this.shape, run, { params: this.params, x, h0, hs: full.hs, gates: full.gates });
    const out = gruOutput(this.shape, run, full.hs);
    const outRows = { tensor: out.tensor, rows: out.rows };
    const log = this.opts.logLoss ? { losses: this.#curve, taskOf: this.#work.taskOf, tasks: G } : null;
    // Bounded steps: the credit needs each output u again (the head on the re-run's states).
    if (updates) this.head.forward(rec, this.params, C * T, outRows, updates);
    const bound = updates ? { updates, b: this.opts.maxUpdate } : null;
    loptCredit(rec, { coords: C, steps: T }, { raw, dUpdate, log, bound }, this.opts.outputScale);
    this.head.backward(rec, this.params, C * T, {
      x: outRows,
      dy: dUpdate,
      grads: this.grads,
      dx: { tensor: dOut },
    });
    gruBackward(rec, this.shape, run, {
      params: this.params,
      x,
      hs: full.hs,
      gates: full.gates,
      dOut,
      grads: this.grads,
      workDy: full.workDy,
    });
    this.optimizer.record(rec);
    // The next truncation of this run starts where this one ended.
    const n = st.start.size;
    groupAxpy(rec, groupedLayout(1, [n]), { x: st.turn[(T - 1) % 2], out: st.start }, 1);
    return rec.finish(`lopt.train${fresh ? '.fresh' : ''}`);
  }

  /**
   * What the last meta-step saved (for tests against src/reference/lopt.ts): inputs, raw gradients, h at its
   * start, the task models' initial weights of the current run and, with 'v2', the carried feature state.
   */
  get unrollBuffers(): {
    inputs: Tensor;
    rawGradients: Tensor;
    start: Tensor;
    losses: Tensor;
    taskOf: Tensor;
    initialWeights: Tensor;
    featureState: Tensor | null;
  } {
    const w = this.#work;
    return {
      inputs: w.x,
      rawGradients: w.raw,
      start: this.#state.start,
      losses: this.#curve,
      taskOf: w.taskOf,
      initialWeights: this.#train.bank,
      featureState: this.#state.features,
    };
  }

  /** The meta-training run that meta-step `step` (0-based) belongs to, and its truncation within that run. */
  schedule(step: number): { run: number; index: number } {
    if (!this.opts.maxRunSteps) {
      const n = this.#unrollsPerRun;
      return { run: Math.floor(step / n), index: step % n };
    }
    const ends = this.#runEnds;
    while (!ends.length || ends[ends.length - 1] <= step)
      ends.push((ends.at(-1) ?? 0) + runTruncations(this.opts, this.config.seed, ends.length));
    const run = ends.findIndex((e) => e > step);
    return { run, index: step - (run ? ends[run - 1] : 0) };
  }

  step(): void {
    const { run, index } = this.schedule(this.optimizer.step);
    this.optimizer.advance();
    this.gpu.write(this.#train.counter, [run]);
    this.gpu.write(this.#state.clock, [index * this.opts.unroll]);
    // Every run starts from its own draw of initial weights (one host write, still one submit per step).
    if (index === 0) this.#tasks.drawInitial(this.#train, this.config.seed, run);
    (index === 0 ? this.#fresh! : this.trainPass.program).run();
  }

  /** Mean task loss over the last truncation's steps 1..T (what the meta-step minimised). */
  async lastLoss(): Promise<number> {
    const G = this.#train.tasks;
    const c = (await this.gpu.read(this.#curve)).subarray(G);
    return c.reduce((a, v) => a + v, 0) / c.length;
  }

  /**
   * Runs `steps` inner steps of the learned optimizer on `tasks` held-out tasks (stream 1) from fresh weights;
   * returns the per-task loss at each step 0..steps [steps + 1][tasks]. The optimizer's own training state is
   * untouched.
   */
  async lossCurve(tasks: number, seed: number, steps: number): Promise<number[][]> {
    let st: OptimizerState | null = null;
    let x: Tensor | null = null;
    const scratch = (b: TaskBatch) => {
      st = this.#optimizerState(b.coords);
      x = this.gpu.tensor([b.coords * this.#F]);
      return [x, ...st.tensors];
    };
    return this.#tasks.run('lopt.eval', { tasks, seed, stream: 1, steps }, scratch, (rec, b, s, loss) => {
      const { turn } = st!;
      const io = { loss, x: x!, xSteps: 1, slot: 0, step: s };
      this.#recordInnerStep(rec, b, st!, io, s === 0 ? null : turn[(s - 1) % 2], turn[s % 2]);
    });
  }

  /**
   * Final task loss after `runSteps` inner steps on each of `tasks` held-out tasks, in batches of at most
   * EVAL_BATCH tasks (each batch its own draw of tasks) so that memory stays bounded.
   */
  async evaluate(tasks: number, seed: number): Promise<EvalResult> {
    const values: number[] = [];
    const batch = Math.min(EVAL_BATCH, this.maxTasksPerRun());
    for (let i = 0; values.length < tasks; i++) {
      const n = Math.min(batch, tasks - values.length);
      const curve = await this.lossCurve(n, seed + 7 * i, this.opts.runSteps);
      values.push(...curve[curve.length - 1]);
    }
    return summarize('mse', values);
  }

  /**
   * A hand-designed optimizer's per-task loss curve [steps + 1][tasks], on the tasks and initial weights
   * lossCurve(tasks, seed, steps) draws (stream 1; stream 0: training tasks).
   */
  baselineCurve(
    kind: CoordOptimizer,
    lr: number,
    tasks: number,
    seed: number,
    steps: number,
    stream = 1,
  ): Promise<number[][]> {
    return this.#tasks.baselineCurve(kind, lr, { tasks, seed, stream, steps });
  }

  /**
   * The held-out tasks and initial weights lossCurve(tasks, seed, …) and baselineCurve start from, read back
   * (TaskModels.drawn): for tests against float64.
   */
  drawn(tasks: number, seed: number, stream = 1) {
    return this.#tasks.drawn(tasks, seed, stream);
  }

  /**
   * Tasks one lossCurve can optimise at once on this device: the optimizer's recurrence runs one row per
   * coordinate of every task (rows per workgroup as gruGeometry chooses), and a dispatch has at most
   * maxComputeWorkgroupsPerDimension workgroups. A wide task model (the forecast optimizee's 3,393
   * coordinates) reaches that bound at a few dozen tasks on a GPU.
   */
  maxTasksPerRun(): number {
    const perTask = coordCount(this.#tasks.coordMap(1));
    const { rows } = gruGeometry(this.shape.hiddenSize, Number.MAX_SAFE_INTEGER, this.gpu);
    return Math.max(1, Math.floor((this.gpu.limits.maxComputeWorkgroupsPerDimension * rows) / perTask));
  }

  /**
   * This optimizer against SGD, RMSprop and Adam, each tuned on training tasks (lopt_compare.ts); more tasks
   * than maxTasksPerRun run in batches, each optimizer on the same ones.
   */
  compare(
    tasks: number,
    seed: number,
    steps: number,
    progress?: CompareProgress,
    baselines?: readonly CoordOptimizer[],
  ): Promise<OptimizerComparison> {
    return compareOptimizers(
      {
        lossCurve: (t, s, n) => this.lossCurve(t, s, n),
        baselineCurve: (kind, lr, r) => this.#tasks.baselineCurve(kind, lr, r),
      },
      tasks,
      seed,
      steps,
      this.maxTasksPerRun(),
      progress,
      baselines,
    );
  }

  async state(): Promise<Record<string, Float32Array>> {
    return {
      ...(await super.state()),
      // Mid-run state, so that a resumed run continues the same optimisation runs bit for bit.
      'run.task_weights': await this.gpu.read(this.#train.theta),
      'run.optimizer_hidden': await this.gpu.read(this.#state.start),
      ...(this.#state.features ? { 'run.feature_state': await this.gpu.read(this.#state.features) } : {}),
    };
  }

  load(state: Record<string, Float32Array>, step: number): void {
    // A checkpoint of another feature set cannot drive this optimizer: say so before any size check does.
    const wih = state['gru.weight_ih_l0'];
    const H = this.shape.hiddenSize;
    if (wih && wih.length % (3 * H) === 0 && wih.length !== 3 * H * this.#F) {
      const theirs = wih.length / (3 * H);
      const named = LOPT_FEATURES.find((f) => featureCount(f) === theirs);
      throw new InputError(
        `lopt: the checkpoint's optimizer reads ${theirs} inputs per coordinate` +
          `${named ? ` (features '${named}')` : ''}, this one ${this.#F} (features '${this.opts.features}'); ` +
          `build it with the checkpoint's feature set`,
      );
    }
    super.load(state, step);
    const carried: [string, Tensor | null][] = [
      ['run.task_weights', this.#train.theta],
      ['run.optimizer_hidden', this.#state.start],
      ['run.feature_state', this.#state.features],
    ];
    for (const [name, t] of carried) {
      if (!t) continue;
      const v = state[name];
      if (v && v.length === t.size) this.gpu.write(t, v);
    }
  }

  destroy(): void {
    super.destroy();
    this.#fresh?.destroy();
    this.#fresh = null;
    if (this.#tensors.length) this.#tasks.free(this.#train);
    for (const t of this.#tensors) this.gpu.release(t);
    this.#tensors.length = 0;
  }
}
