// Gathers episode pixels from the images resident on the GPU: pixels[row] = image(codes[row]), turned by
// (code % 4) × 90° counter-clockwise while reading, so rotated classes cost no memory (same index map as
// omniglotPixel in src/data/omniglot.ts). With shift > 0, codes carry a translation as well (see
// omniglot_tasks.wgsl): the turned image moves by (dy − shift, dx − shift) pixels, zeros filling in. One invocation per output image row: enough work per invocation
// for the software adapter, enough invocations for a real GPU.

struct Params {
  rows: u32, size: u32, codesOffset: u32, imagesOffset: u32,
  pixelsOffset: u32, shift: u32, _p1: u32, _p2: u32,
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
  let span = 2u * p.shift + 1u;
  let full = codes[p.codesOffset + row];
  let code = full / (span * span);
  // The source pixel of output (y, x) is (y + shift − dy, x + shift − dx) of the turned image.
  let sy = i32(y) + i32(p.shift) - i32((full / span) % span);
  let ox = i32(p.shift) - i32(full % span);
  let src = p.imagesOffset + (code / 4u) * S * S;
  let dst = p.pixelsOffset + row * S * S + y * S;
  let e = S - 1u;
  let turns = code % 4u;
  for (var x = 0u; x < S; x++) {
    let sx = i32(x) + ox;
    if (sy < 0 || sy >= i32(S) || sx < 0 || sx >= i32(S)) {
      pixels[dst + x] = 0.0;
      continue;
    }
    let v = u32(sy);
    let u = u32(sx);
    var i: u32;
    switch turns {
      case 0u: { i = v * S + u; }
      case 1u: { i = u * S + (e - v); }
      case 2u: { i = (e - v) * S + (e - u); }
      default: { i = (e - u) * S + v; }
    }
    pixels[dst + x] = images[src + i];
  }
}
