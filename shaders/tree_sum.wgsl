// Shared by the kernels that sum over a workgroup (prepended to grad_norm, group_norm, mse_loss and
// softmax_cross_entropy): a tree sum in workgroup memory. The kernel sets WG, its workgroup size, a power of 2.

var<workgroup> partial: array<f32, WG>;

// Sums v over the workgroup into partial[0], which invocation 0 may read as soon as this returns (it wrote it
// last); others need a barrier first. The barrier sits before each level, since a level reads what the
// previous one wrote. Call from uniform control flow.
fn treeSum(v: f32, lid: u32) {
  partial[lid] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { partial[lid] += partial[lid + s]; }
  }
}
