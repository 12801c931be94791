import type { Recorder } from '../runtime/recorder';
import common from '../../shaders/linear_tile.wgsl?raw';
import body from '../../shaders/linear_forward.wgsl?raw';
import {
  contiguousRows,
  dispatchLinear,
  starts4,
  useVec4,
  type LinearOperands,
  type LinearShape,
} from './linear_tile';
import { linearForwardBlocked, useBlockedLinear } from './linear_forward_blocked';
import { broadcastAligned, linearForwardBroadcast, useBroadcastLinear } from './linear_forward_broadcast';

// The shapes and row layouts of the linear kernels live in linear_tile.ts; modules outside src/kernels import
// them from here, next to linearForward.
export { contiguousRows };
export type { LinearShape, RowLayout, YLayout } from './linear_tile';

const source = `${common}\n${body}`;

/**
 * y[q, :] = x[q, :] · W[g]ᵀ + b[g] for every row q of every group g (see shaders/linear_forward.wgsl); with
 * `accumulate`, y[q, :] += that instead. Large problems on GPUs take the blocked kernel
 * (linear_forward_blocked.ts) and the software adapter's small shared dimensions the broadcast kernel
 * (linear_forward_broadcast.ts), with the same result.
 */
export function linearForward(
  rec: Recorder,
  s: LinearShape,
  t: LinearOperands & { accumulate?: boolean },
): void {
  if (useBlockedLinear(rec.variants, s)) {
    linearForwardBlocked(rec, s, t);
    return;
  }
  if (useBroadcastLinear(rec.variants, s, broadcastAligned(s, t))) {
    linearForwardBroadcast(rec, s, t);
    return;
  }
  // VEC4 reads X's and W's rows along inF as vec4s.
  const xr = t.xRows ?? contiguousRows(s.inF);
  const starts = [s.inF, t.x.offset, xr.blockStride, xr.rowStride, t.w.offset];
  const vec4 = useVec4(rec.variants, starts4(starts, [t.x.buffer, t.w.buffer]));
  // Y4 stores each row's 4 outputs of a tile as one vec4.
  const yStarts = [s.outF, t.y.offset, t.yLayout?.rowStride ?? s.outF];
  const y4 = useVec4(rec.variants, starts4(yStarts, [t.y.buffer]));
  dispatchLinear(
    rec,
    {
      kernel: 'linear_forward',
      source,
      defines: { HAS_BIAS: Boolean(t.b), ACCUMULATE: Boolean(t.accumulate), VEC4: vec4, Y4: y4 },
      buffers: [t.x.buffer, t.w.buffer, t.b?.buffer ?? null, t.y.buffer],
    },
    s,
    t,
    { rows: s.rowsPerGroup, cols: s.outF, fold: true },
  );
}
