import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import source from '../../shaders/label_bind.wgsl?raw';

/** `rows` GRU-input rows of width embed + ways + ways·embed; episodes of `steps` rows each. */
export interface LabelBindShape {
  rows: number;
  steps: number;
  embed: number;
  ways: number;
  /**
   * Steps between an image and its label's slot: 1 (default) when the label arrives one step after its image
   * (Santoro et al. 2016), 0 when a support step shows both.
   */
  lag?: 0 | 1;
}

/** Input width of a row: embedding, label slots, bound block. */
export const labelBindWidth = (s: Pick<LabelBindShape, 'embed' | 'ways'>) =>
  s.embed + s.ways + s.ways * s.embed;

const dispatch = (rec: Recorder, s: LabelBindShape, backward: boolean, u: number[], buffers: GPUBuffer[]) =>
  rec.dispatch({
    kernel: 'label_bind',
    source,
    defines: { BACKWARD: backward },
    uniforms: new Uint32Array([s.rows, s.steps, s.embed, s.ways, ...u, s.lag ?? 1]),
    buffers,
    workgroups: [Math.ceil((s.rows * s.embed) / 64)],
  });

/** Writes the bound block of every row of x (shaders/label_bind.wgsl) from its embedding and label columns. */
export function labelBindForward(rec: Recorder, s: LabelBindShape, t: { x: Tensor }): void {
  dispatch(rec, s, false, [t.x.offset, labelBindWidth(s), 0], [t.x.buffer]);
}

/** Adds dL/d(bound block) into dL/d(embedding) of the bound step (`lag` before), in place in dx ([rows, width]). */
export function labelBindBackward(rec: Recorder, s: LabelBindShape, t: { x: Tensor; dx: Tensor }): void {
  if (t.x.buffer === t.dx.buffer)
    throw new RangeError('labelBindBackward: x and dx must be distinct buffers');
  dispatch(rec, s, true, [t.x.offset, labelBindWidth(s), t.dx.offset], [t.x.buffer, t.dx.buffer]);
}
