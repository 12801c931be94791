// Layer normalisation of each row without affine weights (PyTorch nn.LayerNorm(cols, elementwise_affine=False)),
// rows strided on the side that touches a wider tensor (Params and bindings: strided_rows.wgsl):
//   forward:  Y[r, c] = (X[r, c] − μ_r) / s_r,   μ_r = mean_c X[r, c],  s_r = sqrt(mean_c (X[r, c] − μ_r)² + ε)
//   backward: DX[r, c] = (DY[r, c] − mean_c DY[r, ·] − Ŷ[r, c] · mean_c (DY[r, ·] Ŷ[r, ·])) / s_r,
//             with Ŷ recomputed from X (nothing saved but the input).
// ε = 1e-5 as PyTorch. One invocation per row: rows are short (an embedding), and two passes over a row in
// one invocation need no workgroup memory.

const EPS = 1e-5;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= p.rows) { return; }
  let r = gid.x;
  let x0 = p.inOffset + r * p.inStride;
  let n = f32(p.cols);
  var mean = 0.0;
  for (var c = 0u; c < p.cols; c++) { mean += In[x0 + c]; }
  mean /= n;
  var variance = 0.0;
  for (var c = 0u; c < p.cols; c++) { let d = In[x0 + c] - mean; variance += d * d; }
  let inv = inverseSqrt(variance / n + EPS);
  let y0 = p.outOffset + r * p.outStride;
#if ${BACKWARD}
  let g0 = p.gradOffset + r * p.gradStride;
  var meanDy = 0.0;
  var meanDyY = 0.0;
  for (var c = 0u; c < p.cols; c++) {
    let dy = DOut[g0 + c];
    meanDy += dy;
    meanDyY += dy * (In[x0 + c] - mean) * inv;
  }
  meanDy /= n;
  meanDyY /= n;
  for (var c = 0u; c < p.cols; c++) {
    let y = (In[x0 + c] - mean) * inv;
    Out[y0 + c] = (DOut[g0 + c] - meanDy - y * meanDyY) * inv;
  }
#else
  for (var c = 0u; c < p.cols; c++) { Out[y0 + c] = (In[x0 + c] - mean) * inv; }
#endif
}
