// Shared by the group kernels (prepended to group_axpy, group_mean, group_norm): the uniforms and the map
// from (task g, element j of the shared vector) to the per-task buffer, where each tensor e of the shared
// vector ([start_e, start_e + size_e)) is stored as [groups, size_e] at groups · start_e — the layout of
// per-task weights in gruParamLayout and the linear kernels. See src/layout/group_layout.ts.

struct Params {
  groups: u32, size: u32, segments: u32, _p0: u32,
  xOffset: u32, yOffset: u32, outOffset: u32, scaleOffset: u32,
  a: f32, b: f32, _p1: u32, _p2: u32,
  seg: array<vec4<u32>, 8>, // (start, size) of tensor 2k in .xy, of tensor 2k + 1 in .zw (MAX_SEGMENTS = 16)
}

@group(0) @binding(0) var<uniform> p: Params;

fn segmentAt(e: u32) -> vec2<u32> {
  let q = p.seg[e / 2u];
  return select(q.xy, q.zw, (e & 1u) == 1u);
}

// (start, size) of the tensor holding shared element j: the last one starting at or before j.
fn segmentOf(j: u32) -> vec2<u32> {
  var s = segmentAt(0u);
  for (var e = 1u; e < p.segments; e++) {
    let c = segmentAt(e);
    if (j >= c.x) { s = c; }
  }
  return s;
}

// Index of (task 0, shared element j) in the per-task buffer; task g is g · size further on.
fn groupedBase(j: u32, s: vec2<u32>) -> u32 {
  return p.groups * s.x + (j - s.x);
}
