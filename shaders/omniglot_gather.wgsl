// Gathers episode pixels from the images resident on the GPU: pixels[row] = image(codes[row]), turned by
// (code % 4) × 90° counter-clockwise while reading, so rotated classes cost no memory (same index map as
// omniglotPixel in src/data/omniglot.ts). One invocation per output image row: enough work per invocation
// for the software adapter, enough invocations for a real GPU.

struct Params {
  rows: u32, size: u32, codesOffset: u32, imagesOffset: u32,
  pixelsOffset: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read> images: array<f32>;
@group(0) @binding(3) var<storage, read_write> pixels: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let S = p.size;
  if (gid.x >= p.rows * S) { return; }
  let row = gid.x / S;
  let y = gid.x % S;
  let code = codes[p.codesOffset + row];
  let src = p.imagesOffset + (code / 4u) * S * S;
  let dst = p.pixelsOffset + row * S * S + y * S;
  let e = S - 1u;
  let turns = code % 4u;
  for (var x = 0u; x < S; x++) {
    var i: u32;
    switch turns {
      case 0u: { i = y * S + x; }
      case 1u: { i = x * S + (e - y); }
      case 2u: { i = (e - y) * S + (e - x); }
      default: { i = (e - x) * S + y; }
    }
    pixels[dst + x] = images[src + i];
  }
}
