/**
 * The task families of the gradient-based learners (MAML, FOMAML, Reptile, Meta-SGD), sampled on the GPU into
 * one episode buffer per meta-batch and read in place by the GRU-cell task model (gru_cell.ts):
 *   sinusoid: each point is a row, the cell reads x / 5 (for cellSteps steps); shots support and queries
 *     query points per task. With readSupport, a row is a sequence of K + 1 steps that reads the task's
 *     support pairs and then the point (sinusoid_sequences), so the cell reads its task as the black-box
 *     learner does, its recurrence carrying the support set; support rows leave their own pair out.
 *   forecast: each task is a series (forecast_tasks: a damped oscillator or an AR(2) process) of `shots`
 *     observed values then `queries` future ones; a row is a window of cellSteps past values and its target
 *     the next value (forecast_windows): support windows inside the context, one query window per future
 *     value (one-step-ahead, from the observed values before it). The cell reads the window as its sequence,
 *     so its recurrence is differentiated in the inner loop and through it.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { contiguousRows } from '../kernels/linear_forward';
import { sinusoidEpisodeLayout, sinusoidTasks } from '../kernels/sinusoid_tasks';
import { forecastEpisodeLayout, forecastTasks } from '../kernels/forecast_tasks';
import { forecastWindowLayout, forecastWindowRows, forecastWindows } from '../kernels/forecast_windows';
import { SEQUENCE_INPUTS, sinusoidSequenceLayout, sinusoidSequences } from '../kernels/sinusoid_sequences';
import { CELL_INPUT_SCALE, type CellInput } from './gru_cell';
import type { MetaConfig, Point } from './learner';

/** One meta-batch's tasks as the inner loop reads them. */
export interface InnerTasks {
  /** Rows per task in the support and query sets. */
  supportRows: number;
  queryRows: number;
  /** The sampled episode (the sampler's layout), and every buffer allocated here, for release. */
  episode: Tensor;
  tensors: Tensor[];
  supportX: CellInput;
  supportY: Tensor;
  queryX: CellInput;
  queryY: Tensor;
  /** Records the sampling (and, for forecasts, the windows) for the step number the GPU reads from `step`. */
  record(rec: Recorder, o: { step: Tensor; seed: number; stream: number }): void;
}

/** Support and query rows per task for a config, without allocating anything. */
export function innerTaskRows(config: MetaConfig, cellSteps: number): { support: number; query: number } {
  const { shots, queries } = config;
  if (config.task !== 'forecast') return { support: shots, query: queries };
  return forecastWindowRows({ tasks: 1, context: shots, horizon: queries, window: cellSteps });
}

export function innerTasks(
  gpu: Gpu,
  config: MetaConfig,
  tasks: number,
  o: { cellSteps: number; readSupport: boolean },
): InnerTasks {
  if (config.task === 'forecast') return forecastInnerTasks(gpu, config, tasks, o.cellSteps);
  return o.readSupport ? supportReadingTasks(gpu, config, tasks) : sinusoidInnerTasks(gpu, config, tasks);
}

function sinusoidInnerTasks(gpu: Gpu, config: MetaConfig, tasks: number): InnerTasks {
  const { shots: K, queries: Q } = config;
  const ep = sinusoidEpisodeLayout({ tasks, shots: K, queries: Q });
  const episode = gpu.tensor([ep.size]);
  // The cell reads x / 5 in place from the episode's sequence rows (x/5, y/5, is-support).
  const stride = (K + Q) * 3;
  return {
    supportRows: K,
    queryRows: Q,
    episode,
    tensors: [episode],
    supportX: {
      tensor: episode.view(ep.sequence, [tasks * K]),
      rows: { block: K, blockStride: stride, rowStride: 3 },
    },
    supportY: episode.view(ep.supportY, [tasks * K]),
    queryX: {
      tensor: episode.view(ep.sequence + 3 * K, [tasks * Q]),
      rows: { block: Q, blockStride: stride, rowStride: 3 },
    },
    queryY: episode.view(ep.queryY, [tasks * Q]),
    record: (rec, o) => sinusoidTasks(rec, { tasks, shots: K, queries: Q }, { ...o, episode }),
  };
}

/** Sinusoid tasks as rows that read the support pairs: [B, rows, K + 1, 3] beside the episode. */
function supportReadingTasks(gpu: Gpu, config: MetaConfig, tasks: number): InnerTasks {
  const { shots: K, queries: Q } = config;
  const shape = { tasks, shots: K, queries: Q };
  const ep = sinusoidEpisodeLayout(shape);
  const sl = sinusoidSequenceLayout(shape);
  const episode = gpu.tensor([ep.size]);
  const rows = gpu.tensor([sl.size]);
  const perStep = (o: number, n: number): CellInput => ({
    tensor: rows.view(o, [n * (K + 1) * SEQUENCE_INPUTS]),
    rows: contiguousRows(SEQUENCE_INPUTS),
    perStep: true,
  });
  return {
    supportRows: K,
    queryRows: Q,
    episode,
    tensors: [episode, rows],
    supportX: perStep(sl.supportX, tasks * K),
    supportY: episode.view(ep.supportY, [tasks * K]),
    queryX: perStep(sl.queryX, tasks * Q),
    queryY: episode.view(ep.queryY, [tasks * Q]),
    record: (rec, o) => {
      sinusoidTasks(rec, shape, { ...o, episode });
      const sequence = episode.view(ep.sequence, [tasks * (K + Q) * 3]);
      sinusoidSequences(rec, shape, { sequence, out: rows });
    },
  };
}

/**
 * predict()'s rows for one task on the host, as sinusoid_sequences writes them, each left-padded with blank
 * steps to `steps` (≥ support.length + 1): [K, steps, 3] support rows and [Q, steps, 3] query rows.
 */
export function supportReadingRows(
  support: Point[],
  queryX: number[],
  steps: number,
): { support: Float32Array; query: Float32Array } {
  const s = CELL_INPUT_SCALE;
  const pairs = support.map((p) => [p.x * s, p.y * s, 1]);
  const row = (given: number[][], x: number) => [
    ...new Array<number>((steps - given.length - 1) * SEQUENCE_INPUTS).fill(0),
    ...given.flat(),
    x * s,
    0,
    0,
  ];
  return {
    support: Float32Array.from(
      support.flatMap((p, j) =>
        row(
          pairs.filter((_, i) => i !== j),
          p.x,
        ),
      ),
    ),
    query: Float32Array.from(queryX.flatMap((x) => row(pairs, x))),
  };
}

function forecastInnerTasks(gpu: Gpu, config: MetaConfig, tasks: number, window: number): InnerTasks {
  const shape = { tasks, context: config.shots, horizon: config.queries, window };
  const rows = forecastWindowRows(shape);
  const ep = forecastEpisodeLayout(shape);
  const wl = forecastWindowLayout(shape);
  const episode = gpu.tensor([ep.size]);
  const windows = gpu.tensor([wl.size]);
  const at = (o: number, n: number) => windows.view(o, [n]);
  const perStep = (o: number, n: number): CellInput => ({
    tensor: at(o, n * window),
    rows: contiguousRows(1),
    perStep: true,
  });
  return {
    supportRows: rows.support,
    queryRows: rows.query,
    episode: windows,
    tensors: [episode, windows],
    supportX: perStep(wl.supportX, tasks * rows.support),
    supportY: at(wl.supportY, tasks * rows.support),
    queryX: perStep(wl.queryX, tasks * rows.query),
    queryY: at(wl.queryY, tasks * rows.query),
    record: (rec, o) => {
      forecastTasks(rec, shape, { ...o, episode });
      const context = episode.view(ep.context, [tasks * shape.context]);
      const future = episode.view(ep.future, [tasks * shape.horizon]);
      forecastWindows(rec, shape, { context, future, out: windows });
    },
  };
}
