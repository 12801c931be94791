// The operands of the GRU's backward recurrence, shared by gru_backward.wgsl and gru_backward_broadcast.wgsl
// (prepended by their wrappers): both are dispatched with the same uniforms and buffers by gruBackward.

struct Params {
  batch: u32, steps: u32, rowsPerGroup: u32, _p0: u32,
  doutOffset: u32, dhnOffset: u32, whhOffset: u32, wGroupStride: u32,
  hsOffset: u32, gatesOffset: u32, _p4: u32, _p5: u32,
  dh0Offset: u32, _p1: u32, _p2: u32, _p3: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
#if ${HAS_DOUT}
@group(0) @binding(1) var<storage, read> dout: array<f32>;   // [B, T, H]
#endif
#if ${HAS_DHN}
@group(0) @binding(2) var<storage, read> dhn: array<f32>;    // [B, H]
#endif
@group(0) @binding(3) var<storage, read> params: array<f32>; // W_hh [groups, 3H, H]
@group(0) @binding(4) var<storage, read> hs: array<f32>;     // [B, T+1, H]
@group(0) @binding(5) var<storage, read_write> gates: array<f32>; // [B, T, 4H]: in (r, z, n, hn), out d(gates)
#if ${HAS_DH0}
@group(0) @binding(6) var<storage, read_write> dh0: array<f32>; // [B, H]
#endif
