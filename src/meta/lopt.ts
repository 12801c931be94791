/**
 * A learned optimizer (Andrychowicz et al. 2016, "Learning to learn by gradient descent by gradient descent"):
 * a 2-layer GRU applied coordinate-wise — the same weights for every parameter of every task model — reads
 * each parameter's gradient (preprocessed as log-magnitude and sign) and emits its update,
 *   θ_t+1 = θ_t + 0.1 · head(GRU(preprocess(∇f(θ_t)), h_t)).
 * The task models are GRU cells with a dense head (gru_cell.ts), one weight set per task, fitting sinusoids
 * (f = MSE on the task's points); every task of a batch runs in one pass. The recurrent weights of the cell
 * only ever multiply h0 = 0, so their gradient is always zero and they are left out of the coordinates.
 *
 * Meta-training: optimisation runs of `runSteps` inner steps from fresh weights on fresh tasks, cut into
 * truncations of `unroll` steps; each truncation is one meta-step (one recorded program, one submit, no
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
import { coordCount, coordWeight, type CoordMap } from '../kernels/coord_map';
import { COORD_OPTIMIZERS, coordOptimStep, type CoordOptimizer } from '../kernels/coord_optim';
import { groupAxpy } from '../kernels/group_axpy';
import { groupedLayout } from '../kernels/group_layout';
import { allocGruBuffers, gruForward, gruOutput } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import { gruParamLayout, type GruShape, type ParamEntry } from '../kernels/gru_layout';
import { contiguousRows, linearForward } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';
import { loptCredit } from '../kernels/lopt_credit';
import { loptInput } from '../kernels/lopt_input';
import { loptUpdate } from '../kernels/lopt_update';
import { sinusoidEpisodeLayout, sinusoidTasks } from '../kernels/sinusoid_tasks';
import { CellPass, GruCell, type CellInput } from './gru_cell';
import { flatFromState, initUniform, namedSlices } from './init';
import { summarize, type EvalResult, type MetaConfig, type MetaLearner } from './learner';
import { metaOptimizer, type MetaOptimizer } from './optimizer';

export interface LoptOptions {
  /** Inner steps of one optimisation run in meta-training (the paper: 100). */
  runSteps: number;
  /** Inner steps per truncation, i.e. per meta-step (the paper: 20). runSteps must be a multiple. */
  unroll: number;
  /** Factor on the optimizer's output (the paper: 0.1). */
  outputScale: number;
  /** Hidden units of the task models' GRU cell. */
  taskHidden: number;
  /**
   * Meta-loss (1/T) Σ log f(θ_t) instead of (1/T) Σ f(θ_t): every halving of the loss counts the same, so the
   * optimizer is also trained to make progress once the loss is small (with the plain mean, late steps
   * barely register next to the first ones).
   */
  logLoss: boolean;
}

export const DEFAULT_LOPT: LoptOptions = {
  runSteps: 100,
  unroll: 20,
  outputScale: 0.1,
  taskHidden: 32,
  logLoss: true,
};

/** Held-out tasks optimised at once in evaluate(). */
const EVAL_BATCH = 64;

/** Learning rates tried for each hand-designed optimizer (log grid); the best on training tasks is used. */
export const BASELINE_LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1];

/** Mean task loss at each inner step 0..steps for the learned optimizer and each tuned baseline. */
export interface OptimizerComparison {
  steps: number;
  tasks: number;
  curves: Record<'lopt' | CoordOptimizer, number[]>;
  /** Final loss per held-out task, per optimizer. */
  final: Record<'lopt' | CoordOptimizer, number[]>;
  /** The learning rate each baseline was tuned to (on training tasks). */
  lr: Record<CoordOptimizer, number>;
}

/** Buffers of one batch of task models being optimised (training, evaluation or a baseline run). */
interface TaskBatch {
  tasks: number;
  map: CoordMap;
  coords: number;
  episode: Tensor;
  counter: Tensor;
  theta: Tensor;
  bank: Tensor;
  grads: Tensor;
  pass: CellPass;
  x: CellInput;
  y: Tensor;
  tensors: Tensor[];
}

/** The optimizer GRU's running state: h at the start of a truncation, two buffers for the steps in turn. */
interface OptimizerState {
  start: Tensor;
  turn: [Tensor, Tensor];
  step: ReturnType<typeof allocGruBuffers>;
  update: Tensor;
  tensors: Tensor[];
}

export class LearnedOptimizer implements MetaLearner {
  readonly opts: LoptOptions;
  readonly cell: GruCell;
  readonly shape: GruShape;
  /** PyTorch names of the optimizer's weights: gru.* (nn.GRU, input 2) and head.* (nn.Linear(H, 1)). */
  readonly entries: ParamEntry[];
  readonly params: Tensor;
  readonly grads: Tensor;
  readonly optimizer: MetaOptimizer;
  readonly #train: TaskBatch;
  readonly #state: OptimizerState;
  readonly #tensors: Tensor[] = [];
  #programs: { fresh: Program; next: Program } | null = null;
  /** Per-task loss at each inner step 0..unroll of the last meta-step [unroll + 1, tasks]. */
  readonly #curve: Tensor;
  /** Optimizer inputs X [C, T, 2], raw gradients [C, T+1], dL/du [C, T], dL/d(GRU output) [C, T, H]. */
  readonly #work: {
    /** Each coordinate's task [C] (u32), for the log meta-loss. */
    taskOf: Tensor;
    x: Tensor;
    raw: Tensor;
    dUpdate: Tensor;
    dOut: Tensor;
    full: ReturnType<typeof allocGruBuffers>;
  };

  private constructor(
    readonly gpu: Gpu,
    readonly config: MetaConfig,
    opts: Partial<LoptOptions>,
  ) {
    this.opts = { ...DEFAULT_LOPT, ...opts };
    const { runSteps, unroll, outputScale, taskHidden } = this.opts;
    if (!(Number.isInteger(unroll) && unroll >= 1 && Number.isInteger(runSteps) && runSteps % unroll === 0))
      throw new InputError(
        `lopt: runSteps (${runSteps}) must be a positive multiple of unroll (${unroll}), both integers`,
      );
    if (!(outputScale > 0)) throw new InputError(`lopt: outputScale must be > 0, got ${outputScale}`);
    const H = config.hidden;
    this.cell = new GruCell(taskHidden);
    this.shape = { layers: config.layers, inputSize: 2, hiddenSize: H, groups: 1 };
    const gru = gruParamLayout(this.shape);
    this.entries = [
      ...gru.entries.map((e) => ({ ...e, name: `gru.${e.name}` })),
      { name: 'head.weight', offset: gru.size, shape: [1, H], size: H },
      { name: 'head.bias', offset: gru.size + H, shape: [1], size: 1 },
    ];
    const size = gru.size + H + 1;
    this.params = gpu.tensor([size], initUniform(size, 1 / Math.sqrt(H), config.seed));
    this.grads = gpu.tensor([size], new Float32Array(size));
    this.optimizer = metaOptimizer(gpu, this.params, this.grads, config);
    this.#train = this.#taskBatch(config.metaBatch, config.seed);
    this.#state = this.#optimizerState(this.#train.coords);
    this.#tensors.push(...this.#state.tensors);
    this.#curve = this.#own(gpu.tensor([(unroll + 1) * config.metaBatch]));
    // The truncation's saved inputs and backward buffers, shared by the two training programs.
    const C = this.#train.coords;
    const full = allocGruBuffers(gpu, this.shape, { batch: C, steps: unroll });
    this.#tensors.push(...full.tensors);
    this.#work = {
      taskOf: this.#own(gpu.tensor([C], this.#taskOf(config.metaBatch), 'u32')),
      x: this.#own(gpu.tensor([C * unroll * 2])),
      raw: this.#own(gpu.tensor([C * (unroll + 1)])),
      dUpdate: this.#own(gpu.tensor([C * unroll])),
      dOut: this.#own(gpu.tensor([C * unroll * H])),
      full,
    };
  }

  static async create(
    gpu: Gpu,
    config: MetaConfig,
    opts: Partial<LoptOptions> = {},
  ): Promise<LearnedOptimizer> {
    const l = new LearnedOptimizer(gpu, config, opts);
    const fresh = await l.#recordTraining(true);
    const next = await l.#recordTraining(false);
    l.#programs = { fresh, next };
    return l;
  }

  #own<T extends Tensor>(t: T): T {
    this.#tensors.push(t);
    return t;
  }

  get stepCount(): number {
    return this.optimizer.step;
  }

  get dispatchesPerStep(): number {
    return this.#programs!.next.dispatchCount;
  }

  get #unrollsPerRun(): number {
    return this.opts.runSteps / this.opts.unroll;
  }

  /** The trainable coordinates of `tasks` task models: every weight but the cell's recurrent ones. */
  coordMap(tasks: number): CoordMap {
    const [wih, whh] = this.cell.entries;
    return {
      o0: 0,
      n0: tasks * wih.size,
      o1: tasks * (wih.size + whh.size),
      n1: tasks * (this.cell.size - wih.size - whh.size),
    };
  }

  /** The task of each coordinate: per-task buffers hold each tensor as [tasks, size] (cell.layout). */
  #taskOf(tasks: number): Uint32Array {
    const map = this.coordMap(tasks);
    const out = new Uint32Array(coordCount(map));
    for (let c = 0; c < out.length; c++) {
      let i = coordWeight(map, c);
      for (const e of this.cell.entries) {
        if (i < tasks * e.size) {
          out[c] = Math.floor(i / e.size);
          break;
        }
        i -= tasks * e.size;
      }
    }
    return out;
  }

  #taskBatch(tasks: number, seed: number): TaskBatch {
    const { gpu, cell } = this;
    const K = this.config.shots;
    const ep = sinusoidEpisodeLayout({ tasks, shots: K, queries: 1 });
    const map = this.coordMap(tasks);
    const n = tasks * cell.size;
    const episode = gpu.tensor([ep.size]);
    // Fresh task-model weights for each run: PyTorch's default init, a different draw per task slot.
    const bank = gpu.tensor([n], initUniform(n, 1 / Math.sqrt(cell.hidden), seed ^ 0x5eed));
    const tensors = [episode, bank, gpu.tensor([1], [0], 'u32'), gpu.tensor([n]), gpu.tensor([n])];
    const stride = (K + 1) * 3;
    return {
      tasks,
      map,
      coords: coordCount(map),
      episode,
      bank,
      counter: tensors[2],
      theta: tensors[3],
      grads: tensors[4],
      pass: new CellPass(gpu, cell, tasks, K),
      // The cell reads x / 5 in place from the episode's sequence rows (x/5, y/5, is-support).
      x: {
        tensor: episode.view(ep.sequence, [tasks * K]),
        rows: { block: K, blockStride: stride, rowStride: 3 },
      },
      y: episode.view(ep.supportY, [tasks * K]),
      tensors,
    };
  }

  #freeBatch(b: TaskBatch): void {
    b.pass.release();
    for (const t of b.tensors) this.gpu.release(t);
  }

  #optimizerState(coords: number): OptimizerState {
    const { gpu } = this;
    const { layers: L, hiddenSize: H } = this.shape;
    const t = () => gpu.tensor([L * coords * H]);
    const step = allocGruBuffers(gpu, this.shape, { batch: coords, steps: 1 });
    const st = { start: t(), turn: [t(), t()] as [Tensor, Tensor], step, update: gpu.tensor([coords]) };
    return { ...st, tensors: [st.start, ...st.turn, ...step.tensors, st.update] };
  }

  #head(params: Tensor): { w: Tensor; b: Tensor } {
    const H = this.shape.hiddenSize;
    const at = gruParamLayout(this.shape).size;
    return { w: params.view(at, [1, H]), b: params.view(at + H, [1]) };
  }

  /** Samples the batch's tasks (run number from its counter) and resets every task model to its initial weights. */
  #recordFreshRun(rec: Recorder, b: TaskBatch, seed: number, stream: number): void {
    sinusoidTasks(
      rec,
      { tasks: b.tasks, shots: this.config.shots, queries: 1 },
      {
        step: b.counter,
        episode: b.episode,
        seed,
        stream,
      },
    );
    groupAxpy(rec, this.cell.layout(b.tasks), { x: b.bank, out: b.theta }, 1);
  }

  /**
   * One inner step of every task model: its loss (into `loss`) and gradient, the optimizer's input written to
   * slot `slot` of X, one GRU step from h0 (zeros when null) to hN, the update. 16 dispatches with 2 layers.
   */
  #recordInnerStep(
    rec: Recorder,
    b: TaskBatch,
    st: OptimizerState,
    io: { loss: Tensor; x: Tensor; xSteps: number; slot: number; raw?: Tensor | null; rawSlot?: number },
    h0: Tensor | null,
    hN: Tensor,
  ): void {
    b.pass.recordGradient(rec, b.theta, b.x, b.y, b.grads, { loss: io.loss });
    loptInput(rec, b.map, {
      grads: b.grads,
      x: { tensor: io.x, stride: 2 * io.xSteps, slot: io.slot },
      raw: io.raw ? { tensor: io.raw, stride: this.opts.unroll + 1, slot: io.rawSlot ?? io.slot } : null,
    });
    const run = { batch: b.coords, steps: 1 };
    const x = io.x.view(2 * io.slot, [b.coords, 2]);
    gruForward(rec, this.shape, run, {
      params: this.params,
      x,
      xRows: contiguousRows(2 * io.xSteps),
      h0,
      hN,
      hs: st.step.hs,
      gates: st.step.gates,
    });
    const out = gruOutput(this.shape, run, st.step.hs);
    const head = this.#head(this.params);
    const s = { groups: 1, rowsPerGroup: b.coords, inF: this.shape.hiddenSize, outF: 1 };
    linearForward(rec, s, { x: out.tensor, xRows: out.rows, w: head.w, b: head.b, y: st.update });
    loptUpdate(rec, b.map, { update: st.update, weights: b.theta }, this.opts.outputScale);
  }

  /** A meta-step: one truncation of `unroll` inner steps, the meta-gradient, Adam. */
  async #recordTraining(fresh: boolean): Promise<Program> {
    const { gpu } = this;
    const b = this.#train;
    const st = this.#state;
    const T = this.opts.unroll;
    const C = b.coords;
    const G = b.tasks;
    const H = this.shape.hiddenSize;
    const { x, raw, dUpdate, dOut, full } = this.#work;

    const rec = gpu.recorder();
    if (fresh) this.#recordFreshRun(rec, b, this.config.seed, 0);
    const h0 = fresh ? null : st.start;
    for (let s = 0; s < T; s++) {
      const loss = this.#curve.view(s * G, [G]);
      this.#recordInnerStep(
        rec,
        b,
        st,
        { loss, x, xSteps: T, slot: s, raw },
        s === 0 ? h0 : st.turn[(s - 1) % 2],
        st.turn[s % 2],
      );
    }
    // ∇f(θ_T): the last term of the meta-loss.
    b.pass.recordGradient(rec, b.theta, b.x, b.y, b.grads, { loss: this.#curve.view(T * G, [G]) });
    loptInput(rec, b.map, { grads: b.grads, raw: { tensor: raw, stride: T + 1, slot: T } });

    // Backward: credit each update, re-run the optimizer over the saved inputs, BPTT.
    const log = this.opts.logLoss ? { losses: this.#curve, taskOf: this.#work.taskOf, tasks: G } : null;
    loptCredit(rec, { coords: C, steps: T }, { raw, dUpdate, log }, this.opts.outputScale);
    const run = { batch: C, steps: T };
    gruForward(rec, this.shape, run, { params: this.params, x, h0, hs: full.hs, gates: full.gates });
    const out = gruOutput(this.shape, run, full.hs);
    const s = { groups: 1, rowsPerGroup: C * T, inF: H, outF: 1 };
    const head = this.#head(this.params);
    const dHead = this.#head(this.grads);
    linearBackwardWeight(rec, s, { x: out.tensor, xRows: out.rows, dy: dUpdate, dw: dHead.w, db: dHead.b });
    linearBackwardInput(rec, s, { dy: dUpdate, w: head.w, dx: dOut });
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

  /** What the last meta-step saved (for tests against src/reference/lopt.ts): inputs, raw gradients, h at its start. */
  get unrollBuffers(): {
    inputs: Tensor;
    rawGradients: Tensor;
    start: Tensor;
    losses: Tensor;
    taskOf: Tensor;
  } {
    const w = this.#work;
    return {
      inputs: w.x,
      rawGradients: w.raw,
      start: this.#state.start,
      losses: this.#curve,
      taskOf: w.taskOf,
    };
  }

  step(): void {
    const run = Math.floor(this.optimizer.step / this.#unrollsPerRun);
    const fresh = this.optimizer.step % this.#unrollsPerRun === 0;
    this.optimizer.advance();
    this.gpu.write(this.#train.counter, [run]);
    (fresh ? this.#programs!.fresh : this.#programs!.next).run();
  }

  /** Mean task loss over the last truncation's steps 1..T (what the meta-step minimised). */
  async lastLoss(): Promise<number> {
    const G = this.#train.tasks;
    const c = (await this.gpu.read(this.#curve)).subarray(G);
    return c.reduce((a, v) => a + v, 0) / c.length;
  }

  /**
   * One optimisation run of `steps` inner steps on `tasks` fresh tasks from fresh weights, as one recorded
   * program: `step(rec, batch, s, loss)` records inner step s, whose task losses go to `loss` [tasks]. Returns
   * the per-task loss at each step 0..steps [steps + 1][tasks]. `scratch` tensors are released afterwards.
   */
  async #optimisationRun(
    label: string,
    r: { tasks: number; seed: number; stream: number; steps: number },
    scratch: (b: TaskBatch) => Tensor[],
    step: (rec: Recorder, b: TaskBatch, s: number, loss: Tensor) => void,
  ): Promise<number[][]> {
    const { gpu } = this;
    const { tasks, steps } = r;
    const b = this.#taskBatch(tasks, r.seed);
    const curve = gpu.tensor([(steps + 1) * tasks]);
    const owned = [curve, ...scratch(b)];
    try {
      const rec = gpu.recorder();
      this.#recordFreshRun(rec, b, r.seed, r.stream);
      for (let s = 0; s < steps; s++) step(rec, b, s, curve.view(s * tasks, [tasks]));
      b.pass.recordLoss(rec, b.theta, b.x, b.y, curve.view(steps * tasks, [tasks]));
      const program = await rec.finish(label);
      program.run();
      const flat = await gpu.read(curve);
      program.destroy();
      return Array.from({ length: steps + 1 }, (_, s) =>
        Array.from(flat.subarray(s * tasks, (s + 1) * tasks)),
      );
    } finally {
      this.#freeBatch(b);
      for (const t of owned) gpu.release(t);
    }
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
      x = this.gpu.tensor([b.coords * 2]);
      return [x, ...st.tensors];
    };
    return this.#optimisationRun(
      'lopt.eval',
      { tasks, seed, stream: 1, steps },
      scratch,
      (rec, b, s, loss) => {
        const { turn } = st!;
        const io = { loss, x: x!, xSteps: 1, slot: 0 };
        this.#recordInnerStep(rec, b, st!, io, s === 0 ? null : turn[(s - 1) % 2], turn[s % 2]);
      },
    );
  }

  /**
   * Final task loss after `runSteps` inner steps on each of `tasks` held-out tasks, in batches of at most
   * EVAL_BATCH tasks (each batch its own draw of tasks) so that memory stays bounded.
   */
  async evaluate(tasks: number, seed: number): Promise<EvalResult> {
    const values: number[] = [];
    for (let i = 0; values.length < tasks; i++) {
      const n = Math.min(EVAL_BATCH, tasks - values.length);
      const curve = await this.lossCurve(n, seed + 7 * i, this.opts.runSteps);
      values.push(...curve[curve.length - 1]);
    }
    return summarize('mse', values);
  }

  /** A hand-designed optimizer's per-task loss curve [steps + 1][tasks], same tasks and initial weights as lossCurve. */
  async baselineCurve(
    kind: CoordOptimizer,
    lr: number,
    tasks: number,
    seed: number,
    steps: number,
    stream = 1,
  ): Promise<number[][]> {
    let v: Tensor | null = null;
    let m: Tensor | null = null;
    const scratch = (b: TaskBatch) => [(v = this.gpu.tensor([b.coords])), (m = this.gpu.tensor([b.coords]))];
    return this.#optimisationRun(
      `lopt.${kind}`,
      { tasks, seed, stream, steps },
      scratch,
      (rec, b, s, loss) => {
        b.pass.recordGradient(rec, b.theta, b.x, b.y, b.grads, { loss });
        coordOptimStep(rec, kind, b.map, { weights: b.theta, grads: b.grads, v, m }, { lr, step: s + 1 });
      },
    );
  }

  /**
   * The learned optimizer against SGD, RMSprop and Adam on the same held-out tasks from the same initial
   * weights. Each baseline's learning rate is tuned first: the best final loss over BASELINE_LRS on `tasks`
   * training tasks (stream 0, another seed), so the comparison is against each one at its best.
   */
  async compare(tasks: number, seed: number, steps: number): Promise<OptimizerComparison> {
    const mean = (rows: number[][]) => rows.map((r) => r.reduce((a, v) => a + v, 0) / r.length);
    const finite = (x: number) => (Number.isFinite(x) ? x : Infinity);
    const lr = {} as Record<CoordOptimizer, number>;
    for (const kind of COORD_OPTIMIZERS) {
      let best = Infinity;
      for (const candidate of BASELINE_LRS) {
        const c = mean(await this.baselineCurve(kind, candidate, tasks, seed + 7919, steps, 0));
        const f = finite(c[c.length - 1]);
        if (f < best || lr[kind] === undefined) [best, lr[kind]] = [f, candidate];
      }
    }
    const lopt = await this.lossCurve(tasks, seed, steps);
    const curves = { lopt: mean(lopt) } as OptimizerComparison['curves'];
    const final = { lopt: lopt[steps] } as OptimizerComparison['final'];
    for (const kind of COORD_OPTIMIZERS) {
      const c = await this.baselineCurve(kind, lr[kind], tasks, seed, steps);
      curves[kind] = mean(c);
      final[kind] = c[steps];
    }
    return { steps, tasks, curves, final, lr };
  }

  async state(): Promise<Record<string, Float32Array>> {
    const flat = await this.gpu.read(this.params);
    return {
      ...namedSlices(flat, this.entries, ''),
      ...(await this.optimizer.state()),
      // Mid-run state, so that a resumed run continues the same optimisation runs bit for bit.
      'run.task_weights': await this.gpu.read(this.#train.theta),
      'run.optimizer_hidden': await this.gpu.read(this.#state.start),
    };
  }

  load(state: Record<string, Float32Array>, step: number): void {
    this.gpu.write(this.params, flatFromState(state, this.entries, this.params.size));
    this.optimizer.load(state, step);
    for (const [name, t] of [
      ['run.task_weights', this.#train.theta],
      ['run.optimizer_hidden', this.#state.start],
    ] as const) {
      const v = state[name];
      if (v && v.length === t.size) this.gpu.write(t, v);
    }
  }

  destroy(): void {
    this.#programs?.fresh.destroy();
    this.#programs?.next.destroy();
    this.#programs = null;
    this.#freeBatch(this.#train);
    for (const t of this.#tensors) this.gpu.release(t);
    this.#tensors.length = 0;
  }
}
