// Shared by the row-wise kernels relu and layer_norm (prepended by their wrappers, which pack Params in
// src/kernels/strided_rows.ts): [rows, cols] in and out, each side with its own row stride, so that an encoder
// reads or writes its columns of a wider tensor in place. Row r of In starts at inOffset + r·inStride, and
// likewise for Out and DOut:
//   forward:  In = x, Out = y
//   backward: In = x (the forward input), DOut = dy, Out = dx (contiguous)

struct Params {
  rows: u32, cols: u32, inOffset: u32, inStride: u32,
  outOffset: u32, outStride: u32, gradOffset: u32, gradStride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> In: array<f32>;
#if ${BACKWARD}
@group(0) @binding(2) var<storage, read> DOut: array<f32>;
#endif
@group(0) @binding(3) var<storage, read_write> Out: array<f32>;
