// Dense layer backward to the weights and bias, per-task weights (a group's rows sum into its own dW):
//   dW[g, o, i] (+)= sum_r dY[q, o] * X[q, i]      db[g, o] (+)= sum_r dY[q, o]      q = g * rowsPerGroup + r
// Each invocation owns a 4-output x 4-input tile of dW and walks the group's rows (for a GRU: batch x time,
// all steps at once). Tiles in the first input column also sum the bias gradient, so bias costs no extra pass.
// X rows may be strided (xRow in linear_tile.wgsl): the GRU reads h_{t-1} from its hidden sequence [B, T+1, H].
// ACCUMULATE adds into dW/db, for weights used in more than one place.
// dY column of output o is o, or o + ySkip for o >= ySplit: the GRU's gate gradients are stored as one row
// (da_r, da_z, da_n, r ⊙ da_n), and W_hh's gradient reads columns 0, 1 and 3 of it.
//
// Split reduction (PARTIAL, SPLITS > 1: a GPU's tile, splitCount in src/kernels/linear_tile.ts): the rows are
// cut into SPLITS chunks, workgroup z sums chunk z into its own partial [SPLITS, groups, outF, inF + 1] (bias
// in the last column), and a second dispatch of this file with COMBINE sums the partials into dW / db. Summing
// thousands of rows serially in a dozen workgroups is latency on a GPU; the split spreads it over hundreds.

#if ${VEC4}
@group(0) @binding(1) var<storage, read> X4: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> X: array<f32>;
#endif
// dW and db live in the same buffer (a model's flat gradient buffer): WebGPU forbids two writable bindings
// of one buffer, so a single binding holds both.
@group(0) @binding(2) var<storage, read_write> dW: array<f32>;
#if ${VEC4}
@group(0) @binding(4) var<storage, read> dY4: array<vec4<f32>>;
#else
@group(0) @binding(4) var<storage, read> dY: array<f32>;
#endif
#if ${PARTIAL}
@group(0) @binding(5) var<storage, read_write> Part: array<f32>; // [SPLITS, groups, outF, inF + 1]
#endif

// Writes (or adds) one entry of dW (column i < inF) or of db (column inF) for group g, output o.
fn store(g: u32, o: u32, i: u32, v: f32) {
  if (i < p.inF) {
    let w = p.wOffset + g * p.wGroupStride + o * p.inF + i;
#if ${ACCUMULATE}
    dW[w] += v;
#else
    dW[w] = v;
#endif
  } else {
#if ${HAS_BIAS}
    let b = p.bOffset + g * p.bGroupStride + o;
#if ${ACCUMULATE}
    dW[b] += v;
#else
    dW[b] = v;
#endif
#endif
  }
}

#if ${COMBINE}
// One invocation per (group, output, column of dW or the bias): the sum of the SPLITS partials.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  let cols = p.inF + 1u;
  let per = p.outF * cols;
  if (idx >= p.groups * per) { return; }
  let g = idx / per;
  let o = (idx % per) / cols;
  let i = idx % cols;
  var v = 0.0;
  for (var s = 0u; s < ${SPLITS}u; s++) { v += Part[s * p.groups * per + idx]; }
  if (i < p.inF || ${HAS_BIAS}) { store(g, o, i, v); }
}
#elif ${VEC4}
const VEC4_WG = 16u;
// VEC4 (the software adapter, where every row read starts at a multiple of 4 floats: useVec4 in
// src/kernels/linear_tile.ts): an 8-output x 8-input tile of dW per invocation, its rows of X and dY read as
// vec4s — 4 loads per row for 64 FMAs, against 8 loads for 16 in the 4x4 tile below. On SwiftShader an
// invocation is a SIMD lane and each load a gather with a bounds check, dearer than the FMAs it feeds; and
// its accumulators are named, since an indexed array of them spills to memory there (2.6x slower, measured).
// Workgroups of VEC4_WG (16) invocations: W_hh's 192 tiles in 64s made 3 workgroups for 2 cores, one core
// idle a third of the time (alone, GRU 1×64: W_hh's gradient 15.6–15.9 → 12.1–12.3 ms, W_ih's 6.9–7.0 → 4.6).
@compute @workgroup_size(VEC4_WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.y;
  let tile = tileOfSide(gid.x, p.outF, p.inF, 8u);
  if (!tile.valid) { return; }
  let i0 = tile.col0;
  let o0 = tile.row0;
  let ic = array<vec4<u32>, 2>(clamp4(i0, p.inF), clamp4(i0 + 4u, p.inF));
  var oc = array<vec4<u32>, 2>(clamp4(o0, p.outF), clamp4(o0 + 4u, p.outF));
  for (var h = 0u; h < 2u; h++) {
    oc[h] += select(vec4<u32>(0u), vec4<u32>(p.ySkip), oc[h] >= vec4<u32>(p.ySplit));
  }

  // aJH: output o0 + J, inputs i0 + 4H .. i0 + 4H + 3. A vec4 starting past the edge (clamp4) is a valid
  // one whose sums are not stored.
  var a00 = vec4<f32>(0.0);
  var a01 = vec4<f32>(0.0);
  var a10 = vec4<f32>(0.0);
  var a11 = vec4<f32>(0.0);
  var a20 = vec4<f32>(0.0);
  var a21 = vec4<f32>(0.0);
  var a30 = vec4<f32>(0.0);
  var a31 = vec4<f32>(0.0);
  var a40 = vec4<f32>(0.0);
  var a41 = vec4<f32>(0.0);
  var a50 = vec4<f32>(0.0);
  var a51 = vec4<f32>(0.0);
  var a60 = vec4<f32>(0.0);
  var a61 = vec4<f32>(0.0);
  var a70 = vec4<f32>(0.0);
  var a71 = vec4<f32>(0.0);
  var b0 = vec4<f32>(0.0);
  var b1 = vec4<f32>(0.0);
  // X's row q = g · rowsPerGroup + r walked without xRow's two divisions per row (SwiftShader divides lane by
  // lane): its block and place in the block start from one xRow and step on, and every index is in vec4s.
  let q0 = g * p.rowsPerGroup;
  var inBlock = q0 % p.xBlock;
  var x4 = xRow(q0) / 4u;
  let xStep = p.xRowStride / 4u;
  // Last row of a block → first of the next, in vec4s before subtracting, so that a layout stepping back
  // (blockStride below (block − 1) · rowStride, as a time-major read) wraps around u32 correctly.
  let xWrap = p.xBlockStride / 4u - (p.xBlock - 1u) * (p.xRowStride / 4u);
  var y4 = (p.yOffset + q0 * p.yRowStride) / 4u;
  let yStep = p.yRowStride / 4u;
  let ic4 = vec2<u32>(ic[0].x, ic[1].x) / 4u;
  let oc4 = vec2<u32>(oc[0].x, oc[1].x) / 4u;
  for (var r = 0u; r < p.rowsPerGroup; r++) {
    let x0 = X4[x4 + ic4.x];
    let x1 = X4[x4 + ic4.y];
    let d0 = dY4[y4 + oc4.x];
    let d1 = dY4[y4 + oc4.y];
    inBlock += 1u;
    if (inBlock == p.xBlock) {
      inBlock = 0u;
      x4 += xWrap;
    } else {
      x4 += xStep;
    }
    y4 += yStep;
    a00 += d0.x * x0;
    a01 += d0.x * x1;
    a10 += d0.y * x0;
    a11 += d0.y * x1;
    a20 += d0.z * x0;
    a21 += d0.z * x1;
    a30 += d0.w * x0;
    a31 += d0.w * x1;
    a40 += d1.x * x0;
    a41 += d1.x * x1;
    a50 += d1.y * x0;
    a51 += d1.y * x1;
    a60 += d1.z * x0;
    a61 += d1.z * x1;
    a70 += d1.w * x0;
    a71 += d1.w * x1;
    b0 += d0;
    b1 += d1;
  }
  let acc = array<vec4<f32>, 16>(a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, a60, a61, a70, a71);
  let bacc = array<vec4<f32>, 2>(b0, b1);
  for (var j = 0u; j < 8u; j++) {
    if (o0 + j >= p.outF) { break; }
    for (var c = 0u; c < 8u; c++) {
      if (i0 + c < p.inF) { store(g, o0 + j, i0 + c, acc[2u * j + c / 4u][c % 4u]); }
    }
    // Tiles in the first input column also carry the bias.
    if (i0 == 0u) { store(g, o0 + j, p.inF, bacc[j / 4u][j % 4u]); }
  }
}

#else
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
  let chunk = (p.rowsPerGroup + ${SPLITS}u - 1u) / ${SPLITS}u;
  let rEnd = min(gid.z * chunk + chunk, p.rowsPerGroup);
  for (var r = gid.z * chunk; r < rEnd; r++) {
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
  for (var j = 0u; j < 4u; j++) {
    if (o0 + j >= p.outF) { break; }
    for (var c = 0u; c < 4u; c++) {
      if (i0 + c < p.inF) {
#if ${PARTIAL}
        Part[((gid.z * p.groups + g) * p.outF + o0 + j) * (p.inF + 1u) + i0 + c] = acc[j][c];
#else
        store(g, o0 + j, i0 + c, acc[j][c]);
#endif
      }
    }
    // Tiles in the first input column also carry the bias.
    if (i0 == 0u) {
#if ${PARTIAL}
      Part[((gid.z * p.groups + g) * p.outF + o0 + j) * (p.inF + 1u) + p.inF] = bacc[j];
#else
      store(g, o0 + j, p.inF, bacc[j]);
#endif
    }
  }
}
#endif
