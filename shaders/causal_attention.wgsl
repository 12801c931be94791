// Causal softmax attention of each step over its episode's steps so far (a SNAIL-style read of the GRU's own
// past outputs), fused: scores, softmax and the weighted sum in one pass, never a [T, T] matrix in memory.
// Per episode b, with P_ts = softmax over s ≤ t of (scale · q_t·k_s):
//   forward:  o_t = Σ_{s≤t} P_ts v_s,   lse_t = log Σ_{s≤t} exp(scale · q_t·k_s)   (lse saved for backward)
//   backward, with P_ts = exp(scale · q_t·k_s − lse_t) recomputed, dP_ts = dO_t·v_s, Δ_t = dO_t·o_t:
//     GRAD_Q  (one workgroup per query t): dq_t = scale Σ_{s≤t} P_ts (dP_ts − Δ_t) k_s
//     GRAD_KV (one workgroup per key s):   dk_s = scale Σ_{t≥s} P_ts (dP_ts − Δ_t) q_t,  dv_s = Σ_{t≥s} P_ts dO_t
// Splitting the backward by query and by key lets each workgroup own its output rows: no atomics, and the
// two passes read only forward values, so they may run in either order.
// Workgroup (x, y) = (step, episode). The row's T weights live in workgroup memory (hence MAX_STEPS); an
// invocation first takes steps lid, lid + WG, … for the dot products, then columns lid, lid + WG, … for
// the weighted sums. The softmax subtracts the row's max before exp, so large scores cannot overflow.
// Every operand row r = b·T + t starts at its offset + r · its stride, so q, k and v (and dq, dk, dv) may be
// column blocks of one projection matrix. lse is contiguous [B, T]. Gradients are written, or added to
// what is there when `accumulate` is set.

struct Params {
  steps: u32, keyDim: u32, valueDim: u32, scale: f32,
  qOffset: u32, qStride: u32, kOffset: u32, kStride: u32,
  vOffset: u32, vStride: u32, oOffset: u32, oStride: u32,
  lseOffset: u32, dOOffset: u32, dOStride: u32, accumulate: u32,
  dqOffset: u32, dqStride: u32, dkOffset: u32, dkStride: u32,
  dvOffset: u32, dvStride: u32, pad0: u32, pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
#if ${FORWARD}
@group(0) @binding(4) var<storage, read_write> O: array<f32>;
@group(0) @binding(5) var<storage, read_write> Lse: array<f32>;
#else
@group(0) @binding(4) var<storage, read> O: array<f32>;
@group(0) @binding(5) var<storage, read> Lse: array<f32>;
@group(0) @binding(6) var<storage, read> DO: array<f32>;
#endif
#if ${GRAD_Q}
@group(0) @binding(7) var<storage, read_write> DQ: array<f32>;
#endif
#if ${GRAD_KV}
@group(0) @binding(8) var<storage, read_write> DK: array<f32>;
#if ${SHARED_DKV}
// dk and dv in one buffer: bound once, since WebGPU refuses two writable bindings of one buffer.
fn writeDv(i: u32, g: f32) { DK[i] = g; }
fn readDv(i: u32) -> f32 { return DK[i]; }
#else
@group(0) @binding(9) var<storage, read_write> DV: array<f32>;
fn writeDv(i: u32, g: f32) { DV[i] = g; }
fn readDv(i: u32) -> f32 { return DV[i]; }
#endif
#endif

const WG = 64u;
const LOWEST = -3.4e38; // about the lowest f32: loses every max against a real score

// Per step of the row: forward, the score, then exp(score − max); GRAD_Q, P (dP − Δ) per key; GRAD_KV, P per query.
var<workgroup> weight: array<f32, ${MAX_STEPS}>;
#if ${GRAD_KV}
var<workgroup> dScore: array<f32, ${MAX_STEPS}>; // P (dP − Δ) per query
#endif

fn qRow(b: u32, t: u32) -> u32 { return p.qOffset + (b * p.steps + t) * p.qStride; }
fn kRow(b: u32, s: u32) -> u32 { return p.kOffset + (b * p.steps + s) * p.kStride; }
fn vRow(b: u32, s: u32) -> u32 { return p.vOffset + (b * p.steps + s) * p.vStride; }
fn oRow(b: u32, t: u32) -> u32 { return p.oOffset + (b * p.steps + t) * p.oStride; }

fn score(b: u32, t: u32, s: u32) -> f32 {
  let q0 = qRow(b, t);
  let k0 = kRow(b, s);
  var acc = 0.0;
  for (var d = 0u; d < p.keyDim; d++) { acc += Q[q0 + d] * K[k0 + d]; }
  return p.scale * acc;
}

#if ${FORWARD}
/** Max of v over the workgroup, for every invocation (tree in tree_sum.wgsl's `partial`). Uniform flow. */
fn groupMax(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { partial[lid] = max(partial[lid], partial[lid + s]); }
  }
  workgroupBarrier();
  let m = partial[0];
  workgroupBarrier(); // the next reduction overwrites partial
  return m;
}

/** Sum of v over the workgroup, for every invocation. Uniform flow. */
fn groupSum(v: f32, lid: u32) -> f32 {
  treeSum(v, lid);
  workgroupBarrier();
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x;
  let b = wid.y;
  var m = LOWEST;
  for (var s = lid; s <= t; s += WG) {
    let z = score(b, t, s);
    weight[s] = z;
    m = max(m, z);
  }
  m = groupMax(m, lid);
  var l = 0.0;
  for (var s = lid; s <= t; s += WG) {
    let e = exp(weight[s] - m);
    weight[s] = e;
    l += e;
  }
  l = groupSum(l, lid); // its barriers also publish every invocation's weights
  let inv = 1.0 / l;
  let o0 = oRow(b, t);
  for (var j = lid; j < p.valueDim; j += WG) {
    var acc = 0.0;
    for (var s = 0u; s <= t; s++) { acc += weight[s] * V[vRow(b, s) + j]; }
    O[o0 + j] = acc * inv;
  }
  if (lid == 0u) { Lse[p.lseOffset + b * p.steps + t] = m + log(l); }
}
#else
fn dORow(b: u32, t: u32) -> u32 { return p.dOOffset + (b * p.steps + t) * p.dOStride; }

/** Δ_t = dO_t·o_t; each invocation forms its own (V products), cheaper here than a reduction's barriers. */
fn delta(b: u32, t: u32) -> f32 {
  let g0 = dORow(b, t);
  let o0 = oRow(b, t);
  var acc = 0.0;
  for (var j = 0u; j < p.valueDim; j++) { acc += DO[g0 + j] * O[o0 + j]; }
  return acc;
}

/** dP_ts = dO_t·v_s. */
fn dProb(b: u32, t: u32, s: u32) -> f32 {
  let g0 = dORow(b, t);
  let v0 = vRow(b, s);
  var acc = 0.0;
  for (var j = 0u; j < p.valueDim; j++) { acc += DO[g0 + j] * V[v0 + j]; }
  return acc;
}

fn prob(b: u32, t: u32, s: u32) -> f32 {
  return exp(score(b, t, s) - Lse[p.lseOffset + b * p.steps + t]);
}
#endif

#if ${GRAD_Q}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x;
  let b = wid.y;
  let dt = delta(b, t);
  for (var s = lid; s <= t; s += WG) { weight[s] = prob(b, t, s) * (dProb(b, t, s) - dt); }
  workgroupBarrier();
  let g0 = p.dqOffset + (b * p.steps + t) * p.dqStride;
  for (var d = lid; d < p.keyDim; d += WG) {
    var acc = 0.0;
    for (var s = 0u; s <= t; s++) { acc += weight[s] * K[kRow(b, s) + d]; }
    var g = p.scale * acc;
    if (p.accumulate != 0u) { g += DQ[g0 + d]; }
    DQ[g0 + d] = g;
  }
}
#endif

#if ${GRAD_KV}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = wid.x;
  let b = wid.y;
  for (var t = s + lid; t < p.steps; t += WG) {
    let pr = prob(b, t, s);
    weight[t] = pr;
    dScore[t] = pr * (dProb(b, t, s) - delta(b, t));
  }
  workgroupBarrier();
  // Columns 0..D−1 are dk's, D..D+V−1 dv's, so that D + V invocations share the sums when D < WG.
  for (var c = lid; c < p.keyDim + p.valueDim; c += WG) {
    var acc = 0.0;
    if (c < p.keyDim) {
      for (var t = s; t < p.steps; t++) { acc += dScore[t] * Q[qRow(b, t) + c]; }
      let i = p.dkOffset + (b * p.steps + s) * p.dkStride + c;
      var g = p.scale * acc;
      if (p.accumulate != 0u) { g += DK[i]; }
      DK[i] = g;
    } else {
      let j = c - p.keyDim;
      for (var t = s; t < p.steps; t++) { acc += weight[t] * DO[dORow(b, t) + j]; }
      let i = p.dvOffset + (b * p.steps + s) * p.dvStride + j;
      var g = acc;
      if (p.accumulate != 0u) { g += readDv(i); }
      writeDv(i, g);
    }
  }
}
#endif
