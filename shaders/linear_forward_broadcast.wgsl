// Dense layer forward for the software adapter, the same result as linear_forward.wgsl:
//   Y[q, o] = sum_i X[q, i] * W[g, o, i] + b[g, o]      q = g * rowsPerGroup + r
// SwiftShader runs 4 invocations as the lanes of one SIMD register, and any load whose index is not a constant
// is a gather of every lane's address. Two loads are cheap: a constant index into workgroup memory (one value
// broadcast to the lanes) and a constant index into an invocation's private array (one vector load). So here:
// - each invocation owns 4 outputs o0 .. o0 + 3 and copies their weights into its private `wp` once (wp[i] =
//   the 4 outputs' weights for input i; the FILL below, generated);
// - the workgroup walks its rows RB at a time: RB rows of X copied into workgroup memory `xs`, then every
//   invocation's RB × 4 sums with constant indices into xs and wp (the SUMS below, generated, unrolled over
//   the IN inputs), one vec4 accumulator per row;
// - rows are cut into nwg.x chunks of whole RB-row blocks; workgroup (chunk, g, z) takes outputs from
//   z · WG · 4 on.
// About 2× linear_forward's VEC4 tiles on the GRU's 64 → 192 projection (21–22 → 10.2–10.3 ms alone;
// BENCHMARKS.md). The wrapper (useBroadcastLinear in src/kernels/linear_forward_broadcast.ts) takes this kernel
// on the software adapter (or when forced) only where 4 ≤ IN ≤ 64 (the unrolled sums' length), outF ≥ 16,
// X's and W's rows start at multiples of 4 floats, and Y's offset, row stride and outF are multiples of 4
// (each row's 4 outputs stored as one vec4). TRANSPOSED reads W as [IN, outF] instead: linearBackwardInput
// runs dX = dY · W through it (X = dY, IN up to 192: the GRU's 3H gate gradients).

@group(0) @binding(1) var<storage, read> X4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> W4: array<vec4<f32>>;
#if ${HAS_BIAS}
@group(0) @binding(3) var<storage, read> B: array<f32>;
#endif
@group(0) @binding(4) var<storage, read_write> Y4: array<vec4<f32>>;

const IN = ${IN}u; // inF, a multiple of 4
const RB = ${RB}u; // rows per block
const WG = ${WG}u; // invocations per workgroup, 4 outputs each

var<workgroup> xs: array<f32, RB * IN>; // xs[r * IN + i] = X[row r of the block, i]

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let g = wid.y;
  let o0 = (wid.z * WG + lid) * 4u;
  let wRow = p.wOffset + g * p.wGroupStride;
#if ${TRANSPOSED}
  // W stored [IN, outF] (linear_backward_input's dX = dY · W: a forward through Wᵀ): wp[i] = W[i, o0 .. o0 + 3],
  // one vec4 each (clamped past outF: loaded, never stored).
  let wc = (wRow + min(o0, p.outF - 4u)) / 4u;
  let ws = p.outF / 4u;
#else
  // Weights of outputs o0 .. o0 + 3 (clamped past outF: loaded, never stored), as vec4 rows of W.
  let w0 = (wRow + min(o0, p.outF - 1u) * IN) / 4u;
  let w1 = (wRow + min(o0 + 1u, p.outF - 1u) * IN) / 4u;
  let w2 = (wRow + min(o0 + 2u, p.outF - 1u) * IN) / 4u;
  let w3 = (wRow + min(o0 + 3u, p.outF - 1u) * IN) / 4u;
#endif
  var wp: array<vec4<f32>, IN>;
  ${FILL}
#if ${HAS_BIAS}
  let bb = p.bOffset + g * p.bGroupStride;
  let oc = clamp4(o0, p.outF);
  let bias = vec4<f32>(B[bb + oc.x], B[bb + oc.y], B[bb + oc.z], B[bb + oc.w]);
#else
  let bias = vec4<f32>(0.0);
#endif

  // This workgroup's rows of group g: chunk wid.x of whole RB-row blocks.
  let blocks = (p.rowsPerGroup + RB - 1u) / RB;
  let chunk = (blocks + nwg.x - 1u) / nwg.x * RB;
  let rEnd = min(wid.x * chunk + chunk, p.rowsPerGroup);
  for (var r0 = wid.x * chunk; r0 < rEnd; r0 += RB) {
    workgroupBarrier(); // the previous block's sums have read xs
    for (var e = lid; e < RB * IN / 4u; e += WG) {
      // Rows past the group's end repeat its last row (their sums are not stored).
      let q = g * p.rowsPerGroup + min(r0 + e / (IN / 4u), p.rowsPerGroup - 1u);
      let v = X4[xRow(q) / 4u + e % (IN / 4u)];
      xs[4u * e] = v.x;
      xs[4u * e + 1u] = v.y;
      xs[4u * e + 2u] = v.z;
      xs[4u * e + 3u] = v.w;
    }
    workgroupBarrier();
    ${SUMS}
    if (o0 < p.outF) {
      let y = (p.yOffset + (g * p.rowsPerGroup + r0) * p.yRowStride + o0) / 4u;
      let ys = p.yRowStride / 4u;
      ${STORES}
    }
  }
}

fn store4(i: u32, v: vec4<f32>) {
#if ${ACCUMULATE}
  Y4[i] += v;
#else
  Y4[i] = v;
#endif
}
