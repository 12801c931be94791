import type { KernelCall, KernelVariants, Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';

// What the three linear kernels share on the host side, the twin of shaders/linear_tile.wgsl: their shapes,
// the Params struct and the dispatch size. linear_forward.ts re-exports the shapes and contiguousRows for
// modules outside src/kernels.

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
function linearParams(
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

/** The software adapter (SwiftShader, a fallback adapter) or an unknown one: the linear kernels' CPU defaults. */
export function softwareAdapter(variants: KernelVariants): boolean {
  const a = variants.adapter;
  return a === null || a.isFallbackAdapter || a.architecture === 'swiftshader';
}

/**
 * How many chunks a reduction over rows is cut into (the split reductions of linear_backward_weight and
 * mse_loss): 1 on the software adapter, whose two cores are busy with a dozen workgroups already; on a GPU
 * enough chunks for ~256 workgroups in all, each chunk at least `minRows` rows, at most 64 chunks, and the
 * partial sums within `maxScratch` floats. `variants.chosen` 'reduce.splits' forces a count (tests).
 */
export function splitCount(
  variants: KernelVariants,
  o: { rows: number; workgroups: number; partialFloats: number; minRows?: number; maxScratch?: number },
): number {
  const forced = Number(variants.chosen.get('reduce.splits'));
  const software = softwareAdapter(variants);
  let n = forced > 0 ? forced : software ? 1 : Math.ceil(256 / Math.max(1, o.workgroups));
  n = Math.min(n, 64, Math.max(1, Math.floor(o.rows / (forced > 0 ? 1 : (o.minRows ?? 64)))));
  n = Math.min(n, Math.max(1, Math.floor((o.maxScratch ?? 16 << 20) / Math.max(1, o.partialFloats))));
  return Math.max(1, n);
}

/**
 * Whether a linear kernel reads its operands as vec4s (VEC4 in linear_forward.wgsl, linear_backward_input.wgsl
 * and linear_backward_weight.wgsl, the last only when its reduction is not split): `aligned` says every row it
 * reads, and every 4 columns, start at a multiple of 4 floats in buffers of whole vec4s (see `starts4`). The
 * software adapter then takes it: there each invocation is a SIMD lane and each load a gather with a bounds
 * check, dearer than the FMAs it feeds (the 1024³ matmul 1.5× faster, W_hh's gradient 1.7×; BENCHMARKS.md).
 * GPUs keep the scalar loads, not measured there. `variants.chosen` 'linear.vec4' forces it ('on', where
 * aligned) or not ('off'), for tests.
 */
export function useVec4(variants: KernelVariants, aligned: boolean): boolean {
  const forced = variants.chosen.get('linear.vec4');
  if (forced === 'off' || !aligned) return false;
  return forced === 'on' || softwareAdapter(variants);
}

/** Whether every offset, stride and width is a multiple of 4 floats and every buffer holds whole vec4s. */
export function starts4(values: number[], buffers: GPUBuffer[]): boolean {
  return values.every((v) => v % 4 === 0) && buffers.every((b) => b.size % 16 === 0);
}

function linearTiles(rows: number, cols: number, side = 4): number {
  return Math.ceil((Math.ceil(rows / side) * Math.ceil(cols / side)) / 64);
}

/** The operands as Params names them: x rows (default contiguous, inF wide), weights w, bias b, y rows. */
export interface LinearOperands {
  x: Tensor;
  xRows?: RowLayout;
  w: Tensor;
  b?: Tensor | null;
  y: Tensor;
  yLayout?: YLayout;
}

/**
 * Dispatches one of the linear kernels: Params from `o`, and one invocation per 4x4 tile (or `side` ×
 * `side`) of the kernel's [rows, cols] output grid in each group (tileOfSide in shaders/linear_tile.wgsl).
 */
export function dispatchLinear(
  rec: Recorder,
  call: Pick<KernelCall, 'kernel' | 'source' | 'defines' | 'buffers'>,
  s: LinearShape,
  o: LinearOperands,
  grid: {
    rows: number;
    cols: number;
    /** Side of each invocation's square tile (default 4). */
    side?: number;
    splits?: number;
    workgroups?: [number, number] | [number, number, number];
    fold?: boolean;
  },
): void {
  if (grid.fold && grid.splits) throw new Error(`${call.kernel}: fold and splits both use z`);
  const tiles = linearTiles(grid.rows, grid.cols, grid.side);
  const z = grid.fold ? foldCount(rec.variants, tiles) : (grid.splits ?? 1);
  rec.dispatch({
    ...call,
    uniforms: linearParams(s, o.x, o.xRows ?? contiguousRows(s.inF), o.w, o.b, o.y, o.yLayout),
    workgroups: grid.workgroups ?? [grid.fold ? Math.ceil(tiles / z) : tiles, s.groups, z],
  });
}

/**
 * Into how many z-slices a `fold` dispatch cuts its tiles' workgroups: enough to keep x within the 65,535 per
 * dimension every adapter allows (scoring thousands of episodes at once, one group, can need more); the
 * variant 'linear.fold' forces a count, so that tests reach the folded path at small sizes. The kernel's tile
 * index is then gid.x + gid.z · nwg.x · 64.
 */
function foldCount(variants: KernelVariants, tiles: number): number {
  const forced = Number(variants.chosen.get('linear.fold'));
  return Number.isInteger(forced) && forced >= 1 ? forced : Math.max(1, Math.ceil(tiles / 65535));
}

/** Workgroups of 64 invocations that one 4x4 tile per invocation over [rows, cols] takes, per group. */
export function linearWorkgroups(rows: number, cols: number): number {
  return linearTiles(rows, cols);
}
