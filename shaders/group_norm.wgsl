// Per-task Euclidean norm of a per-task buffer (layout: group_layout.wgsl):
//   out[g] = ‖x_g‖,   out[groups + g] = 1 / ‖x_g‖ (0 when ‖x_g‖ is 0, so a zero vector scales to zero)
// Used to scale finite-difference probes per task: θ ± ε x/‖x‖ keeps the step ε whatever the task's scale.
// One workgroup per task walks the task's slice of each tensor (contiguous, so neighbouring invocations read
// neighbouring addresses), then sums in workgroup memory (tree_sum.wgsl).

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  var acc = 0.0;
  for (var e = 0u; e < p.segments; e++) {
    let s = segmentAt(e);
    let base = p.xOffset + p.groups * s.x + g * s.y;
    for (var k = lid; k < s.y; k += WG) {
      let v = X[base + k];
      acc += v * v;
    }
  }
  treeSum(acc, lid);
  if (lid == 0u) {
    let n = sqrt(partial[0]);
    Out[p.outOffset + g] = n;
    Out[p.outOffset + p.groups + g] = select(0.0, 1.0 / n, n > 0.0);
  }
}
