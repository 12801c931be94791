import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import source from '../../shaders/layer_norm.wgsl?raw';

/** [rows, cols], normalised over cols (shaders/layer_norm.wgsl). */
export interface LayerNormShape {
  rows: number;
  cols: number;
}

function dispatch(
  rec: Recorder,
  s: LayerNormShape,
  backward: boolean,
  u: number[],
  buffers: (GPUBuffer | null)[],
) {
  rec.dispatch({
    kernel: 'layer_norm',
    source,
    defines: { BACKWARD: backward },
    uniforms: new Uint32Array([s.rows, s.cols, ...u]),
    buffers,
    workgroups: [Math.ceil(s.rows / 64)],
  });
}

/** y = (x − mean) / sqrt(var + 1e-5) per row; x and y may have strided rows. y must not share x's buffer. */
export function layerNormForward(
  rec: Recorder,
  s: LayerNormShape,
  t: { x: Tensor; xStride?: number; y: Tensor; yStride?: number },
): void {
  const xs = t.xStride ?? s.cols;
  const ys = t.yStride ?? s.cols;
  dispatch(rec, s, false, [t.x.offset, xs, t.y.offset, ys, 0, 0], [t.x.buffer, null, t.y.buffer]);
}

/** dx from the layer's input x and dy (dy rows may be strided); dx is contiguous [rows, cols]. */
export function layerNormBackward(
  rec: Recorder,
  s: LayerNormShape,
  t: { x: Tensor; dy: Tensor; dyStride?: number; dx: Tensor },
): void {
  const ds = t.dyStride ?? s.cols;
  dispatch(
    rec,
    s,
    true,
    [t.x.offset, s.cols, t.dx.offset, s.cols, t.dy.offset, ds],
    [t.x.buffer, t.dy.buffer, t.dx.buffer],
  );
}
