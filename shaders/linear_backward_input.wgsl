// Dense layer backward to the input, per-task weights:
//   dX[q, i] (+)= sum_o dY[q, o] * W[g, o, i]           q = g * rowsPerGroup + r
// Same 4x4 register tiling as linear_forward (rows x input features); W is read along its rows here, which
// is the transposed access, so each invocation reads four consecutive inputs of one weight row per step.
// ACCUMULATE adds into dX, for inputs that feed more than one consumer.
// The GRU uses this to pass the gradient of its input projection down to the layer below (or to x).

@group(0) @binding(1) var<storage, read_write> dX: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read> dY: array<f32>;

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
  let ic = clamp4(i0, p.inF);
  var acc: array<vec4<f32>, 4>;
  for (var o = 0u; o < p.outF; o++) {
    let wr = wg + o * p.inF;
    let w = vec4<f32>(W[wr + ic.x], W[wr + ic.y], W[wr + ic.z], W[wr + ic.w]);
    acc[0] += dY[ya[0] + o] * w;
    acc[1] += dY[ya[1] + o] * w;
    acc[2] += dY[ya[2] + o] * w;
    acc[3] += dY[ya[3] + o] * w;
  }
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
