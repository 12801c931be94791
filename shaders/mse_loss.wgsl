// Mean squared error per task group, and its gradient, in one pass:
//   loss[g]    = mean_{r, f} (pred[q, f] - target[q, f])^2             q = g * rowsPerGroup + r
//   grad[q, f] = scale * 2 * (pred[q, f] - target[q, f]) / (rowsPerGroup * features)
// `scale` folds the caller's reduction over groups into the gradient (1/G averages the tasks' losses), so
// backward needs no extra elementwise pass. The loss is left unscaled: it is what gets reported.
// One workgroup per group: its invocations stride over the group's elements (neighbouring invocations read
// neighbouring addresses), then sum in workgroup memory (tree_sum.wgsl). A single reduction per group, so its
// barriers are cheap. Split (PARTIAL, SPLITS > 1: a GPU's tile, splitCount in src/kernels/linear_tile.ts):
// workgroup (s, g) takes chunk s of group g's elements and writes its partial sum to Part[g * SPLITS + s]; a
// second dispatch of this file with COMBINE sums each group's partials into its loss.
// pred rows may be strided (row q at predOffset + (q / predBlock) * predBlockStride + (q % predBlock) *
// predRowStride, as in linear_forward) so that a GRU's hidden sequence [B, T+1, H] is read in place.
// target and grad are contiguous [groups * rowsPerGroup, features].
// VEC4 reads and writes 4 features at a time where every row is aligned; the software adapter then also splits
// a single large group over 2 workgroups (its 2 cores) instead of one (mseLoss in src/kernels/mse_loss.ts).

struct Params {
  groups: u32, rowsPerGroup: u32, features: u32, predOffset: u32,
  predBlock: u32, predBlockStride: u32, predRowStride: u32, targetOffset: u32,
  lossOffset: u32, gradOffset: u32, scale: f32, _p0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
#if ${VEC4}
@group(0) @binding(1) var<storage, read> Pred4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> Target4: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> Pred: array<f32>;
@group(0) @binding(2) var<storage, read> Target: array<f32>;
#endif
@group(0) @binding(3) var<storage, read_write> Loss: array<f32>;
#if ${HAS_GRAD}
#if ${VEC4}
@group(0) @binding(4) var<storage, read_write> Grad4: array<vec4<f32>>;
#else
@group(0) @binding(4) var<storage, read_write> Grad: array<f32>;
#endif
#endif
#if ${PARTIAL}
@group(0) @binding(5) var<storage, read_write> Part: array<f32>; // [groups, SPLITS]
#endif

const WG = 64u;

fn predRow(q: u32) -> u32 {
  return p.predOffset + (q / p.predBlock) * p.predBlockStride + (q % p.predBlock) * p.predRowStride;
}

#if ${COMBINE}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  var acc = 0.0;
  for (var s = lid; s < ${SPLITS}u; s += WG) { acc += Part[g * ${SPLITS}u + s]; }
  treeSum(acc, lid);
  if (lid == 0u) { Loss[p.lossOffset + g] = partial[0] / f32(p.rowsPerGroup * p.features); }
}
#else
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.y;
  let n = p.rowsPerGroup * p.features;
  let inv = 1.0 / f32(n);
  var acc = 0.0;
#if ${VEC4}
  // VEC4 (the software adapter, where features and every offset and row stride are multiples of 4: mseLoss):
  // 4 features per load and one index computation per 4, the chunks of whole vec4s.
  let f4 = p.features / 4u;
  let chunk4 = (n / 4u + ${SPLITS}u - 1u) / ${SPLITS}u;
  let end4 = min(wid.x * chunk4 + chunk4, n / 4u);
  for (var e = wid.x * chunk4 + lid; e < end4; e += WG) {
    let r = e / f4;
    let f = (e - r * f4) * 4u;
    let q = g * p.rowsPerGroup + r;
    let d = Pred4[(predRow(q) + f) / 4u] - Target4[(p.targetOffset + q * p.features + f) / 4u];
    acc += dot(d, d);
#if ${HAS_GRAD}
    Grad4[(p.gradOffset + q * p.features + f) / 4u] = p.scale * 2.0 * inv * d;
#endif
  }
#else
  let chunk = (n + ${SPLITS}u - 1u) / ${SPLITS}u;
  let end = min(wid.x * chunk + chunk, n);
  for (var i = wid.x * chunk + lid; i < end; i += WG) {
    let q = g * p.rowsPerGroup + i / p.features;
    let f = i % p.features;
    let d = Pred[predRow(q) + f] - Target[p.targetOffset + q * p.features + f];
    acc += d * d;
#if ${HAS_GRAD}
    Grad[p.gradOffset + q * p.features + f] = p.scale * 2.0 * inv * d;
#endif
  }
#endif
  treeSum(acc, lid);
#if ${PARTIAL}
  if (lid == 0u) { Part[g * ${SPLITS}u + wid.x] = partial[0]; }
#else
  if (lid == 0u) { Loss[p.lossOffset + g] = partial[0] * inv; }
#endif
}
#endif
