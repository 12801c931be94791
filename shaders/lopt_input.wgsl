// The learned optimizer's input (Andrychowicz et al. 2016, appendix A): each coordinate's gradient g,
// preprocessed as (log|g| / P, sign g) when |g| ≥ e^−P, else (−1, e^P g), with P = 10, so that gradients
// spanning many orders of magnitude reach the optimizer's GRU on one scale.
// Coordinate c < n0 + n1 is weight o0 + c (c < n0) or o1 + c − n0 of a per-task weight buffer: the trainable
// part of it, two ranges (the task model's recurrent weights, whose gradient is always zero, are left out).
//   X[xOffset + c·xStride + 2·xSlot + {0, 1}] = preprocess(g)      X: the optimizer's input sequence [C, T, 2]
//   with RAW: R[rawOffset + c·rawStride + rawSlot] = g              the raw gradients, for the meta-gradient

struct Params {
  o0: u32, n0: u32, o1: u32, n1: u32,
  gOffset: u32, xOffset: u32, xStride: u32, xSlot: u32,
  rawOffset: u32, rawStride: u32, rawSlot: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> G: array<f32>;
#if ${HAS_X}
@group(0) @binding(2) var<storage, read_write> X: array<f32>;
#endif
#if ${HAS_RAW}
@group(0) @binding(3) var<storage, read_write> R: array<f32>;
#endif

const P = 10.0;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= coordCount()) { return; }
  let g = G[p.gOffset + weightIndex(c)];
#if ${HAS_X}
  let big = abs(g) >= exp(-P);
  let x = p.xOffset + c * p.xStride + 2u * p.xSlot;
  X[x] = select(-1.0, log(max(abs(g), 1e-30)) / P, big);
  X[x + 1u] = select(exp(P) * g, sign(g), big);
#endif
#if ${HAS_RAW}
  R[p.rawOffset + c * p.rawStride + p.rawSlot] = g;
#endif
}
