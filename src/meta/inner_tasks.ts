/**
 * The task families of the gradient-based learners (MAML, FOMAML, Reptile, Meta-SGD), sampled on the GPU into
 * one episode buffer per meta-batch and read in place by the GRU-cell task model (gru_cell.ts):
 *   sinusoid: each point is a row, the cell reads x / 5 (for cellSteps steps); shots support and queries
 *     query points per task.
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
import type { CellInput } from './gru_cell';
import type { MetaConfig } from './learner';

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

export function innerTasks(gpu: Gpu, config: MetaConfig, tasks: number, cellSteps: number): InnerTasks {
  return config.task === 'forecast'
    ? forecastInnerTasks(gpu, config, tasks, cellSteps)
    : sinusoidInnerTasks(gpu, config, tasks);
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
