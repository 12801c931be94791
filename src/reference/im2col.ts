/** Float64 twin of shaders/im2col.wgsl: channels-last images, 3×3 patches, padding 1. */
import { convOut as side, type Im2colShape } from '../layout/conv_shape';

export function im2colRef(x: ArrayLike<number>, s: Im2colShape): number[] {
  const { batch: B, height: H, width: W, channels: C, stride } = s;
  const oh = side(H, stride);
  const ow = side(W, stride);
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < C; c++)
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const y = oy * stride + ky - 1;
              const x = ox * stride + kx - 1;
              out.push(y >= 0 && y < H && x >= 0 && x < W ? x_(x, y, b, c) : 0);
            }
  return out;
  function x_(xx: number, yy: number, b: number, c: number) {
    return x[((b * H + yy) * W + xx) * C + c];
  }
}

/** The adjoint of im2colRef: each patch entry added back to the pixel it was copied from. */
export function col2imRef(dCols: ArrayLike<number>, s: Im2colShape): number[] {
  const { batch: B, height: H, width: W, channels: C, stride } = s;
  const oh = side(H, stride);
  const ow = side(W, stride);
  const dx = new Array<number>(B * H * W * C).fill(0);
  let i = 0;
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < C; c++)
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++, i++) {
              const y = oy * stride + ky - 1;
              const x = ox * stride + kx - 1;
              if (y >= 0 && y < H && x >= 0 && x < W) dx[((b * H + y) * W + x) * C + c] += dCols[i];
            }
  return dx;
}
