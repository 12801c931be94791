// Dense layer backward to the input, per-task weights:
//   dX[q, i] (+)= sum_o dY[q, o] * W[g, o, i]           q = g * rowsPerGroup + r
// Same 4x4 register tiling as linear_forward (rows x input features); W is read along its rows here, which
// is the transposed access, so each invocation reads four consecutive inputs of one weight row per step.
// ACCUMULATE adds into dX, for inputs that feed more than one consumer.
// The GRU uses this to pass the gradient of its input projection down to the layer below (or to x).

// VEC4 (the software adapter, where W's and dY's rows start at multiples of 4 floats and inF and outF are
// multiples of 4: useVec4 in src/kernels/linear_tile.ts): 4 outputs o at a time, dY read as a vec4 per row and
// W as a vec4 of 4 inputs per output, 8 loads for 64 FMAs instead of 20, into named sums (an indexed array of
// them spills on SwiftShader, where each load is a gather with a bounds check, dearer than its FMAs).

@group(0) @binding(1) var<storage, read_write> dX: array<f32>;
#if ${VEC4}
@group(0) @binding(2) var<storage, read> W4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dY4: array<vec4<f32>>;
#else
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read> dY: array<f32>;
#endif

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.y;
  // Tiles past 65,535 workgroups continue in z (dispatchLinear's fold).
  let tile = tileOf(gid.x + gid.z * nwg.x * 64u, p.rowsPerGroup, p.inF);
  if (!tile.valid) { return; }
  let i0 = tile.col0;
  let r0 = tile.row0;

  var ya: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) {
    ya[j] = p.yOffset + (g * p.rowsPerGroup + min(r0 + j, p.rowsPerGroup - 1u)) * p.yRowStride;
  }
  let wg = p.wOffset + g * p.wGroupStride;
  var acc: array<vec4<f32>, 4>;
#if ${VEC4}
  // W4 index of W[g, o, i0 .. i0 + 3] is (wg + o · inF + i0) / 4; dY4 of dY[row, o .. o + 3] is (ya + o) / 4.
  let w0 = (wg + i0) / 4u;
  let iv = p.inF / 4u;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  for (var o = 0u; o < p.outF; o += 4u) {
    let wa = W4[w0 + o * iv];
    let wb = W4[w0 + (o + 1u) * iv];
    let wc = W4[w0 + (o + 2u) * iv];
    let wd = W4[w0 + (o + 3u) * iv];
    let d0 = dY4[(ya[0] + o) / 4u];
    let d1 = dY4[(ya[1] + o) / 4u];
    let d2 = dY4[(ya[2] + o) / 4u];
    let d3 = dY4[(ya[3] + o) / 4u];
    s0 += d0.x * wa + d0.y * wb + d0.z * wc + d0.w * wd;
    s1 += d1.x * wa + d1.y * wb + d1.z * wc + d1.w * wd;
    s2 += d2.x * wa + d2.y * wb + d2.z * wc + d2.w * wd;
    s3 += d3.x * wa + d3.y * wb + d3.z * wc + d3.w * wd;
  }
  acc = array<vec4<f32>, 4>(s0, s1, s2, s3);
#else
  let ic = clamp4(i0, p.inF);
  for (var o = 0u; o < p.outF; o++) {
    let wr = wg + o * p.inF;
    let w = vec4<f32>(W[wr + ic.x], W[wr + ic.y], W[wr + ic.z], W[wr + ic.w]);
    acc[0] += dY[ya[0] + o] * w;
    acc[1] += dY[ya[1] + o] * w;
    acc[2] += dY[ya[2] + o] * w;
    acc[3] += dY[ya[3] + o] * w;
  }
#endif
  for (var j = 0u; j < 4u; j++) {
    let r = r0 + j;
    if (r >= p.rowsPerGroup) { break; }
    let x = xRow(g * p.rowsPerGroup + r) + i0;
    for (var c = 0u; c < 4u; c++) {
      if (i0 + c < p.inF) {
#if ${ACCUMULATE}
        dX[x + c] += acc[j][c];
#else
        dX[x + c] = acc[j][c];
#endif
      }
    }
  }
}
