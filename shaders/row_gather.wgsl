// Copies rows by index: Out row r (its first `cols` values) = In row Index[r]. Inductive scoring runs each
// query in a sequence of its own after the support set, so one support image appears in as many rows as its
// episode has queries: the encoder embeds every image once and this kernel places the embeddings in the
// sequence rows (src/meta/blackbox_classifier.ts, predict). Rows of In and Out are their own strides apart, so
// Out may be the first columns of a wider tensor (the GRU input). One invocation per output value, indexed
// i = gid.x + gid.y · nwg.x · 64 (flatGrid in src/runtime/recorder.ts); columns past `cols` are left as they are.

struct Params {
  rows: u32, cols: u32, inOffset: u32, inStride: u32,
  outOffset: u32, outStride: u32, indexOffset: u32, inRows: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> In: array<f32>;
@group(0) @binding(2) var<storage, read> Index: array<u32>;
@group(0) @binding(3) var<storage, read_write> Out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.rows * p.cols) { return; }
  let r = i / p.cols;
  let c = i % p.cols;
  // An index past In's rows reads its last row rather than out of bounds (indices live on the GPU: the
  // wrapper cannot check them).
  let src = min(Index[p.indexOffset + r], p.inRows - 1u);
  Out[p.outOffset + r * p.outStride + c] = In[p.inOffset + src * p.inStride + c];
}
