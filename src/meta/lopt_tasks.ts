/**
 * The task models a learned optimizer (lopt.ts) trains and is judged on: batches of GRU cells with a dense
 * head (gru_cell.ts), one weight set per task, every task of a batch in one pass, on one of two optimizee
 * families:
 *   sinusoid: the one-step cell fits a sinusoid's `shots` points (f = MSE on them). The optimizer sees every
 *     weight but the cell's recurrent ones, which only ever multiply h0 = 0 (their gradient is always zero).
 *   forecast: the cell reads windows of FORECAST_OPTIMIZEE.window past values of a forecasting series (a
 *     damped oscillator or an AR(2) process, forecast_tasks) and fits the next value, on the windows inside
 *     its FORECAST_OPTIMIZEE.context observed values (f = MSE on them): a recurrent optimizee, every weight
 *     (W_hh included) a coordinate — the MAML family's forecast task model.
 * Also here: a whole optimisation run recorded as one program, and the hand-designed optimizers' runs that
 * the learned one is compared with (coord_optim).
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { coordCount, coordWeight, type CoordMap, type CoordOptimizer } from '../layout/coord_map';
import { coordOptimStep } from '../kernels/coord_optim';
import { groupAxpy } from '../kernels/group_axpy';
import { sinusoidEpisodeLayout, sinusoidTasks } from '../kernels/sinusoid_tasks';
import { forecastEpisodeLayout, forecastTasks } from '../kernels/forecast_tasks';
import { forecastWindowLayout, forecastWindowRows, forecastWindows } from '../kernels/forecast_windows';
import { contiguousRows } from '../kernels/linear_forward';
import { CellPass, GruCell, type CellInput } from './gru_cell';
import { initUniform } from './init';

/** The task families a learned optimizer can optimise: its training family, and another to test it on. */
export type Optimizee = 'sinusoid' | 'forecast';
export const OPTIMIZEES: readonly Optimizee[] = ['sinusoid', 'forecast'];

/**
 * The forecast optimizee: 24 observed values, windows of 8 (16 windows to fit), one future value drawn and
 * unused — the MAML family's forecast defaults (shots 24, cell steps 8).
 */
export const FORECAST_OPTIMIZEE = { context: 24, horizon: 1, window: 8 } as const;

/** The task model of an optimizee family: a GRU cell of `hidden` units, reading windows for forecasts. */
export function optimizeeCell(optimizee: Optimizee, hidden: number): GruCell {
  return optimizee === 'forecast' ? new GruCell(hidden, 1, FORECAST_OPTIMIZEE.window) : new GruCell(hidden);
}

/** Buffers of one batch of task models being optimised (training, evaluation or a baseline run). */
export interface TaskBatch {
  tasks: number;
  map: CoordMap;
  coords: number;
  episode: Tensor;
  /** Forecast optimizee: the windows cut from the episode's series, which the cell reads; else null. */
  windows: Tensor | null;
  /** The run number the sampler reads (tasks of run r depend only on seed and r). */
  counter: Tensor;
  theta: Tensor;
  /** Each task slot's initial weights, copied into theta at the start of a run (drawInitial redraws them). */
  bank: Tensor;
  grads: Tensor;
  pass: CellPass;
  x: CellInput;
  y: Tensor;
  tensors: Tensor[];
}

/** Records inner step `s` of an optimisation run; the tasks' losses before it go to `loss` [tasks]. */
export type InnerStep = (rec: Recorder, b: TaskBatch, s: number, loss: Tensor) => void;

export class TaskModels {
  constructor(
    readonly gpu: Gpu,
    /** The task model: optimizeeCell(optimizee, …). */
    readonly cell: GruCell,
    /** Points per sinusoid task (the forecast optimizee's shape is FORECAST_OPTIMIZEE). */
    readonly shots: number,
    readonly optimizee: Optimizee = 'sinusoid',
  ) {}

  /** Rows each task model fits: the sinusoid's points, or the windows inside the forecast context. */
  get rows(): number {
    return this.optimizee === 'forecast'
      ? forecastWindowRows({ tasks: 1, ...FORECAST_OPTIMIZEE }).support
      : this.shots;
  }

  /**
   * The trainable coordinates of `tasks` task models: every weight but the cell's recurrent ones when it reads
   * one step from h0 = 0 (they get no gradient), every weight when it reads a window.
   */
  coordMap(tasks: number): CoordMap {
    if (this.cell.steps > 1) return { o0: 0, n0: tasks * this.cell.size, o1: 0, n1: 0 };
    const [wih, whh] = this.cell.entries;
    return {
      o0: 0,
      n0: tasks * wih.size,
      o1: tasks * (wih.size + whh.size),
      n1: tasks * (this.cell.size - wih.size - whh.size),
    };
  }

  /** The task of each coordinate: per-task buffers hold each tensor as [tasks, size] (cell.layout). */
  taskOf(tasks: number): Uint32Array {
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

  batch(tasks: number, seed: number): TaskBatch {
    const { gpu, cell } = this;
    const map = this.coordMap(tasks);
    const n = tasks * cell.size;
    // Task-model weights: PyTorch's default init, a different draw per task slot.
    const bank = gpu.tensor([n], initUniform(n, 1 / Math.sqrt(cell.hidden), seed ^ 0x5eed));
    const counter = gpu.tensor([1], [0], 'u32');
    const [theta, grads] = [gpu.tensor([n]), gpu.tensor([n])];
    const data = this.optimizee === 'forecast' ? this.#forecastData(tasks) : this.#sinusoidData(tasks);
    return {
      tasks,
      map,
      coords: coordCount(map),
      episode: data.episode,
      windows: data.windows,
      bank,
      counter,
      theta,
      grads,
      pass: new CellPass(gpu, cell, tasks, this.rows),
      x: data.x,
      y: data.y,
      tensors: [...data.tensors, bank, counter, theta, grads],
    };
  }

  /** The sinusoid episode; the cell reads x / 5 in place from its sequence rows (x/5, y/5, is-support). */
  #sinusoidData(tasks: number) {
    const K = this.shots;
    const ep = sinusoidEpisodeLayout({ tasks, shots: K, queries: 1 });
    const episode = this.gpu.tensor([ep.size]);
    const x: CellInput = {
      tensor: episode.view(ep.sequence, [tasks * K]),
      rows: { block: K, blockStride: (K + 1) * 3, rowStride: 3 },
    };
    return { episode, windows: null, x, y: episode.view(ep.supportY, [tasks * K]), tensors: [episode] };
  }

  /** The forecast series, then their windows (forecast_windows): x [tasks, rows, W], y [tasks, rows]. */
  #forecastData(tasks: number) {
    const shape = { tasks, ...FORECAST_OPTIMIZEE };
    const series = this.gpu.tensor([forecastEpisodeLayout(shape).size]);
    const wl = forecastWindowLayout(shape);
    const windows = this.gpu.tensor([wl.size]);
    const rows = tasks * this.rows;
    const x: CellInput = {
      tensor: windows.view(wl.supportX, [rows * shape.window]),
      rows: contiguousRows(1),
      perStep: true,
    };
    return { episode: series, windows, x, y: windows.view(wl.supportY, [rows]), tensors: [series, windows] };
  }

  /**
   * A fresh draw of every task slot's initial weights (PyTorch's default init) for meta-training run `run`,
   * written to the batch's bank: no two runs start from the same weights. Depends on (seed, run) only.
   */
  drawInitial(b: TaskBatch, seed: number, run: number): void {
    const n = b.tasks * this.cell.size;
    const runSeed = (Math.imul(seed ^ 0x5eed, 0x9e3779b1) + Math.imul(run + 1, 0xc2b2ae35)) >>> 0;
    this.gpu.write(b.bank, initUniform(n, 1 / Math.sqrt(this.cell.hidden), runSeed));
  }

  free(b: TaskBatch): void {
    b.pass.release();
    for (const t of b.tensors) this.gpu.release(t);
  }

  /** Samples the batch's tasks (run number from its counter) and resets every task model to its initial weights. */
  recordFreshRun(rec: Recorder, b: TaskBatch, seed: number, stream: number): void {
    const draw = { step: b.counter, episode: b.episode, seed, stream };
    if (this.optimizee === 'forecast') {
      const shape = { tasks: b.tasks, ...FORECAST_OPTIMIZEE };
      const ep = forecastEpisodeLayout(shape);
      forecastTasks(rec, shape, draw);
      const context = b.episode.view(ep.context, [b.tasks * shape.context]);
      const future = b.episode.view(ep.future, [b.tasks * shape.horizon]);
      forecastWindows(rec, shape, { context, future, out: b.windows! });
    } else sinusoidTasks(rec, { tasks: b.tasks, shots: this.shots, queries: 1 }, draw);
    groupAxpy(rec, this.cell.layout(b.tasks), { x: b.bank, out: b.theta }, 1);
  }

  /**
   * What a run on (tasks, seed, stream) starts from, read back (for tests): each row's input as the cell reads
   * it ([rows, 1], or [rows, W] windows for forecasts), its target, and the task models' initial weights.
   */
  async drawn(tasks: number, seed: number, stream: number) {
    const { gpu } = this;
    const b = this.batch(tasks, seed);
    try {
      const rec = gpu.recorder();
      this.recordFreshRun(rec, b, seed, stream);
      const program = await rec.finish('lopt.draw');
      program.run();
      program.destroy();
      const rows = tasks * this.rows;
      const { tensor, rows: at } = b.x;
      // Sinusoids: x / 5 strided inside the episode's sequence rows.
      const base = tensor.offset - b.episode.offset;
      const x = b.x.perStep
        ? await gpu.read(tensor)
        : await gpu.read(b.episode).then((all) =>
            Float32Array.from({ length: rows }, (_, q) => {
              const block = Math.floor(q / at.block);
              return all[base + block * at.blockStride + (q - block * at.block) * at.rowStride];
            }),
          );
      return { x, y: await gpu.read(b.y), weights: await gpu.read(b.theta) };
    } finally {
      this.free(b);
    }
  }

  /**
   * One optimisation run of `steps` inner steps on `tasks` fresh tasks from fresh weights, as one recorded
   * program: `step` records each inner step. Returns the per-task loss at each step 0..steps
   * [steps + 1][tasks]. `scratch` tensors are released afterwards.
   */
  async run(
    label: string,
    r: { tasks: number; seed: number; stream: number; steps: number },
    scratch: (b: TaskBatch) => Tensor[],
    step: InnerStep,
  ): Promise<number[][]> {
    const { gpu } = this;
    const { tasks, steps } = r;
    const b = this.batch(tasks, r.seed);
    const curve = gpu.tensor([(steps + 1) * tasks]);
    const owned = [curve, ...scratch(b)];
    try {
      const rec = gpu.recorder();
      this.recordFreshRun(rec, b, r.seed, r.stream);
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
      this.free(b);
      for (const t of owned) gpu.release(t);
    }
  }

  /**
   * A hand-designed optimizer's per-task loss curve [steps + 1][tasks] on the tasks and initial weights that
   * `seed` and `stream` give (the learned optimizer's lossCurve draws the same).
   */
  baselineCurve(
    kind: CoordOptimizer,
    lr: number,
    r: { tasks: number; seed: number; stream: number; steps: number },
  ): Promise<number[][]> {
    let v: Tensor | null = null;
    let m: Tensor | null = null;
    const scratch = (b: TaskBatch) => [(v = this.gpu.tensor([b.coords])), (m = this.gpu.tensor([b.coords]))];
    return this.run(`lopt.${kind}`, r, scratch, (rec, b, s, loss) => {
      b.pass.recordGradient(rec, b.theta, b.x, b.y, b.grads, { loss });
      coordOptimStep(rec, kind, b.map, { weights: b.theta, grads: b.grads, v, m }, { lr, step: s + 1 });
    });
  }
}
