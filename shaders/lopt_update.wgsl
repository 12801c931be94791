// Applies the learned optimizer's output: θ[i(c)] += scale · U[c] for every coordinate c (the trainable
// weights of a per-task buffer, two ranges as in lopt_input.wgsl). `scale` is the paper's output factor 0.1.
// With BOUND the step is bounded softly per coordinate: θ[i(c)] += b · tanh(scale · U[c] / b), |step| < b (and
// nearly scale · U[c] for steps well below b).

struct Params { o0: u32, n0: u32, o1: u32, n1: u32, pOffset: u32, uOffset: u32, scale: f32, bound: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> U: array<f32>;
@group(0) @binding(2) var<storage, read_write> W: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= coordCount()) { return; }
  let step = p.scale * U[p.uOffset + c];
#if ${BOUND}
  // tanh overflows to NaN for large arguments on SwiftShader (|a| ≳ 90); tanh(±15) is ±1 in f32 already.
  W[p.pOffset + weightIndex(c)] += p.bound * tanh(clamp(step / p.bound, -15.0, 15.0));
#else
  W[p.pOffset + weightIndex(c)] += step;
#endif
}
