import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import philox from '../../shaders/philox.wgsl?raw';
import body from '../../shaders/sinusoid_tasks.wgsl?raw';

const source = `${philox}\n${body}`;

export interface SinusoidEpisodeShape {
  tasks: number;
  shots: number;
  queries: number;
}

/** Element offsets of each part inside one episode buffer (see shaders/sinusoid_tasks.wgsl). */
export function sinusoidEpisodeLayout(s: SinusoidEpisodeShape) {
  const { tasks: B, shots: K, queries: Q } = s;
  const supportX = 0;
  const supportY = supportX + B * K;
  const queryX = supportY + B * K;
  const queryY = queryX + B * Q;
  const queryT = queryY + B * Q;
  const task = queryT + B * Q;
  const sequence = task + 2 * B;
  return { supportX, supportY, queryX, queryY, queryT, task, sequence, size: sequence + B * (K + Q) * 3 };
}

/**
 * Samples `tasks` sinusoid tasks into `episode` (sized by sinusoidEpisodeLayout). The step number is read
 * on the GPU from `step` (u32), which the host bumps with writeBuffer between replays: no re-recording.
 */
export function sinusoidTasks(
  rec: Recorder,
  s: SinusoidEpisodeShape,
  t: { step: Tensor; episode: Tensor; seed: number; stream: number },
): void {
  const o = sinusoidEpisodeLayout(s);
  const e = t.episode.offset;
  rec.dispatch({
    kernel: 'sinusoid_tasks',
    source,
    uniforms: new Uint32Array([
      s.tasks, s.shots, s.queries, t.seed >>> 0,
      t.stream >>> 0, t.step.offset, e + o.supportX, e + o.supportY,
      e + o.queryX, e + o.queryY, e + o.task, e + o.sequence,
      e + o.queryT, 0, 0, 0,
    ]), // prettier-ignore
    buffers: [t.step.buffer, t.episode.buffer],
    workgroups: [Math.ceil((s.tasks * (s.shots + s.queries)) / 64)],
  });
}
