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
// VEC4 (the software adapter, where X's and W's rows start at multiples of 4 floats and inF is one: useVec4
// in src/kernels/linear_tile.ts): rows are read as vec4s along the shared dimension, 8 loads for 64 FMAs
// instead of 8 for 16, into 16 named vec4 sums (an indexed array of them spills on SwiftShader; a dot per
// vec4 was slower too), each summed across once at the end. On SwiftShader every load is a gather with a
// bounds check, dearer than the FMAs it feeds: the 1024³ matmul runs 1.5× faster.
// Y4 (the same adapters, where Y's offset, row stride and outF are multiples of 4): each row's 4 outputs are
// stored as one vec4 and the rows named, not indexed: the GRU's input projection (16 → 192) 1.28× faster
// (measured before the software adapter took linear_forward_broadcast for it).

#if ${VEC4}
@group(0) @binding(1) var<storage, read> X4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> W4: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
#endif
#if ${HAS_BIAS}
@group(0) @binding(3) var<storage, read> B: array<f32>;
#endif
#if ${Y4}
@group(0) @binding(4) var<storage, read_write> Y4: array<vec4<f32>>;
#else
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
#endif

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
#if ${VEC4}
  for (var i = 0u; i < 4u; i++) {
    xa[i] /= 4u;
    wa[i] /= 4u;
  }
  var c00 = vec4<f32>(0.0);
  var c01 = vec4<f32>(0.0);
  var c02 = vec4<f32>(0.0);
  var c03 = vec4<f32>(0.0);
  var c10 = vec4<f32>(0.0);
  var c11 = vec4<f32>(0.0);
  var c12 = vec4<f32>(0.0);
  var c13 = vec4<f32>(0.0);
  var c20 = vec4<f32>(0.0);
  var c21 = vec4<f32>(0.0);
  var c22 = vec4<f32>(0.0);
  var c23 = vec4<f32>(0.0);
  var c30 = vec4<f32>(0.0);
  var c31 = vec4<f32>(0.0);
  var c32 = vec4<f32>(0.0);
  var c33 = vec4<f32>(0.0);
  for (var k = 0u; k < p.inF / 4u; k++) {
    let w0 = W4[wa[0] + k];
    let w1 = W4[wa[1] + k];
    let w2 = W4[wa[2] + k];
    let w3 = W4[wa[3] + k];
    let x0 = X4[xa[0] + k];
    c00 += x0 * w0;
    c01 += x0 * w1;
    c02 += x0 * w2;
    c03 += x0 * w3;
    let x1 = X4[xa[1] + k];
    c10 += x1 * w0;
    c11 += x1 * w1;
    c12 += x1 * w2;
    c13 += x1 * w3;
    let x2 = X4[xa[2] + k];
    c20 += x2 * w0;
    c21 += x2 * w1;
    c22 += x2 * w2;
    c23 += x2 * w3;
    let x3 = X4[xa[3] + k];
    c30 += x3 * w0;
    c31 += x3 * w1;
    c32 += x3 * w2;
    c33 += x3 * w3;
  }
  var acc: array<vec4<f32>, 4>;
  acc[0] = vec4<f32>((c00.x + c00.y) + (c00.z + c00.w), (c01.x + c01.y) + (c01.z + c01.w), (c02.x + c02.y) + (c02.z + c02.w), (c03.x + c03.y) + (c03.z + c03.w));
  acc[1] = vec4<f32>((c10.x + c10.y) + (c10.z + c10.w), (c11.x + c11.y) + (c11.z + c11.w), (c12.x + c12.y) + (c12.z + c12.w), (c13.x + c13.y) + (c13.z + c13.w));
  acc[2] = vec4<f32>((c20.x + c20.y) + (c20.z + c20.w), (c21.x + c21.y) + (c21.z + c21.w), (c22.x + c22.y) + (c22.z + c22.w), (c23.x + c23.y) + (c23.z + c23.w));
  acc[3] = vec4<f32>((c30.x + c30.y) + (c30.z + c30.w), (c31.x + c31.y) + (c31.z + c31.w), (c32.x + c32.y) + (c32.z + c32.w), (c33.x + c33.y) + (c33.z + c33.w));
#else
  var acc: array<vec4<f32>, 4>;
  for (var k = 0u; k < p.inF; k++) {
    let w = vec4<f32>(W[wa[0] + k], W[wa[1] + k], W[wa[2] + k], W[wa[3] + k]);
    acc[0] += X[xa[0] + k] * w;
    acc[1] += X[xa[1] + k] * w;
    acc[2] += X[xa[2] + k] * w;
    acc[3] += X[xa[3] + k] * w;
  }
#endif
#if ${HAS_BIAS}
  let bb = p.bOffset + g * p.bGroupStride;
  let oc = clamp4(o0, p.outF);
  let bias = vec4<f32>(B[bb + oc.x], B[bb + oc.y], B[bb + oc.z], B[bb + oc.w]);
#else
  let bias = vec4<f32>(0.0);
#endif
#if ${Y4}
  // Y4: each row's 4 outputs stored as one vec4 (Y's offset, row stride and outF are multiples of 4).
  let y = (p.yOffset + (g * p.rowsPerGroup + r0) * p.yRowStride + o0) / 4u;
  let ys = p.yRowStride / 4u;
  let n = p.rowsPerGroup - r0; // rows of this tile inside the group (≥ 1)
  store4(y, acc[0] + bias);
  if (n > 1u) { store4(y + ys, acc[1] + bias); }
  if (n > 2u) { store4(y + 2u * ys, acc[2] + bias); }
  if (n > 3u) { store4(y + 3u * ys, acc[3] + bias); }
#else
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
#endif
}

#if ${Y4}
fn store4(i: u32, v: vec4<f32>) {
#if ${ACCUMULATE}
  Y4[i] += v;
#else
  Y4[i] = v;
#endif
}
#endif
