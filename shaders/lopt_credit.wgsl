// The learned optimizer's output gradient over one unroll, with task gradients taken as inputs (no second
// derivatives, as Andrychowicz et al. 2016): θ_t = θ_0 + scale · Σ_{s<t} u_s and the meta-loss is
// (1/T) Σ_{t=1..T} ℓ(f(θ_t)), so
//   D[c, s] = dL/du_s[c] = (scale / T) · Σ_{t=s+1..T} ℓ'(f(θ_t)) ∇f(θ_t)[c]        s = 0 .. T−1
// a suffix sum over the saved raw gradients R [C, T+1] (slot t holds ∇f(θ_t)). D is [C, T], contiguous.
// ℓ(f) = f, or with LOG ℓ(f) = log f: then ℓ' = 1 / f of the coordinate's own task (F [T+1, tasks] holds each
// task's loss at each step, Task [C] each coordinate's task), so late steps, where the loss is already
// small, weigh as much as early ones.
// With BOUND the steps were b · tanh(scale · u_s / b) (lopt_update.wgsl): D[c, s] also carries that step's
// derivative over scale, 1 − tanh²(scale · u_s / b), from the outputs U [C, T].

struct Params {
  coords: u32, steps: u32, rawOffset: u32, dOffset: u32,
  scale: f32, lossOffset: u32, tasks: u32, uOffset: u32,
  outScale: f32, bound: f32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> R: array<f32>;
@group(0) @binding(2) var<storage, read_write> D: array<f32>;
#if ${LOG}
@group(0) @binding(3) var<storage, read> F: array<f32>;
@group(0) @binding(4) var<storage, read> Task: array<u32>;
#endif
#if ${BOUND}
@group(0) @binding(5) var<storage, read> U: array<f32>;
#endif

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.coords) { return; }
  let T = p.steps;
#if ${LOG}
  let task = Task[c];
#endif
  var acc = 0.0;
  for (var s = T; s > 0u; s--) {
    var g = R[p.rawOffset + c * (T + 1u) + s];
#if ${LOG}
    g /= max(F[p.lossOffset + s * p.tasks + task], 1e-12);
#endif
    acc += g;
#if ${BOUND}
    // tanh overflows to NaN past |a| ≈ 90 on SwiftShader; tanh(±15) is ±1 in f32 already.
    let th = tanh(clamp(p.outScale * U[p.uOffset + c * T + s - 1u] / p.bound, -15.0, 15.0));
    D[p.dOffset + c * T + s - 1u] = p.scale * acc * (1.0 - th * th);
#else
    D[p.dOffset + c * T + s - 1u] = p.scale * acc;
#endif
  }
}
