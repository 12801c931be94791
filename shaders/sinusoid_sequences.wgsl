// Turns each sinusoid task (the episode's sequence part, written by sinusoid_tasks: K support steps
// (x/5, y/5, 1) then Q query steps (x/5, 0, 0), [B, K+Q, 3]) into rows that the MAML family's GRU task model
// reads as sequences of T = K + 1 steps of 3 inputs, predicting y at the last step (--read-support):
//   query row q (q < Q):    the K support pairs in order, then (x_q/5, 0, 0)
//   support row j (j < K):  a blank (0, 0, 0), the other K − 1 pairs in order, then (x_j/5, 0, 0)
// Support rows leave their own pair out, so the inner loop cannot fit a label by reading it; the blank
// keeps every row T long with the point to predict at step K. Rows go to supportX [B, K, T, 3] and queryX
// [B, Q, T, 3], contiguous; the targets stay in the episode (supportY, queryY). One invocation per
// (task, row, step).

struct Params {
  tasks: u32, shots: u32, queries: u32, sequence: u32,
  supportX: u32, queryX: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> episode: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let K = p.shots;
  let T = K + 1u;
  let rows = K + p.queries;
  if (gid.x >= p.tasks * rows * T) { return; }
  let s = gid.x % T;
  let r = (gid.x / T) % rows;
  let b = gid.x / (T * rows);
  var dst: u32;
  var src = 0u; // the episode step copied here: support pair i is step i, query q is step K + q
  var width = 3u; // how many of its values are copied; the others are 0
  if (r < K) {
    dst = p.supportX + ((b * K + r) * T + s) * 3u;
    if (s == 0u) {
      width = 0u;
    } else if (s < K) {
      src = s - 1u + select(0u, 1u, s - 1u >= r);
    } else {
      src = r;
      width = 1u; // x_j / 5 alone: the label it is asked for is withheld
    }
  } else {
    let q = r - K;
    dst = p.queryX + ((b * p.queries + q) * T + s) * 3u;
    src = select(K + q, s, s < K);
  }
  let at = p.sequence + (b * rows + src) * 3u;
  for (var c = 0u; c < 3u; c++) {
    var v = 0.0;
    if (c < width) { v = episode[at + c]; }
    out[dst + c] = v;
  }
}
