import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import source from '../../shaders/sinusoid_sequences.wgsl?raw';
import { episodeParts } from './episode_sampler';
import type { SinusoidEpisodeShape } from './sinusoid_tasks';

/** Inputs per step of a support-reading row: x / 5, y / 5 (0 on the point to predict), is-labelled. */
export const SEQUENCE_INPUTS = 3;

/** Element offsets of the rows buffer: supportX [B, K, K+1, 3], then queryX [B, Q, K+1, 3]. */
export function sinusoidSequenceLayout(s: SinusoidEpisodeShape) {
  const T = s.shots + 1;
  return episodeParts({
    supportX: s.tasks * s.shots * T * SEQUENCE_INPUTS,
    queryX: s.tasks * s.queries * T * SEQUENCE_INPUTS,
  });
}

/**
 * Writes every task's support and query rows as sequences that read the support pairs
 * (shaders/sinusoid_sequences.wgsl) from `sequence`, the episode's sequence part [B, K+Q, 3]
 * (sinusoidEpisodeLayout), into `out` (sized by sinusoidSequenceLayout, another buffer).
 */
export function sinusoidSequences(
  rec: Recorder,
  s: SinusoidEpisodeShape,
  t: { sequence: Tensor; out: Tensor },
): void {
  if (t.sequence.buffer === t.out.buffer)
    throw new InputError('sinusoidSequences: the rows go to another buffer than the episode');
  const o = sinusoidSequenceLayout(s);
  const at = (k: number) => t.out.offset + k;
  rec.dispatch({
    kernel: 'sinusoid_sequences',
    source,
    uniforms: new Uint32Array([
      s.tasks, s.shots, s.queries, t.sequence.offset,
      at(o.supportX), at(o.queryX), 0, 0,
    ]), // prettier-ignore
    buffers: [t.sequence.buffer, t.out.buffer],
    workgroups: [Math.ceil((s.tasks * (s.shots + s.queries) * (s.shots + 1)) / 64)],
  });
}
