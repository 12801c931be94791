// Context adaptation (CAVIA-style, Zintgraf et al. 2019): each task owns a context vector c [E] that is fed,
// with the point's x, to the task model at every time step: row r of task b = r / points reads
// seq[r, t] = (x[r] · scale, c[b, 0..E)) for t < T. Two modes of one small kernel:
//   ROWS (STEP = 0): builds those input rows and the targets y[r] · scale, one invocation per (row, t).
//     With `reset`, c is taken as 0 and zeroed: every task starts its inner loop from the same c.
//   STEP (STEP = 1): the inner-loop update c[b] ← c[b] − α ∂L_b/∂c[b], with the gradient read from the GRU
//     backward's dx [rows, T, 1+E]: c is an input at every step of every row of the task, so its gradient is
//     dx's context columns summed over the task's rows and over time. One invocation per (b, j); the sum runs
//     in a fixed order, so results are deterministic.

struct Params {
  tasks: u32, points: u32, steps: u32, ctx: u32,
  xOffset: u32, yOffset: u32, cOffset: u32, seqOffset: u32,
  targetOffset: u32, reset: u32, scale: f32, alpha: f32, // STEP reads dx at seqOffset
}

@group(0) @binding(0) var<uniform> p: Params;
#if ${STEP}
@group(0) @binding(1) var<storage, read> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= p.tasks * p.ctx) { return; }
  let b = gid.x / p.ctx;
  let j = gid.x % p.ctx;
  let width = 1u + p.ctx;
  var g = 0.0;
  for (var i = 0u; i < p.points; i++) {
    let row = p.seqOffset + (b * p.points + i) * p.steps * width;
    for (var t = 0u; t < p.steps; t++) { g += dx[row + t * width + 1u + j]; }
  }
  c[p.cOffset + gid.x] -= p.alpha * g;
}
#else
@group(0) @binding(1) var<storage, read> episode: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let rows = p.tasks * p.points;
  if (gid.x >= rows * p.steps) { return; }
  let r = gid.x / p.steps;
  let t = gid.x % p.steps;
  let b = r / p.points;
  let width = 1u + p.ctx;
  let at = p.seqOffset + (r * p.steps + t) * width;
  out[at] = episode[p.xOffset + r] * p.scale;
  for (var j = 0u; j < p.ctx; j++) {
    // Under `reset` nobody reads c, so the zeroing below races with no reader.
    out[at + 1u + j] = select(c[p.cOffset + b * p.ctx + j], 0.0, p.reset != 0u);
  }
  if (t == 0u) {
    out[p.targetOffset + r] = episode[p.yOffset + r] * p.scale;
    if (p.reset != 0u && r % p.points == 0u) {
      for (var j = 0u; j < p.ctx; j++) { c[p.cOffset + b * p.ctx + j] = 0.0; }
    }
  }
}
#endif
