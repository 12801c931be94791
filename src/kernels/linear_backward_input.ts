import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/linear_tile.wgsl?raw';
import body from '../../shaders/linear_backward_input.wgsl?raw';
import { broadcastAligned, linearForwardBroadcast, useBroadcastLinear } from './linear_forward_broadcast';
import {
  contiguousRows,
  dispatchLinear,
  starts4,
  useVec4,
  type LinearShape,
  type RowLayout,
  type YLayout,
} from './linear_tile';

const source = `${common}\n${body}`;

/** dx[q, :] (+)= dy[q, :] · W[g] (see shaders/linear_backward_input.wgsl). */
export function linearBackwardInput(
  rec: Recorder,
  s: LinearShape,
  t: { dy: Tensor; dyLayout?: YLayout; w: Tensor; dx: Tensor; dxRows?: RowLayout; accumulate?: boolean },
): void {
  // On the software adapter, dX = dY · W as a forward through Wᵀ in the broadcast kernel, where it applies: dX
  // contiguous, every row aligned, at most 192 columns of dY (the GRU's gradient to the layer below).
  const through = { ...s, inF: s.outF, outF: s.inF };
  const ops = {
    x: t.dy,
    xRows: { ...contiguousRows(s.outF), rowStride: t.dyLayout?.rowStride ?? s.outF },
    w: t.w,
    y: t.dx,
    accumulate: t.accumulate,
  };
  const plain = !t.dxRows; // (a column skip in dyLayout is linear_backward_weight's only: neither kernel reads one)
  if (plain && useBroadcastLinear(rec.variants, through, broadcastAligned(through, ops), true)) {
    return linearForwardBroadcast(rec, through, ops, true);
  }
  // VEC4 reads W's rows along inF and dY's along outF as vec4s (dX is written as before, any layout).
  const starts = [s.inF, s.outF, t.w.offset, t.dy.offset, t.dyLayout?.rowStride ?? s.outF];
  const vec4 = useVec4(rec.variants, starts4(starts, [t.w.buffer, t.dy.buffer]));
  dispatchLinear(
    rec,
    {
      kernel: 'linear_backward_input',
      source,
      defines: { ACCUMULATE: Boolean(t.accumulate), VEC4: vec4 },
      buffers: [t.dx.buffer, t.w.buffer, null, t.dy.buffer],
    },
    s,
    { x: t.dx, xRows: t.dxRows, w: t.w, y: t.dy, yLayout: t.dyLayout },
    { rows: s.rowsPerGroup, cols: s.inF, fold: true },
  );
}
