import type { Recorder } from '../runtime/recorder';
import philox from '../../shaders/philox.wgsl?raw';
import common from '../../shaders/episode_sampler.wgsl?raw';
import body from '../../shaders/sinusoid_tasks.wgsl?raw';
import { dispatchSampler, episodeParts, type SamplerTensors } from './episode_sampler';

const source = `${philox}\n${common}\n${body}`;

export interface SinusoidEpisodeShape {
  tasks: number;
  shots: number;
  queries: number;
}

/** Element offsets of each part inside one episode buffer (see shaders/sinusoid_tasks.wgsl). */
export function sinusoidEpisodeLayout(s: SinusoidEpisodeShape) {
  const { tasks: B, shots: K, queries: Q } = s;
  return episodeParts({
    supportX: B * K,
    supportY: B * K,
    queryX: B * Q,
    queryY: B * Q,
    queryT: B * Q,
    task: 2 * B,
    sequence: B * (K + Q) * 3,
  });
}

/**
 * Samples `tasks` sinusoid tasks into `episode` (sized by sinusoidEpisodeLayout). The step number is read
 * on the GPU from `step` (u32), which the host bumps with writeBuffer between replays: no re-recording.
 */
export function sinusoidTasks(rec: Recorder, s: SinusoidEpisodeShape, t: SamplerTensors): void {
  const o = sinusoidEpisodeLayout(s);
  dispatchSampler(
    rec,
    { kernel: 'sinusoid_tasks', source, invocations: s.tasks * (s.shots + s.queries) },
    [s.tasks, s.shots, s.queries],
    t,
    [o.supportX, o.supportY, o.queryX, o.queryY, o.task, o.sequence, o.queryT],
  );
}
