// Binds each image's embedding to its label in the black-box classifier's GRU input, whose rows read
// [embedding (E) | label slots (N) | bound block (N·E)]. The label slots of row r hold the one-hot label of
// row r − lag when that step was a support step, else zeros: lag 1 when the label arrives one step after its
// image (Santoro et al. 2016), lag 0 when a support step shows image and label together. The bound block puts
// that step's embedding into the block of its label:
//   forward:  X[r, E + N + k·E + j] = X[r, E + k] · X[r − lag, j]              (0 at steps t < lag)
//   backward: DX[r, j] += Σ_k X[r + lag, E + k] · DX[r + lag, E + N + k·E + j]  (r + lag inside the episode)
// The GRU then only has to add bound blocks into its state to hold "label k looked like this", instead of
// learning a three-way product of query image, support image and label (BENCHMARKS.md, Omniglot).
// One invocation per (row, j); rows `stride` elements apart in X and DX alike. The backward adds in place to
// the embedding columns of DX (which the bound-block columns it reads never alias).

struct Params {
  rows: u32, steps: u32, embed: u32, ways: u32,
  xOffset: u32, stride: u32, dxOffset: u32, lag: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
#if ${BACKWARD}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
#else
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
#endif

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= p.rows * p.embed) { return; }
  let r = gid.x / p.embed;
  let j = gid.x % p.embed;
  let t = r % p.steps;
  let E = p.embed;
  let N = p.ways;
#if ${BACKWARD}
  if (t + p.lag >= p.steps) { return; }
  let next = p.xOffset + (r + p.lag) * p.stride;
  let dNext = p.dxOffset + (r + p.lag) * p.stride;
  var sum = 0.0;
  for (var k = 0u; k < N; k++) { sum += X[next + E + k] * DX[dNext + E + N + k * E + j]; }
  DX[p.dxOffset + r * p.stride + j] += sum;
#else
  let row = p.xOffset + r * p.stride;
  var e = 0.0;
  if (t >= p.lag) { e = X[row - p.lag * p.stride + j]; }
  for (var k = 0u; k < N; k++) { X[row + E + N + k * E + j] = X[row + E + k] * e; }
#endif
}
