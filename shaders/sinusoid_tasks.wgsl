// Sinusoid regression tasks, the MAML protocol (Finn et al. 2017): y = A sin(x + φ), A ~ U[0.1, 5],
// φ ~ U[0, π], x ~ U[−5, 5]; K support points and Q query points per task. Sampled on the GPU so that tasks
// never cross the bus: every number is Philox(counter = (task, point, step, stream), key = (seed, 'meta')),
// so a given seed and step give the same tasks on any device. One invocation per (task, point).
// Writes into one buffer at the offsets in Params (bindings: episode_sampler.wgsl):
//   supportX, supportY [B, K]; queryX, queryY [B, Q]; queryT [B, Q] = y/5 (training target: outputs of
//   order 1 train faster than outputs of order 5); task [B, 2] = (A, φ);
//   sequence [B, K+Q, 3]: the episode as the black-box learner reads it — support steps (x/5, y/5, 1), then
//   query steps (x/5, 0, 0): inputs scaled to about [−1, 1], the target withheld on queries.

struct Params {
  tasks: u32, shots: u32, queries: u32, seed: u32,
  stream: u32, stepOffset: u32, supportX: u32, supportY: u32,
  queryX: u32, queryY: u32, task: u32, sequence: u32,
  queryT: u32, _p0: u32, _p1: u32, _p2: u32,
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let points = p.shots + p.queries;
  if (gid.x >= p.tasks * points) { return; }
  let b = gid.x / points;
  let i = gid.x % points;
  let s = step[p.stepOffset];
  let key = vec2<u32>(p.seed, 0x6d657461u);
  let t = philox4x32(vec4<u32>(b, 0xffffffffu, s, p.stream), key);
  let amp = 0.1 + 4.9 * philoxUnit(t.x);
  let phase = PI * philoxUnit(t.y);
  let r = philox4x32(vec4<u32>(b, i, s, p.stream), key);
  let x = -5.0 + 10.0 * philoxUnit(r.x);
  let y = amp * sin(reduceAngle(x + phase)); // x + φ lies in [−5, 8.2]
  if (i == 0u) {
    out[p.task + 2u * b] = amp;
    out[p.task + 2u * b + 1u] = phase;
  }
  let seq = p.sequence + (b * points + i) * 3u;
  if (i < p.shots) {
    out[p.supportX + b * p.shots + i] = x;
    out[p.supportY + b * p.shots + i] = y;
    out[seq] = x / 5.0;
    out[seq + 1u] = y / 5.0;
    out[seq + 2u] = 1.0;
  } else {
    let q = i - p.shots;
    out[p.queryX + b * p.queries + q] = x;
    out[p.queryY + b * p.queries + q] = y;
    out[p.queryT + b * p.queries + q] = y / 5.0;
    out[seq] = x / 5.0;
    out[seq + 1u] = 0.0;
    out[seq + 2u] = 0.0;
  }
}
