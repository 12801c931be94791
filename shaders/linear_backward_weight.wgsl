// Dense layer backward to the weights and bias, per-task weights (a group's rows sum into its own dW):
//   dW[g, o, i] (+)= sum_r dY[q, o] * X[q, i]      db[g, o] (+)= sum_r dY[q, o]      q = g * rowsPerGroup + r
// Each invocation owns a 4-output x 4-input tile of dW and walks the group's rows (for a GRU: batch x time,
// all steps at once). Tiles in the first input column also sum the bias gradient, so bias costs no extra pass.
// X rows may be strided (see linear_forward): the GRU reads h_{t-1} from its hidden sequence [B, T+1, H].
// ACCUMULATE adds into dW/db, for weights used in more than one place.
// dY column of output o is o, or o + ySkip for o >= ySplit: the GRU's gate gradients are stored as one row
// (da_r, da_z, da_n, r ⊙ da_n), and W_hh's gradient reads columns 0, 1 and 3 of it.

struct Params {
  groups: u32, rowsPerGroup: u32, inF: u32, outF: u32,
  xOffset: u32, xBlock: u32, xBlockStride: u32, xRowStride: u32,
  wOffset: u32, wGroupStride: u32, bOffset: u32, bGroupStride: u32,
  yOffset: u32, yRowStride: u32, ySplit: u32, ySkip: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
// dW and db live in the same buffer (a model's flat gradient buffer): WebGPU forbids two writable bindings
// of one buffer, so a single binding holds both.
@group(0) @binding(2) var<storage, read_write> dW: array<f32>;
@group(0) @binding(4) var<storage, read> dY: array<f32>;

fn xRow(q: u32) -> u32 {
  return p.xOffset + (q / p.xBlock) * p.xBlockStride + (q % p.xBlock) * p.xRowStride;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.y;
  let inTiles = (p.inF + 3u) / 4u;
  let outTiles = (p.outF + 3u) / 4u;
  if (gid.x >= inTiles * outTiles) { return; }
  let i0 = (gid.x % inTiles) * 4u;
  let o0 = (gid.x / inTiles) * 4u;
  let ic = vec4<u32>(min(i0, p.inF - 1u), min(i0 + 1u, p.inF - 1u), min(i0 + 2u, p.inF - 1u), min(i0 + 3u, p.inF - 1u));
  var oc = vec4<u32>(min(o0, p.outF - 1u), min(o0 + 1u, p.outF - 1u), min(o0 + 2u, p.outF - 1u), min(o0 + 3u, p.outF - 1u));
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
