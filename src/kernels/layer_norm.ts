import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/strided_rows.wgsl?raw';
import body from '../../shaders/layer_norm.wgsl?raw';
import {
  stridedRowsBackward,
  stridedRowsForward,
  type RowKernel,
  type StridedRowsForward,
  type StridedRowsShape,
} from './strided_rows';

const source = `${common}\n${body}`;

const kernel = (s: StridedRowsShape): RowKernel => ({
  kernel: 'layer_norm',
  source,
  workgroups: [Math.ceil(s.rows / 64)],
});

/**
 * y = (x − mean) / sqrt(var + 1e-5) per row of [rows, cols] (shaders/layer_norm.wgsl); x and y may have
 * strided rows. y must not share x's buffer.
 */
export function layerNormForward(rec: Recorder, s: StridedRowsShape, t: StridedRowsForward): void {
  stridedRowsForward(rec, kernel(s), s, t);
}

/** dx from the layer's input x and dy (dy rows may be strided); dx is contiguous [rows, cols]. */
export function layerNormBackward(
  rec: Recorder,
  s: StridedRowsShape,
  t: { x: Tensor; dy: Tensor; dyStride?: number; dx: Tensor },
): void {
  stridedRowsBackward(rec, kernel(s), s, t);
}
