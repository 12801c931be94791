// The learned optimizer's richer per-coordinate input (features 'v2', after Metz et al. 2020): besides
// Andrychowicz's preprocessed gradient, momenta at three timescales and a running second moment carried per
// coordinate across inner steps, the gradient and the momenta normalised by that RMS (so the optimizer reads
// Adam-like directions on one scale whatever the gradient's magnitude), the RMS itself on a log scale, the
// parameter's value, and the step count embedded at three timescales. For inner step t (0-based) of a run:
//   m_k = β_k m_k + (1 − β_k) g  (β = 0.5, 0.9, 0.99),  v = β_v v + (1 − β_v) g²  (β_v = 0.999)
//   m̂_k = m_k / (1 − β_k^(t+1)),  v̂ = v / (1 − β_v^(t+1)),  r = √v̂ + ε
//   X[c, slot, 0..F) = (log|g|/P, sign g)  [or (−1, e^P g) below e^−P],  g / r,  m̂_k / r,  log(r) / P,  θ,
//                      tanh((t+1) / τ) for τ = 10, 100, 1000
// Bias correction makes every ratio exactly ±1 at t = 0, however small the gradient. At t = 0 the carried state
// is not read (a run starts from zero momenta), so nothing needs clearing between runs.
// t = Clock[0] + step: the host writes where a truncation starts in its run; `step` is the slot's offset.
// The state S [C, 4] holds (m_0.5, m_0.9, m_0.99, v) per coordinate; with RAW the gradient also goes to R.

struct Params {
  o0: u32, n0: u32, o1: u32, n1: u32,
  gOffset: u32, wOffset: u32, sOffset: u32, clockOffset: u32,
  xOffset: u32, xStride: u32, xSlot: u32, step: u32,
  rawOffset: u32, rawStride: u32, rawSlot: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> Clock: array<u32>;
@group(0) @binding(4) var<storage, read_write> S: array<f32>;
@group(0) @binding(5) var<storage, read_write> X: array<f32>;
#if ${HAS_RAW}
@group(0) @binding(6) var<storage, read_write> R: array<f32>;
#endif

const P = 10.0;
const F = ${F}u;
const BETA = vec3<f32>(0.5, 0.9, 0.99);
const BETA_V = 0.999;
// ln β of the float32 β above, in double precision: 1 − β^n from pow() loses ~1e-4 of its value for
// β = 0.999 at n = 1 (pow is exp2(n·log2 β) in float32), so oneMinusPow works from these instead.
const LN_BETA = vec3<f32>(-0.6931471805599453, -0.10536054214877988, -0.010050326220427584);
const LN_BETA_V = -0.0010004874460928543;
const EPS = 1e-8;
const TAU = vec3<f32>(10.0, 100.0, 1000.0);

// 1 − e^x for x = n·ln β ≤ 0, with a series where 1 − exp(x) would cancel.
fn oneMinusExp(x: f32) -> f32 {
  if (x > -1e-2) { return -x * (1.0 + x * (0.5 + x / 6.0)); }
  return 1.0 - exp(x);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= coordCount()) { return; }
  let i = weightIndex(c);
  let g = G[p.gOffset + i];
  let t = Clock[p.clockOffset] + p.step;
  let s = p.sOffset + 4u * c;
  // select, not arithmetic, so that whatever the state holds before a run (NaN included) is never read.
  let fresh = t == 0u;
  let m0 = select(vec3<f32>(S[s], S[s + 1u], S[s + 2u]), vec3<f32>(0.0), fresh);
  let v0 = select(S[s + 3u], 0.0, fresh);
  let m = BETA * m0 + (1.0 - BETA) * g;
  let v = BETA_V * v0 + (1.0 - BETA_V) * g * g;
  S[s] = m.x;
  S[s + 1u] = m.y;
  S[s + 2u] = m.z;
  S[s + 3u] = v;
  let n = f32(t + 1u);
  let lnB = n * LN_BETA;
  let mHat = m / vec3<f32>(oneMinusExp(lnB.x), oneMinusExp(lnB.y), oneMinusExp(lnB.z));
  let r = sqrt(v / oneMinusExp(n * LN_BETA_V)) + EPS;
  let big = abs(g) >= exp(-P);
  let x = p.xOffset + c * p.xStride + F * p.xSlot;
  X[x] = select(-1.0, log(max(abs(g), 1e-30)) / P, big);
  X[x + 1u] = select(exp(P) * g, sign(g), big);
  X[x + 2u] = g / r;
  X[x + 3u] = mHat.x / r;
  X[x + 4u] = mHat.y / r;
  X[x + 5u] = mHat.z / r;
  X[x + 6u] = log(r) / P;
  X[x + 7u] = W[p.wOffset + i];
  let e = tanh(vec3<f32>(n) / TAU);
  X[x + 8u] = e.x;
  X[x + 9u] = e.y;
  X[x + 10u] = e.z;
#if ${HAS_RAW}
  R[p.rawOffset + c * p.rawStride + p.rawSlot] = g;
#endif
}
