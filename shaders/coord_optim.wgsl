// The hand-designed optimizers the learned one is compared with, over the same coordinates (the trainable
// weights of a per-task buffer, two ranges as in lopt_input.wgsl), as torch.optim defines them:
//   SGD:      θ −= lr · g
//   RMSPROP:  v = α v + (1 − α) g²;  θ −= lr · g / (√v + ε)                       (torch.optim.RMSprop)
//   ADAM:     m = β1 m + (1 − β1) g;  v = β2 v + (1 − β2) g²;  θ −= lr · (m / bc1) / (√(v / bc2) + ε)
// State M, V is per coordinate [C]; FIRST treats it as zero (the first step of a run), so no clearing pass.
// RMSprop's α is passed as beta2. bc1 = 1 − β1^t and bc2 = 1 − β2^t come from the host (t is known when recording).

struct Params {
  o0: u32, n0: u32, o1: u32, n1: u32,
  pOffset: u32, gOffset: u32, mOffset: u32, vOffset: u32,
  lr: f32, beta1: f32, beta2: f32, eps: f32,
  bc1: f32, bc2: f32, first: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> W: array<f32>;
#if ${HAS_V}
@group(0) @binding(3) var<storage, read_write> V: array<f32>;
#endif
#if ${ADAM}
@group(0) @binding(4) var<storage, read_write> M: array<f32>;
#endif

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= coordCount()) { return; }
  let i = p.pOffset + weightIndex(c);
  let g = G[p.gOffset + weightIndex(c)];
#if ${SGD}
  W[i] -= p.lr * g;
#endif
#if ${HAS_V}
  // select, not a product with 0: a fresh state buffer may hold anything, NaN included.
  let first = p.first != 0u;
  let v = p.beta2 * select(V[p.vOffset + c], 0.0, first) + (1.0 - p.beta2) * g * g;
  V[p.vOffset + c] = v;
#endif
#if ${RMSPROP}
  W[i] -= p.lr * g / (sqrt(v) + p.eps);
#endif
#if ${ADAM}
  let m = p.beta1 * select(M[p.mOffset + c], 0.0, first) + (1.0 - p.beta1) * g;
  M[p.mOffset + c] = m;
  W[i] -= p.lr * (m / p.bc1) / (sqrt(v / p.bc2) + p.eps);
#endif
}
