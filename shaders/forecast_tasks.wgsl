// Forecasting tasks: short series from a random dynamical system per task; the learner reads `context` steps
// and predicts the next `horizon` steps. Each task is, with probability 1/2, one of:
//   kind 0, damped oscillator: x_t = A e^{−γt} cos(ωt + φ) + e_t, A ~ U[0.5, 2], γ ~ U[0, 0.1],
//     ω ~ U[0.2, 1.2] rad/step (periods of 5 to 31 steps), φ ~ U[0, 2π), observation noise e_t of std 0.05;
//   kind 1, AR(2): x_t = a1 x_{t−1} + a2 x_{t−2} + e_t, a2 ~ U[−0.9, 0.5], a1 ~ U[−0.95, 0.95] · (1 − a2)
//     (inside the stationarity triangle with a margin, so every sampled process is stable), x_0, x_1 ~ U[−1, 1],
//     innovations e_t of std 0.1.
// Noise is uniform (std σ: U[−√3σ, √3σ]) so the CPU reference needs no log/cos of its own draws. AR(2) is a
// recursion, so one invocation owns a whole task (tasks are few; series are short). Every number is
// Philox(counter = (task, point or 0xffffffff−k, step, stream), key = (seed, 'fcst')).
// Writes into one buffer at the offsets in Params (bindings: episode_sampler.wgsl):
//   context [B, C], future [B, P] (the targets), task [B, 6] = (kind, A, γ, ω, φ, 0) or (kind, a1, a2, x0, x1, 0),
//   sequence [B, C+P, 2]: what the black-box learner reads — context steps (x_t, 1), then query steps (0, 0):
//   the queries never see a true future value (no teacher forcing).

struct Params {
  tasks: u32, context: u32, horizon: u32, seed: u32,
  stream: u32, stepOffset: u32, contextOut: u32, futureOut: u32,
  taskOut: u32, sequence: u32, _p0: u32, _p1: u32,
}

const SQRT3 = 1.7320508075688772;

fn noise(u: u32, sigma: f32) -> f32 {
  return (2.0 * philoxUnit(u) - 1.0) * SQRT3 * sigma;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  if (b >= p.tasks) { return; }
  let s = step[p.stepOffset];
  let key = vec2<u32>(p.seed, 0x66637374u);
  let d0 = philox4x32(vec4<u32>(b, 0xffffffffu, s, p.stream), key);
  let d1 = philox4x32(vec4<u32>(b, 0xfffffffeu, s, p.stream), key);
  let kind = select(0u, 1u, philoxUnit(d0.x) >= 0.5);
  let n = p.context + p.horizon;
  var prev1 = 0.0; // x_{t−1}
  var prev2 = 0.0; // x_{t−2}
  var q = array<f32, 5>();
  if (kind == 0u) {
    q = array<f32, 5>(0.0, 0.5 + 1.5 * philoxUnit(d0.y), 0.1 * philoxUnit(d0.z),
                      0.2 + philoxUnit(d0.w), 2.0 * PI * philoxUnit(d1.x));
  } else {
    let a2 = -0.9 + 1.4 * philoxUnit(d0.y);
    let a1 = (-0.95 + 1.9 * philoxUnit(d0.z)) * (1.0 - a2);
    q = array<f32, 5>(1.0, a1, a2, -1.0 + 2.0 * philoxUnit(d0.w), -1.0 + 2.0 * philoxUnit(d1.x));
  }
  for (var k = 0u; k < 5u; k++) { out[p.taskOut + 6u * b + k] = q[k]; }
  out[p.taskOut + 6u * b + 5u] = 0.0;
  for (var i = 0u; i < n; i++) {
    let r = philox4x32(vec4<u32>(b, i, s, p.stream), key);
    var x: f32;
    if (kind == 0u) {
      let t = f32(i);
      x = q[1] * exp(-q[2] * t) * cos(reduceAngle(q[3] * t + q[4])) + noise(r.x, 0.05);
    } else if (i == 0u) {
      x = q[3];
    } else if (i == 1u) {
      x = q[4];
    } else {
      x = q[1] * prev1 + q[2] * prev2 + noise(r.x, 0.1);
    }
    prev2 = prev1;
    prev1 = x;
    let seq = p.sequence + (b * n + i) * 2u;
    if (i < p.context) {
      out[p.contextOut + b * p.context + i] = x;
      out[seq] = x;
      out[seq + 1u] = 1.0;
    } else {
      out[p.futureOut + b * p.horizon + i - p.context] = x;
      out[seq] = 0.0;
      out[seq + 1u] = 0.0;
    }
  }
}
