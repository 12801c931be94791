// out[j] = a · Σ_g x[g, j]: reduces a per-task buffer (layout: group_layout.wgsl) to one shared vector —
// the meta-gradient as the mean of the tasks' gradients (a = 1/groups), or Reptile's mean adapted weights.
// One invocation per shared element j sums its tasks in order: no atomics, no barriers, and the result
// does not depend on scheduling.

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= p.size) { return; }
  let s = segmentOf(j);
  let base = p.xOffset + groupedBase(j, s);
  var acc = 0.0;
  for (var g = 0u; g < p.groups; g++) { acc += X[base + g * s.y]; }
  Out[p.outOffset + j] = p.a * acc;
}
