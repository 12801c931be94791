// The operands of the GRU's forward recurrence, shared by gru_forward.wgsl and gru_forward_broadcast.wgsl
// (prepended by their wrappers): both are dispatched with the same uniforms and buffers by gruForward.

struct Params {
  batch: u32, steps: u32, rowsPerGroup: u32, bGroupStride: u32,
  _p1: u32, whhOffset: u32, bhhOffset: u32, wGroupStride: u32,
  h0Offset: u32, hsOffset: u32, gatesOffset: u32, hnOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> params: array<f32>;  // W_hh [groups, 3H, H], b_hh [groups, 3H]
#if ${HAS_H0}
@group(0) @binding(3) var<storage, read> h0: array<f32>;      // [B, H]
#endif
@group(0) @binding(4) var<storage, read_write> hs: array<f32>;    // [B, T+1, H]
@group(0) @binding(5) var<storage, read_write> gates: array<f32>; // [B, T, 4H]: in gi (3H), out r, z, n, hn
#if ${HAS_HN}
@group(0) @binding(6) var<storage, read_write> hn: array<f32>;    // [B, H]
#endif
