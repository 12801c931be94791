import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import philox from '../../shaders/philox.wgsl?raw';
import body from '../../shaders/forecast_tasks.wgsl?raw';

const source = `${philox}\n${body}`;

/** `tasks` series, each `context` observed steps followed by `horizon` steps to predict. */
export interface ForecastEpisodeShape {
  tasks: number;
  context: number;
  horizon: number;
}

/** Values per task in the episode's `task` block: (kind, four parameters, 0); see shaders/forecast_tasks.wgsl. */
export const FORECAST_TASK_PARAMS = 6;

/** Element offsets of each part inside one forecast episode buffer (see shaders/forecast_tasks.wgsl). */
export function forecastEpisodeLayout(s: ForecastEpisodeShape) {
  const { tasks: B, context: C, horizon: P } = s;
  const context = 0;
  const future = context + B * C;
  const task = future + B * P;
  const sequence = task + FORECAST_TASK_PARAMS * B;
  return { context, future, task, sequence, size: sequence + B * (C + P) * 2 };
}

/**
 * Samples `tasks` forecasting tasks (damped oscillators and AR(2) processes) into `episode` (sized by
 * forecastEpisodeLayout). Like sinusoidTasks, the step number is read on the GPU from `step` (u32).
 */
export function forecastTasks(
  rec: Recorder,
  s: ForecastEpisodeShape,
  t: { step: Tensor; episode: Tensor; seed: number; stream: number },
): void {
  const o = forecastEpisodeLayout(s);
  const e = t.episode.offset;
  rec.dispatch({
    kernel: 'forecast_tasks',
    source,
    uniforms: new Uint32Array([
      s.tasks, s.context, s.horizon, t.seed >>> 0,
      t.stream >>> 0, t.step.offset, e + o.context, e + o.future,
      e + o.task, e + o.sequence, 0, 0,
    ]), // prettier-ignore
    buffers: [t.step.buffer, t.episode.buffer],
    workgroups: [Math.ceil(s.tasks / 64)],
  });
}
