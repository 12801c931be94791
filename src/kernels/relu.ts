import { flatGrid, type Recorder } from '../runtime/recorder';
import common from '../../shaders/strided_rows.wgsl?raw';
import body from '../../shaders/relu.wgsl?raw';
import {
  stridedRowsBackward,
  stridedRowsForward,
  type RowKernel,
  type StridedRowsBackward,
  type StridedRowsForward,
  type StridedRowsShape,
} from './strided_rows';

const source = `${common}\n${body}`;

const kernel = (s: StridedRowsShape): RowKernel => ({
  kernel: 'relu',
  source,
  workgroups: flatGrid(Math.ceil((s.rows * Math.ceil(s.cols / 4)) / 64)),
});

/** y = max(x, 0); x and y may have strided rows (default: contiguous). y must not share x's buffer. */
export function reluForward(rec: Recorder, s: StridedRowsShape, t: StridedRowsForward): void {
  stridedRowsForward(rec, kernel(s), s, t);
}

/** dx = dy · [x > 0], from the pre-activation x; dy may have strided rows. dx is contiguous [rows, cols]. */
export function reluBackward(rec: Recorder, s: StridedRowsShape, t: StridedRowsBackward): void {
  stridedRowsBackward(rec, kernel(s), s, t);
}
