// Dense layer forward, PyTorch `nn.Linear` layout, with per-task weights:
//   Y[q, o] = sum_i X[q, i] * W[g, o, i] + b[g, o]      q = g * rowsPerGroup + r
// Design: each invocation owns a 4-row x 4-output register tile and walks the shared dimension once, so each
// loaded value feeds four FMAs. No workgroup memory and no barriers: on the software adapter per-invocation
// cost and barriers dominate, and on real GPUs the operands here are small enough to live in cache.
// Out-of-range rows/outputs clamp their loads (no branch in the inner loop) and skip their stores.
// X rows may be strided (row q at xOffset + (q / xBlock) * xBlockStride + (q % xBlock) * xRowStride) so that
// a GRU layer can read the previous layer's hidden sequence [B, T+1, H] in place, skipping h0.
// The GRU uses this kernel for its input projection of all T steps at once.
// ACCUMULATE adds into Y, for outputs that sum two layers (a head reading two inputs).

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
#if ${HAS_BIAS}
@group(0) @binding(3) var<storage, read> B: array<f32>;
#endif
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.y;
  // Tiles past 65,535 workgroups continue in z (dispatchLinear's fold).
  let tile = tileOf(gid.x + gid.z * nwg.x * 64u, p.rowsPerGroup, p.outF);
  if (!tile.valid) { return; }
  let o0 = tile.col0;
  let r0 = tile.row0;

  var xa: array<u32, 4>;
  var wa: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    xa[i] = xRow(g * p.rowsPerGroup + min(r0 + i, p.rowsPerGroup - 1u));
    wa[i] = p.wOffset + g * p.wGroupStride + min(o0 + i, p.outF - 1u) * p.inF;
  }
  var acc: array<vec4<f32>, 4>;
  for (var k = 0u; k < p.inF; k++) {
    let w = vec4<f32>(W[wa[0] + k], W[wa[1] + k], W[wa[2] + k], W[wa[3] + k]);
    acc[0] += X[xa[0] + k] * w;
    acc[1] += X[xa[1] + k] * w;
    acc[2] += X[xa[2] + k] * w;
    acc[3] += X[xa[3] + k] * w;
  }
#if ${HAS_BIAS}
  let bb = p.bOffset + g * p.bGroupStride;
  let oc = clamp4(o0, p.outF);
  let bias = vec4<f32>(B[bb + oc.x], B[bb + oc.y], B[bb + oc.z], B[bb + oc.w]);
#else
  let bias = vec4<f32>(0.0);
#endif
  for (var i = 0u; i < 4u; i++) {
    let r = r0 + i;
    if (r >= p.rowsPerGroup) { break; }
    let y = p.yOffset + (g * p.rowsPerGroup + r) * p.yRowStride + o0;
    let v = acc[i] + bias;
    for (var j = 0u; j < 4u; j++) {
#if ${ACCUMULATE}
      if (o0 + j < p.outF) { Y[y + j] += v[j]; }
#else
      if (o0 + j < p.outF) { Y[y + j] = v[j]; }
#endif
    }
  }
}
