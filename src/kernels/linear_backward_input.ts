import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/linear_tile.wgsl?raw';
import body from '../../shaders/linear_backward_input.wgsl?raw';
import { dispatchLinear, type LinearShape, type RowLayout, type YLayout } from './linear_tile';

const source = `${common}\n${body}`;

/** dx[q, :] (+)= dy[q, :] · W[g] (see shaders/linear_backward_input.wgsl). */
export function linearBackwardInput(
  rec: Recorder,
  s: LinearShape,
  t: { dy: Tensor; dyLayout?: YLayout; w: Tensor; dx: Tensor; dxRows?: RowLayout; accumulate?: boolean },
): void {
  dispatchLinear(
    rec,
    {
      kernel: 'linear_backward_input',
      source,
      defines: { ACCUMULATE: Boolean(t.accumulate) },
      buffers: [t.dx.buffer, t.w.buffer, null, t.dy.buffer],
    },
    s,
    { x: t.dx, xRows: t.dxRows, w: t.w, y: t.dy, yLayout: t.dyLayout },
    { rows: s.rowsPerGroup, cols: s.inF, fold: true },
  );
}
