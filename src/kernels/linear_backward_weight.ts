import { flatGrid, type Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/linear_tile.wgsl?raw';
import body from '../../shaders/linear_backward_weight.wgsl?raw';
import {
  contiguousRows,
  dispatchLinear,
  linearWorkgroups,
  splitCount,
  starts4,
  useVec4,
  type LinearShape,
  type RowLayout,
  type YLayout,
} from './linear_tile';

const source = `${common}\n${body}`;

/**
 * dW[g] (+)= Σ_q dy[q]ᵀ x[q], db[g] (+)= Σ_q dy[q] over the rows of each group (see
 * shaders/linear_backward_weight.wgsl). dw and db must share one buffer. With sharedWeights, all rows sum into one dW (groups must be 1).
 */
export function linearBackwardWeight(
  rec: Recorder,
  s: LinearShape,
  t: {
    x: Tensor;
    xRows?: RowLayout;
    dy: Tensor;
    dyLayout?: YLayout;
    dw: Tensor;
    db?: Tensor | null;
    accumulate?: boolean;
  },
): void {
  if (s.sharedWeights && s.groups !== 1) {
    // Shared weights sum over every row: present them as one group of groups * rowsPerGroup rows.
    s = { ...s, rowsPerGroup: s.groups * s.rowsPerGroup, groups: 1 };
  }
  if (t.db && t.db.buffer !== t.dw.buffer) {
    throw new RangeError(
      'linearBackwardWeight: dw and db must be views of one gradient buffer (one writable binding)',
    );
  }
  const partialFloats = s.groups * s.outF * (s.inF + 1);
  const splits = splitCount(rec.variants, {
    rows: s.rowsPerGroup,
    workgroups: linearWorkgroups(s.outF, s.inF) * s.groups,
    partialFloats,
  });
  const defines = { HAS_BIAS: Boolean(t.db), ACCUMULATE: Boolean(t.accumulate), SPLITS: splits };
  const operands = { x: t.x, xRows: t.xRows, w: t.dw, b: t.db, y: t.dy, yLayout: t.dyLayout };
  if (splits === 1) {
    // VEC4: 8 × 8 tiles of dW, X's rows read along inF and dY's along outF as vec4s.
    const xr = t.xRows ?? contiguousRows(s.inF);
    const yl = t.dyLayout ?? {};
    const starts = [s.inF, s.outF, t.x.offset, xr.blockStride, xr.rowStride, t.dy.offset];
    starts.push(yl.rowStride ?? s.outF, yl.split ?? 0, yl.skip ?? 0);
    // Workgroups of 16 tiles: past 65,535 per group (outF · inF ≥ 2^26) the 4 × 4 tiles' 64s take over.
    const vec4 =
      vec4Workgroups(s) <= 65535 && useVec4(rec.variants, starts4(starts, [t.x.buffer, t.dy.buffer]));
    dispatchLinear(
      rec,
      {
        kernel: 'linear_backward_weight',
        source,
        defines: { ...defines, PARTIAL: false, COMBINE: false, VEC4: vec4 },
        buffers: [t.x.buffer, t.dw.buffer, null, t.dy.buffer],
      },
      s,
      operands,
      vec4
        ? { rows: s.outF, cols: s.inF, side: 8, workgroups: [vec4Workgroups(s), s.groups] }
        : { rows: s.outF, cols: s.inF },
    );
    return;
  }
  // Split reduction: partial sums of row chunks, then their sum (shaders/linear_backward_weight.wgsl).
  const part = rec.scratch(splits * partialFloats, 'linear_backward_weight');
  dispatchLinear(
    rec,
    {
      kernel: 'linear_backward_weight',
      source,
      defines: { ...defines, PARTIAL: true, COMBINE: false, VEC4: false },
      buffers: [t.x.buffer, null, null, t.dy.buffer, part],
    },
    s,
    operands,
    { rows: s.outF, cols: s.inF, splits },
  );
  const [x, y] = flatGrid(Math.ceil(partialFloats / 64));
  dispatchLinear(
    rec,
    {
      kernel: 'linear_backward_weight',
      source,
      defines: { ...defines, PARTIAL: true, COMBINE: true, VEC4: false },
      buffers: [null, t.dw.buffer, null, null, part],
    },
    s,
    operands,
    { rows: s.outF, cols: s.inF, workgroups: [x, y] },
  );
}

/** Workgroups of VEC4's 8 × 8 tiles per group, 16 tiles each (VEC4_WG in linear_backward_weight.wgsl). */
function vec4Workgroups(s: LinearShape): number {
  return Math.ceil((Math.ceil(s.outF / 8) * Math.ceil(s.inF / 8)) / 16);
}
