import type { KernelCall, Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';

// The host side of shaders/strided_rows.wgsl: how relu and layer_norm pack their Params and bind their
// buffers, forward and backward.

/** [rows, cols]; each operand's rows are its own stride apart (stride ≥ cols; cols for contiguous). */
export interface StridedRowsShape {
  rows: number;
  cols: number;
}

/** Forward operands: x and y may have strided rows (default: contiguous, `cols` apart). */
export interface StridedRowsForward {
  x: Tensor;
  xStride?: number;
  y: Tensor;
  yStride?: number;
}

/** Backward operands: the forward input x and dy may have strided rows; dx is contiguous [rows, cols]. */
export interface StridedRowsBackward {
  x: Tensor;
  xStride?: number;
  dy: Tensor;
  dyStride?: number;
  dx: Tensor;
}

/** The kernel's own part of the call: its name, source and dispatch size. */
export type RowKernel = Pick<KernelCall, 'kernel' | 'source' | 'workgroups'>;

export function stridedRowsForward(
  rec: Recorder,
  k: RowKernel,
  s: StridedRowsShape,
  t: StridedRowsForward,
): void {
  rec.dispatch({
    ...k,
    defines: { BACKWARD: false },
    uniforms: new Uint32Array([
      s.rows, s.cols, t.x.offset, t.xStride ?? s.cols,
      t.y.offset, t.yStride ?? s.cols, 0, 0,
    ]), // prettier-ignore
    buffers: [t.x.buffer, null, t.y.buffer],
  });
}

export function stridedRowsBackward(
  rec: Recorder,
  k: RowKernel,
  s: StridedRowsShape,
  t: StridedRowsBackward,
): void {
  rec.dispatch({
    ...k,
    defines: { BACKWARD: true },
    uniforms: new Uint32Array([
      s.rows, s.cols, t.x.offset, t.xStride ?? s.cols,
      t.dx.offset, s.cols, t.dy.offset, t.dyStride ?? s.cols,
    ]), // prettier-ignore
    buffers: [t.x.buffer, t.dy.buffer, t.dx.buffer],
  });
}
