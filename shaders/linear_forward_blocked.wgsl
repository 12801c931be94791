// Dense layer forward for large problems on GPUs, the same contract as linear_forward.wgsl (per-task weights,
// strided X rows, optional bias, ACCUMULATE):
//   Y[q, o] = sum_i X[q, i] * W[g, o, i] + b[g, o]      q = g * rowsPerGroup + r
// Design: a workgroup of 256 invocations owns a 128 x 128 block of Y and walks the shared dimension in slices
// of 16. Each slice of X (128 rows) and W (128 outputs) is staged in workgroup memory, k-major, so that each
// invocation reads its operands as vec4s; each invocation owns an 8 x 8 register tile (rows 4ty..4ty+3 and
// 64+4ty..64+4ty+3, the same for columns), 64 FMAs per 4 workgroup loads. The next slice's global loads are
// issued before the current slice is consumed, so memory latency hides behind the FMAs. Loads past the edges
// read a clamped address and are replaced by zero; stores past the edges are skipped. The software adapter
// keeps linear_forward.wgsl (barriers and workgroup memory are slow there): src/kernels/linear_forward_blocked.ts
// chooses.

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
#if ${HAS_BIAS}
@group(0) @binding(3) var<storage, read> B: array<f32>;
#endif
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;

const BM = 128u; // rows and columns of the block
const BK = 16u;  // slice of the shared dimension
const BV = 32u;  // BM / 4: vec4s per k in the staged slices

var<workgroup> As: array<vec4<f32>, 512>; // [BK][BV]: X rows row0 .. row0 + 127 at each k
var<workgroup> Bs: array<vec4<f32>, 512>; // [BK][BV]: W rows col0 .. col0 + 127 at each k

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = wid.y;
  let colBlocks = (p.outF + BM - 1u) / BM;
  let row0 = (wid.x / colBlocks) * BM;
  let col0 = (wid.x % colBlocks) * BM;
  let tx = li % 16u;
  let ty = li / 16u;

  // Staging: invocation li fetches k = kt * BK + lk of block rows lr + 16 i (i < 8): 16 neighbours read 64
  // contiguous bytes of one row.
  let lk = li % BK;
  let lr = li / BK;
  var xa: array<u32, 8>;
  var wa: array<u32, 8>;
  for (var i = 0u; i < 8u; i++) {
    let r = lr + 16u * i;
    xa[i] = xRow(g * p.rowsPerGroup + min(row0 + r, p.rowsPerGroup - 1u));
    wa[i] = p.wOffset + g * p.wGroupStride + min(col0 + r, p.outF - 1u) * p.inF;
  }
  var ra: array<f32, 8>;
  var rb: array<f32, 8>;
  var k = lk;
  for (var i = 0u; i < 8u; i++) {
    let kc = min(k, p.inF - 1u);
    ra[i] = select(0.0, X[xa[i] + kc], k < p.inF);
    rb[i] = select(0.0, W[wa[i] + kc], k < p.inF);
  }

  var acc: array<vec4<f32>, 16>; // [8 rows][2 column halves]
  let slices = (p.inF + BK - 1u) / BK;
  for (var kt = 0u; kt < slices; kt++) {
    for (var i = 0u; i < 8u; i++) {
      // Row lr + 16 i of the block is vec4 (lr + 16 i) / 4, component lr % 4.
      As[lk * BV + lr / 4u + 4u * i][lr % 4u] = ra[i];
      Bs[lk * BV + lr / 4u + 4u * i][lr % 4u] = rb[i];
    }
    workgroupBarrier();
    if (kt + 1u < slices) {
      k = (kt + 1u) * BK + lk;
      for (var i = 0u; i < 8u; i++) {
        let kc = min(k, p.inF - 1u);
        ra[i] = select(0.0, X[xa[i] + kc], k < p.inF);
        rb[i] = select(0.0, W[wa[i] + kc], k < p.inF);
      }
    }
    for (var kk = 0u; kk < BK; kk++) {
      let a0 = As[kk * BV + ty];
      let a1 = As[kk * BV + 16u + ty];
      let b0 = Bs[kk * BV + tx];
      let b1 = Bs[kk * BV + 16u + tx];
      for (var i = 0u; i < 4u; i++) {
        acc[2u * i] += a0[i] * b0;
        acc[2u * i + 1u] += a0[i] * b1;
        acc[8u + 2u * i] += a1[i] * b0;
        acc[9u + 2u * i] += a1[i] * b1;
      }
    }
    workgroupBarrier();
  }

  for (var h = 0u; h < 2u; h++) {
    let c0 = col0 + 64u * h + 4u * tx;
#if ${HAS_BIAS}
    let bb = p.bOffset + g * p.bGroupStride;
    let oc = clamp4(c0, p.outF);
    let bias = vec4<f32>(B[bb + oc.x], B[bb + oc.y], B[bb + oc.z], B[bb + oc.w]);
#else
    let bias = vec4<f32>(0.0);
#endif
    for (var i = 0u; i < 8u; i++) {
      let r = row0 + 4u * ty + select(i, 60u + i, i >= 4u); // rows 4ty + i, then 64 + 4ty + (i − 4)
      if (r >= p.rowsPerGroup) { continue; }
      let y = p.yOffset + (g * p.rowsPerGroup + r) * p.yRowStride + c0;
      let v = acc[2u * i + h] + bias;
      for (var j = 0u; j < 4u; j++) {
#if ${ACCUMULATE}
        if (c0 + j < p.outF) { Y[y + j] += v[j]; }
#else
        if (c0 + j < p.outF) { Y[y + j] = v[j]; }
#endif
      }
    }
  }
}
