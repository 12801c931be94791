// Dense layer backward to the input, per-task weights:
//   dX[q, i] (+)= sum_o dY[q, o] * W[g, o, i]           q = g * rowsPerGroup + r
// Same 4x4 register tiling as linear_forward (rows x input features); W is read along its rows here, which
// is the transposed access, so each invocation reads four consecutive inputs of one weight row per step.
// ACCUMULATE adds into dX, for inputs that feed more than one consumer.
// The GRU uses this to pass the gradient of its input projection down to the layer below (or to x).

struct Params {
  groups: u32, rowsPerGroup: u32, inF: u32, outF: u32,
  xOffset: u32, xBlock: u32, xBlockStride: u32, xRowStride: u32,
  wOffset: u32, wGroupStride: u32, bOffset: u32, bGroupStride: u32,
  yOffset: u32, yRowStride: u32, ySplit: u32, ySkip: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dX: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read> dY: array<f32>;

fn xRow(q: u32) -> u32 {
  return p.xOffset + (q / p.xBlock) * p.xBlockStride + (q % p.xBlock) * p.xRowStride;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.y;
  let inTiles = (p.inF + 3u) / 4u;
  let rowTiles = (p.rowsPerGroup + 3u) / 4u;
  if (gid.x >= inTiles * rowTiles) { return; }
  let i0 = (gid.x % inTiles) * 4u;
  let r0 = (gid.x / inTiles) * 4u;

  var ya: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) {
    ya[j] = p.yOffset + (g * p.rowsPerGroup + min(r0 + j, p.rowsPerGroup - 1u)) * p.yRowStride;
  }
  let wg = p.wOffset + g * p.wGroupStride;
  let ic = vec4<u32>(min(i0, p.inF - 1u), min(i0 + 1u, p.inF - 1u), min(i0 + 2u, p.inF - 1u), min(i0 + 3u, p.inF - 1u));
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
