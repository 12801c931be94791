import type { Recorder } from '../runtime/recorder';
import { flatGrid } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import source from '../../shaders/row_gather.wgsl?raw';

/** `rows` output rows of `cols` values, gathered from `inRows` input rows. */
export interface RowGatherShape {
  rows: number;
  inRows: number;
  cols: number;
}

/**
 * y[r, 0:cols] = x[index[r], 0:cols] for every r < rows (see shaders/row_gather.wgsl); x's and y's rows are
 * xStride and yStride apart (default cols), so y may be the leading columns of a wider tensor.
 */
export function rowGather(
  rec: Recorder,
  s: RowGatherShape,
  t: { x: Tensor; xStride?: number; index: Tensor; y: Tensor; yStride?: number },
): void {
  const xStride = t.xStride ?? s.cols;
  const yStride = t.yStride ?? s.cols;
  if (t.index.dtype !== 'u32') throw new InputError('rowGather: index must be a u32 tensor');
  if (t.index.size < s.rows)
    throw new InputError(`rowGather: index has ${t.index.size} entries, need ${s.rows}`);
  if (s.inRows < 1 || t.x.size < (s.inRows - 1) * xStride + s.cols)
    throw new InputError(`rowGather: x is too small for ${s.inRows} rows of ${s.cols} (stride ${xStride})`);
  if (s.rows && t.y.size < (s.rows - 1) * yStride + s.cols)
    throw new InputError(`rowGather: y is too small for ${s.rows} rows of ${s.cols} (stride ${yStride})`);
  if (t.y.buffer === t.x.buffer || t.y.buffer === t.index.buffer)
    throw new InputError('rowGather: y must not share a buffer with x or index (read and written at once)');
  rec.dispatch({
    kernel: 'row_gather',
    source,
    uniforms: new Uint32Array([
      s.rows, s.cols, t.x.offset, xStride,
      t.y.offset, yStride, t.index.offset, s.inRows,
    ]), // prettier-ignore
    buffers: [t.x.buffer, t.index.buffer, t.y.buffer],
    workgroups: flatGrid(Math.ceil((s.rows * s.cols) / 64)),
  });
}
