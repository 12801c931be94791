// Philox4x32-10 (Salmon et al., SC'11): a counter-based RNG, a pure function of (counter, key), so every
// invocation draws its own numbers with no state and the same seed gives the same tasks on any device.
// WGSL has no 64-bit integers: the 32x32 -> 64-bit product is assembled from 16-bit halves.
// Prepended to kernels that sample (see src/kernels/sinusoid_tasks.ts).

fn philoxMulhilo(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}

fn philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let p0 = philoxMulhilo(0xD2511F53u, c.x);
    let p1 = philoxMulhilo(0xCD9E8D57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k += vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

// Uniform in [0, 1) from the top 24 bits (exactly representable in f32).
fn philoxUnit(u: u32) -> f32 {
  return f32(u >> 8u) * (1.0 / 16777216.0);
}
