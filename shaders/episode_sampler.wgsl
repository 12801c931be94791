// Shared by the samplers that write whole episodes into one f32 buffer (prepended after philox.wgsl to
// sinusoid_tasks and forecast_tasks; src/kernels/episode_sampler.ts packs their Params, which start with
// tasks, two sizes, seed, stream and stepOffset, then the offset of each part of the episode): the step
// number, read on the GPU so that the host bumps it between replays without re-recording, the episode
// buffer `out`, and the argument reduction their sin and cos need.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> step: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

const PI = 3.14159265358979;

// a − 2π·round(a / 2π), in [−π, π]: WGSL promises sin and cos to 2^-11 absolute only there.
fn reduceAngle(a: f32) -> f32 {
  return a - 2.0 * PI * round(a / (2.0 * PI));
}
