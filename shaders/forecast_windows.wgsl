// Cuts each task's series (forecast_tasks: context [B, C], then future [B, P]) into one-step-ahead windows
// for the gradient-based learners' GRU task model, which reads W past values and predicts the next:
//   support row r (r < C − W):  x = s[r .. r+W),          y = s[r+W]      (windows inside the context)
//   query row q (q < P):        x = s[C+q−W .. C+q),      y = s[C+q]      (each future value from the W
//                                                                           observed values before it)
// where s = context ++ future. Rows go to [B, rows, W] (x) and [B, rows] (y), contiguous: the task model
// reads x as [rows, T = W, 1]. One invocation per (task, row).

struct Params {
  tasks: u32, context: u32, horizon: u32, window: u32,
  contextOffset: u32, futureOffset: u32, supportX: u32, supportY: u32,
  queryX: u32, queryY: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> episode: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn series(b: u32, t: u32) -> f32 {
  if (t < p.context) { return episode[p.contextOffset + b * p.context + t]; }
  return episode[p.futureOffset + b * p.horizon + t - p.context];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let S = p.context - p.window; // support rows per task
  let rows = S + p.horizon;
  if (gid.x >= p.tasks * rows) { return; }
  let b = gid.x / rows;
  let r = gid.x % rows;
  var end: u32; // index of the target in the series
  var x: u32;
  var y: u32;
  if (r < S) {
    end = p.window + r;
    x = p.supportX + (b * S + r) * p.window;
    y = p.supportY + b * S + r;
  } else {
    let q = r - S;
    end = p.context + q;
    x = p.queryX + (b * p.horizon + q) * p.window;
    y = p.queryY + b * p.horizon + q;
  }
  for (var s = 0u; s < p.window; s++) { out[x + s] = series(b, end - p.window + s); }
  out[y] = series(b, end);
}
