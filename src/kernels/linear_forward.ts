import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import source from '../../shaders/linear_forward.wgsl?raw';

/** Row layout of a strided operand: row q starts at offset + (q / block) * blockStride + (q % block) * rowStride. */
export interface RowLayout {
  block: number;
  blockStride: number;
  rowStride: number;
}

/** Shape of a grouped dense layer: `groups` tasks, each with `rowsPerGroup` rows and its own weights. */
export interface LinearShape {
  groups: number;
  rowsPerGroup: number;
  inF: number;
  outF: number;
  /** One weight set for all groups (weights [outF, inF]) instead of one per group ([groups, outF, inF]). */
  sharedWeights?: boolean;
}

export function contiguousRows(width: number): RowLayout {
  return { block: 0x7fffffff, blockStride: 0, rowStride: width };
}

/**
 * How y / dy rows are laid out: row stride (default outF) and an optional column gap (columns o >= split are
 * read at o + skip), used by the GRU, whose gate rows are 4H wide.
 */
export interface YLayout {
  rowStride?: number;
  split?: number;
  skip?: number;
}

/** Packs the Params struct shared by the three linear kernels. */
export function linearParams(
  s: LinearShape,
  x: Tensor,
  xRows: RowLayout,
  w: Tensor,
  b: Tensor | null | undefined,
  y: Tensor,
  yl: YLayout = {},
) {
  const wStride = s.sharedWeights ? 0 : s.outF * s.inF;
  const bStride = s.sharedWeights ? 0 : s.outF;
  return new Uint32Array([
    s.groups, s.rowsPerGroup, s.inF, s.outF,
    x.offset, xRows.block, xRows.blockStride, xRows.rowStride,
    w.offset, wStride, b?.offset ?? 0, bStride,
    y.offset, yl.rowStride ?? s.outF, yl.split ?? s.outF, yl.skip ?? 0,
  ]); // prettier-ignore
}

export function linearTiles(rows: number, cols: number): number {
  return Math.ceil((Math.ceil(rows / 4) * Math.ceil(cols / 4)) / 64);
}

/** y[q, :] = x[q, :] · W[g]ᵀ + b[g] for every row q of every group g (see shaders/linear_forward.wgsl). */
export function linearForward(
  rec: Recorder,
  s: LinearShape,
  t: { x: Tensor; xRows?: RowLayout; w: Tensor; b?: Tensor | null; y: Tensor; yLayout?: YLayout },
): void {
  const xRows = t.xRows ?? contiguousRows(s.inF);
  rec.dispatch({
    kernel: 'linear_forward',
    source,
    defines: { HAS_BIAS: Boolean(t.b) },
    uniforms: linearParams(s, t.x, xRows, t.w, t.b, t.y, t.yLayout),
    buffers: [t.x.buffer, t.w.buffer, t.b?.buffer ?? null, t.y.buffer],
    workgroups: [linearTiles(s.rowsPerGroup, s.outF), s.groups],
  });
}
