// A 3×3 convolution's input patches as rows, so that the tiled linear kernels compute the convolution:
//   forward:  Cols[(b, oy, ox), (c, ky, kx)] = In[b, oy·s − 1 + ky, ox·s − 1 + kx, c]    (0 outside: padding 1)
//   backward: DIn[b, y, x, c] = Σ over the (oy, ox, ky, kx) that read (y, x) of DCols[(b, oy, ox), (c, ky, kx)]
// Images are channels-last [B, H, W, C] (what a linear layer over patch rows writes); a patch row's columns
// follow PyTorch's Conv2d weight [Cout, Cin, 3, 3], so weights load by name. The backward is a gather (each
// input element sums the at most 9 patch entries that copied it), so no two invocations write one element.
// One invocation per output element in both directions.

struct Params {
  batch: u32, height: u32, width: u32, channels: u32,
  stride: u32, outH: u32, outW: u32, inOffset: u32,
  outOffset: u32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> In: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u; // a flat index over a 2-D grid (flatGrid in src/runtime/recorder.ts)
  let C = p.channels;
#if ${BACKWARD}
  // Out = DIn [B, H, W, C]; In = DCols [B·outH·outW, C·9].
  if (i >= p.batch * p.height * p.width * C) { return; }
  let c = i % C;
  let x = (i / C) % p.width;
  let y = (i / (C * p.width)) % p.height;
  let b = i / (C * p.width * p.height);
  var sum = 0.0;
  for (var ky = 0u; ky < 3u; ky++) {
    // y = oy·s − 1 + ky  ⇒  oy = (y + 1 − ky) / s when that divides exactly and lands inside.
    let ny = i32(y) + 1 - i32(ky);
    if (ny < 0 || ny % i32(p.stride) != 0) { continue; }
    let oy = u32(ny) / p.stride;
    if (oy >= p.outH) { continue; }
    for (var kx = 0u; kx < 3u; kx++) {
      let nx = i32(x) + 1 - i32(kx);
      if (nx < 0 || nx % i32(p.stride) != 0) { continue; }
      let ox = u32(nx) / p.stride;
      if (ox >= p.outW) { continue; }
      let row = (b * p.outH + oy) * p.outW + ox;
      sum += In[p.inOffset + row * C * 9u + c * 9u + ky * 3u + kx];
    }
  }
  Out[p.outOffset + i] = sum;
#else
  // In = images [B, H, W, C]; Out = Cols [B·outH·outW, C·9].
  if (i >= p.batch * p.outH * p.outW * C * 9u) { return; }
  let k = i % 9u;
  let c = (i / 9u) % C;
  let row = i / (9u * C);
  let ox = row % p.outW;
  let oy = (row / p.outW) % p.outH;
  let b = row / (p.outW * p.outH);
  let y = i32(oy * p.stride + k / 3u) - 1;
  let x = i32(ox * p.stride + k % 3u) - 1;
  var v = 0.0;
  if (y >= 0 && y < i32(p.height) && x >= 0 && x < i32(p.width)) {
    v = In[p.inOffset + ((b * p.height + u32(y)) * p.width + u32(x)) * C + c];
  }
  Out[p.outOffset + i] = v;
#endif
}
