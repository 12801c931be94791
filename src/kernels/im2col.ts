import { flatGrid, type Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import source from '../../shaders/im2col.wgsl?raw';
import { convOut, type Im2colShape } from '../layout/conv_shape';

export { convOut, type Im2colShape };

function dispatch(rec: Recorder, s: Im2colShape, backward: boolean, t: { from: Tensor; to: Tensor }) {
  const outH = convOut(s.height, s.stride);
  const outW = convOut(s.width, s.stride);
  const n = backward ? s.batch * s.height * s.width * s.channels : s.batch * outH * outW * s.channels * 9;
  rec.dispatch({
    kernel: 'im2col',
    source,
    defines: { BACKWARD: backward },
    // prettier-ignore
    uniforms: new Uint32Array([
      s.batch, s.height, s.width, s.channels,
      s.stride, outH, outW, t.from.offset,
      t.to.offset, 0, 0, 0,
    ]),
    buffers: [t.from.buffer, t.to.buffer],
    workgroups: flatGrid(Math.ceil(n / 64)),
  });
}

/** cols [batch · outH · outW, channels · 9] ← the 3×3 patches of x [batch, height, width, channels]. */
export function im2col(rec: Recorder, s: Im2colShape, t: { x: Tensor; cols: Tensor }): void {
  dispatch(rec, s, false, { from: t.x, to: t.cols });
}

/** dx [batch, height, width, channels] ← the patch gradients dCols summed back (overwrites dx). */
export function col2im(rec: Recorder, s: Im2colShape, t: { dCols: Tensor; dx: Tensor }): void {
  dispatch(rec, s, true, { from: t.dCols, to: t.dx });
}
