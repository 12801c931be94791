import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import source from '../../shaders/linear_backward_input.wgsl?raw';
import {
  contiguousRows,
  linearParams,
  linearTiles,
  type LinearShape,
  type RowLayout,
  type YLayout,
} from './linear_forward';

/** dx[q, :] (+)= dy[q, :] · W[g] (see shaders/linear_backward_input.wgsl). */
export function linearBackwardInput(
  rec: Recorder,
  s: LinearShape,
  t: { dy: Tensor; dyLayout?: YLayout; w: Tensor; dx: Tensor; dxRows?: RowLayout; accumulate?: boolean },
): void {
  const dxRows = t.dxRows ?? contiguousRows(s.inF);
  rec.dispatch({
    kernel: 'linear_backward_input',
    source,
    defines: { ACCUMULATE: Boolean(t.accumulate) },
    uniforms: linearParams(s, t.dx, dxRows, t.w, null, t.dy, t.dyLayout),
    buffers: [t.dx.buffer, t.w.buffer, null, t.dy.buffer],
    workgroups: [linearTiles(s.rowsPerGroup, s.inF), s.groups],
  });
}
