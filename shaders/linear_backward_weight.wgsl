// Dense layer backward to the weights and bias, per-task weights (a group's rows sum into its own dW):
//   dW[g, o, i] (+)= sum_r dY[q, o] * X[q, i]      db[g, o] (+)= sum_r dY[q, o]      q = g * rowsPerGroup + r
// Each invocation owns a 4-output x 4-input tile of dW and walks the group's rows (for a GRU: batch x time,
// all steps at once). Tiles in the first input column also sum the bias gradient, so bias costs no extra pass.
// X rows may be strided (xRow in linear_tile.wgsl): the GRU reads h_{t-1} from its hidden sequence [B, T+1, H].
// ACCUMULATE adds into dW/db, for weights used in more than one place.
// dY column of output o is o, or o + ySkip for o >= ySplit: the GRU's gate gradients are stored as one row
// (da_r, da_z, da_n, r ⊙ da_n), and W_hh's gradient reads columns 0, 1 and 3 of it.

@group(0) @binding(1) var<storage, read> X: array<f32>;
// dW and db live in the same buffer (a model's flat gradient buffer): WebGPU forbids two writable bindings
// of one buffer, so a single binding holds both.
@group(0) @binding(2) var<storage, read_write> dW: array<f32>;
@group(0) @binding(4) var<storage, read> dY: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.y;
  let tile = tileOf(gid.x, p.outF, p.inF);
  if (!tile.valid) { return; }
  let i0 = tile.col0;
  let o0 = tile.row0;
  let ic = clamp4(i0, p.inF);
  var oc = clamp4(o0, p.outF);
  oc += select(vec4<u32>(0u), vec4<u32>(p.ySkip), oc >= vec4<u32>(p.ySplit));

  var acc: array<vec4<f32>, 4>;
  var bacc = vec4<f32>(0.0);
  for (var r = 0u; r < p.rowsPerGroup; r++) {
    let q = g * p.rowsPerGroup + r;
    let xr = xRow(q);
    let yr = p.yOffset + q * p.yRowStride;
    let x = vec4<f32>(X[xr + ic.x], X[xr + ic.y], X[xr + ic.z], X[xr + ic.w]);
    let dy = vec4<f32>(dY[yr + oc.x], dY[yr + oc.y], dY[yr + oc.z], dY[yr + oc.w]);
    acc[0] += dy.x * x;
    acc[1] += dy.y * x;
    acc[2] += dy.z * x;
    acc[3] += dy.w * x;
    bacc += dy;
  }
  let wg = p.wOffset + g * p.wGroupStride;
  for (var j = 0u; j < 4u; j++) {
    if (o0 + j >= p.outF) { break; }
    let w = wg + (o0 + j) * p.inF + i0;
    for (var c = 0u; c < 4u; c++) {
      if (i0 + c < p.inF) {
#if ${ACCUMULATE}
        dW[w + c] += acc[j][c];
#else
        dW[w + c] = acc[j][c];
#endif
      }
    }
#if ${HAS_BIAS}
    if (i0 == 0u) {
      let b = p.bOffset + g * p.bGroupStride + o0 + j;
#if ${ACCUMULATE}
      dW[b] += bacc[j];
#else
      dW[b] = bacc[j];
#endif
    }
#endif
  }
}
