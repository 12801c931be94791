// Squared global gradient norm: out[0] (+)= sum_i grad[i]^2, for clipping and for the optimizers'
// skip-on-non-finite rule (a NaN or Inf anywhere in the gradient makes the sum non-finite).
// ONE workgroup loops over all n elements, then sums in workgroup memory (tree_sum.wgsl). WebGPU has no
// barrier across workgroups, so a grid-wide reduction would need a second dispatch and a partials buffer;
// parameter vectors here are small (≲ 1M), and one dispatch keeps the step's program short. Neighbouring
// invocations read neighbouring addresses on every pass of the loop.
// A finite gradient element above ~1.8e19 also overflows the f32 sum; the optimizers then skip, as they should.
// ACCUMULATE adds to out, so several gradient buffers can share one global norm.

struct Params { n: u32, gradOffset: u32, outOffset: u32, _p0: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> Grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;

// 256 is the WebGPU default for maxComputeInvocationsPerWorkgroup, so every device accepts it.
const WG = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < p.n; i += WG) {
    let x = Grad[p.gradOffset + i];
    acc += x * x;
  }
  treeSum(acc, lid);
  if (lid == 0u) {
#if ${ACCUMULATE}
    Out[p.outOffset] += partial[0];
#else
    Out[p.outOffset] = partial[0];
#endif
  }
}
