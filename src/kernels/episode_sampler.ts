import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';

// The host side of shaders/episode_sampler.wgsl: how sinusoidTasks and forecastTasks pack their Params and
// bind their buffers.

/** What an episode sampler reads and writes besides its shape. */
export interface SamplerTensors {
  /** u32 step number, bumped by the host with writeBuffer between replays: no re-recording. */
  step: Tensor;
  /** The episode buffer, sized by the sampler's layout function. */
  episode: Tensor;
  seed: number;
  stream: number;
}

/** Element offsets of the consecutive parts of one episode buffer, from their sizes in order, and its size. */
export function episodeParts<K extends string>(
  sizes: Record<K, number>,
): Record<K, number> & { size: number } {
  const offsets = {} as Record<K, number>;
  let at = 0;
  for (const k of Object.keys(sizes) as K[]) {
    offsets[k] = at;
    at += sizes[k];
  }
  return { ...offsets, size: at };
}

/**
 * Dispatches an episode sampler, one invocation per `invocations`: Params = (the three `sizes`, seed, stream,
 * stepOffset, then the element offset of each of `parts` in the episode buffer), zero-padded to whole vec4s.
 */
export function dispatchSampler(
  rec: Recorder,
  call: { kernel: string; source: string; invocations: number },
  sizes: [tasks: number, a: number, b: number],
  t: SamplerTensors,
  parts: number[],
): void {
  const e = t.episode.offset;
  const head = [...sizes, t.seed >>> 0, t.stream >>> 0, t.step.offset, ...parts.map((o) => e + o)];
  const uniforms = new Uint32Array(Math.ceil(head.length / 4) * 4);
  uniforms.set(head);
  rec.dispatch({
    kernel: call.kernel,
    source: call.source,
    uniforms,
    buffers: [t.step.buffer, t.episode.buffer],
    workgroups: [Math.ceil(call.invocations / 64)],
  });
}
