// out = a · s · x + b · y over a per-task parameter buffer (layout: group_layout.wgsl), elementwise:
// the inner-loop update θ' = θ − α ∇L, finite-difference probes θ ± ε v/‖v‖ (s = per-task 1/‖v‖), and, with
// X_BROADCAST, copying one shared vector into every task's slot (x indexed by the shared element only).
// The factor s is per task (SCALE_GROUP: s[g]), per shared element (SCALE_ELEMENT: s[j], Meta-SGD's learned
// rates α ⊙ ∇L), or per task and element (SCALE_TASK: s[g, j], a product of two per-task vectors).
// y is optional (no y: out = a · s · x); Y_IN_PLACE reads y from `out` itself, because WebGPU forbids binding
// one buffer as both read-only and writable in a dispatch. One invocation per shared element j walks the
// tasks, so the segment lookup is paid once per j and a broadcast x is loaded once.

@group(0) @binding(1) var<storage, read> X: array<f32>;
#if ${Y_SEPARATE}
@group(0) @binding(2) var<storage, read> Y: array<f32>;
#endif
#if ${HAS_SCALE}
@group(0) @binding(3) var<storage, read> S: array<f32>; // [groups], [shared size] or [grouped size]
#endif
@group(0) @binding(4) var<storage, read_write> Out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= p.size) { return; }
  let s = segmentOf(j);
  let base = groupedBase(j, s);
#if ${X_BROADCAST}
  let xb = X[p.xOffset + j];
#endif
  for (var g = 0u; g < p.groups; g++) {
    let i = base + g * s.y;
#if ${X_BROADCAST}
    var v = p.a * xb;
#else
    var v = p.a * X[p.xOffset + i];
#endif
#if ${SCALE_GROUP}
    v *= S[p.scaleOffset + g];
#endif
#if ${SCALE_ELEMENT}
    v *= S[p.scaleOffset + j];
#endif
#if ${SCALE_TASK}
    v *= S[p.scaleOffset + i];
#endif
#if ${Y_SEPARATE}
    v += p.b * Y[p.yOffset + i];
#endif
#if ${Y_IN_PLACE}
    v += p.b * Out[p.outOffset + i];
#endif
    Out[p.outOffset + i] = v;
  }
}
