// ReLU over [rows, cols] with strided rows on the side that touches a wider tensor, so that an encoder can
// write its embedding straight into the first columns of the GRU input [B, T, E + N] (forward) and read its
// gradient back out of dL/dx (backward) with no concat or split kernels:
//   forward:  Out[outOffset + r·outStride + c] = max(In[inOffset + r·inStride + c], 0)
//   backward: DPre[outOffset + r·outStride + c] = DOut[gradOffset + r·gradStride + c] · [Pre[inOffset + r·inStride + c] > 0]
// (the derivative at 0 is taken as 0, as PyTorch does). Four columns per invocation. Params and bindings:
// strided_rows.wgsl.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u; // a flat index over a 2-D grid (flatGrid in src/runtime/recorder.ts)
  let tiles = (p.cols + 3u) / 4u;
  if (i >= p.rows * tiles) { return; }
  let r = i / tiles;
  let c0 = (i % tiles) * 4u;
  for (var c = c0; c < min(c0 + 4u, p.cols); c++) {
    let v = In[p.inOffset + r * p.inStride + c];
#if ${BACKWARD}
    Out[p.outOffset + r * p.outStride + c] = select(0.0, DOut[p.gradOffset + r * p.gradStride + c], v > 0.0);
#else
    Out[p.outOffset + r * p.outStride + c] = max(v, 0.0);
#endif
  }
}
