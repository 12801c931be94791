/**
 * The task models a learned optimizer (lopt.ts) trains and is judged on: batches of GRU cells with a dense
 * head (gru_cell.ts), one weight set per task, fitting sinusoids (f = MSE on the task's points), every task of
 * a batch in one pass. The optimizer sees them as flat coordinates: every weight but the cell's recurrent
 * ones, which only ever multiply h0 = 0, so their gradient is always zero.
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
import { CellPass, type CellInput, type GruCell } from './gru_cell';
import { initUniform } from './init';

/** Buffers of one batch of task models being optimised (training, evaluation or a baseline run). */
export interface TaskBatch {
  tasks: number;
  map: CoordMap;
  coords: number;
  episode: Tensor;
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
    readonly cell: GruCell,
    /** Points per task. */
    readonly shots: number,
  ) {}

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
    const K = this.shots;
    const ep = sinusoidEpisodeLayout({ tasks, shots: K, queries: 1 });
    const map = this.coordMap(tasks);
    const n = tasks * cell.size;
    const episode = gpu.tensor([ep.size]);
    // Task-model weights: PyTorch's default init, a different draw per task slot.
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
    const shape = { tasks: b.tasks, shots: this.shots, queries: 1 };
    sinusoidTasks(rec, shape, { step: b.counter, episode: b.episode, seed, stream });
    groupAxpy(rec, this.cell.layout(b.tasks), { x: b.bank, out: b.theta }, 1);
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
