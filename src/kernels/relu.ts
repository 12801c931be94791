import { flatGrid, type Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import source from '../../shaders/relu.wgsl?raw';

/** [rows, cols] with rows `stride` elements apart (stride ≥ cols; cols for contiguous). */
export interface ReluShape {
  rows: number;
  cols: number;
}

function dispatch(
  rec: Recorder,
  s: ReluShape,
  backward: boolean,
  u: number[],
  buffers: (GPUBuffer | null)[],
) {
  rec.dispatch({
    kernel: 'relu',
    source,
    defines: { BACKWARD: backward },
    uniforms: new Uint32Array([s.rows, s.cols, ...u]),
    buffers,
    workgroups: flatGrid(Math.ceil((s.rows * Math.ceil(s.cols / 4)) / 64)),
  });
}

/** y = max(x, 0); x and y may have strided rows (default: contiguous). y must not share x's buffer. */
export function reluForward(
  rec: Recorder,
  s: ReluShape,
  t: { x: Tensor; xStride?: number; y: Tensor; yStride?: number },
): void {
  const xs = t.xStride ?? s.cols;
  const ys = t.yStride ?? s.cols;
  dispatch(rec, s, false, [t.x.offset, xs, t.y.offset, ys, 0, 0], [t.x.buffer, null, t.y.buffer]);
}

/** dx = dy · [x > 0], from the pre-activation x; dy may have strided rows. dx is contiguous [rows, cols]. */
export function reluBackward(
  rec: Recorder,
  s: ReluShape,
  t: { x: Tensor; xStride?: number; dy: Tensor; dyStride?: number; dx: Tensor },
): void {
  const xs = t.xStride ?? s.cols;
  const ds = t.dyStride ?? s.cols;
  dispatch(
    rec,
    s,
    true,
    [t.x.offset, xs, t.dx.offset, s.cols, t.dy.offset, ds],
    [t.x.buffer, t.dy.buffer, t.dx.buffer],
  );
}
