import type { Recorder } from '../runtime/recorder';
import philox from '../../shaders/philox.wgsl?raw';
import common from '../../shaders/episode_sampler.wgsl?raw';
import body from '../../shaders/forecast_tasks.wgsl?raw';
import { dispatchSampler, episodeParts, type SamplerTensors } from './episode_sampler';

const source = `${philox}\n${common}\n${body}`;

/** `tasks` series, each `context` observed steps followed by `horizon` steps to predict. */
export interface ForecastEpisodeShape {
  tasks: number;
  context: number;
  horizon: number;
}

/** Values per task in the episode's `task` block: (kind, four parameters, 0); see shaders/forecast_tasks.wgsl. */
const FORECAST_TASK_PARAMS = 6;

/** Element offsets of each part inside one forecast episode buffer (see shaders/forecast_tasks.wgsl). */
export function forecastEpisodeLayout(s: ForecastEpisodeShape) {
  const { tasks: B, context: C, horizon: P } = s;
  return episodeParts({
    context: B * C,
    future: B * P,
    task: FORECAST_TASK_PARAMS * B,
    sequence: B * (C + P) * 2,
  });
}

/**
 * Samples `tasks` forecasting tasks (damped oscillators and AR(2) processes) into `episode` (sized by
 * forecastEpisodeLayout). Like sinusoidTasks, the step number is read on the GPU from `step` (u32).
 */
export function forecastTasks(rec: Recorder, s: ForecastEpisodeShape, t: SamplerTensors): void {
  const o = forecastEpisodeLayout(s);
  dispatchSampler(
    rec,
    { kernel: 'forecast_tasks', source, invocations: s.tasks },
    [s.tasks, s.context, s.horizon],
    t,
    [o.context, o.future, o.task, o.sequence],
  );
}
