// Softmax cross-entropy per task group, with its gradient and per-row correctness, in one pass:
//   loss[g]    = mean over the group's counted rows of  logsumexp(x[q, :]) - x[q, label[q]]
//   grad[q, c] = scale * (softmax(x[q, :])[c] - [c == label[q]]) / count        (0 for ignored rows)
//   correct[q] = 1 if argmax(x[q, :]) == label[q] else 0; -1 for ignored rows
// Labels are class indices stored as f32. A label outside [0, classes) (use -1) marks a row ignored: it adds
// no loss and gets zero gradient, so tasks padded to a common row count cost nothing. A group with no
// counted rows reports loss 0 rather than NaN, so one empty task cannot poison a meta-batch average.
// Rows subtract their max before exp, so large logits neither overflow nor lose the loss to rounding.
// argmax keeps the first of equal maxima (as torch.argmax).
// One workgroup per group, one invocation per row (class counts are small in few-shot tasks). Two sums in
// workgroup memory: the counted rows first (the gradient needs the count), then the loss.
// Logit rows may be strided as in linear_forward; labels, grad and correct are contiguous.

struct Params {
  groups: u32, rowsPerGroup: u32, classes: u32, logitsOffset: u32,
  logitsBlock: u32, logitsBlockStride: u32, logitsRowStride: u32, labelsOffset: u32,
  lossOffset: u32, gradOffset: u32, correctOffset: u32, scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> Logits: array<f32>;
@group(0) @binding(2) var<storage, read> Labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> Loss: array<f32>;
#if ${HAS_GRAD}
@group(0) @binding(4) var<storage, read_write> Grad: array<f32>;
#endif
#if ${HAS_CORRECT}
@group(0) @binding(5) var<storage, read_write> Correct: array<f32>;
#endif

const WG = 64u;

fn logitRow(q: u32) -> u32 {
  return p.logitsOffset + (q / p.logitsBlock) * p.logitsBlockStride + (q % p.logitsBlock) * p.logitsRowStride;
}

/** The row's class, or -1 if the row is ignored. */
fn labelOf(q: u32) -> i32 {
  let v = Labels[p.labelsOffset + q];
  if (v >= 0.0 && v < f32(p.classes)) { return i32(v); }
  return -1;
}

/** Sum of `v` over the workgroup; every invocation gets the total. Call from uniform control flow. */
fn groupSum(v: f32, lid: u32) -> f32 {
  treeSum(v, lid);
  workgroupBarrier();
  let total = partial[0];
  workgroupBarrier(); // the next groupSum overwrites partial
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let rows = p.rowsPerGroup;
  let C = p.classes;
  var counted = 0.0;
  for (var r = lid; r < rows; r += WG) {
    if (labelOf(g * rows + r) >= 0) { counted += 1.0; }
  }
  let count = groupSum(counted, lid);
  // With count = 0 every row is ignored, so max(count, 1) only avoids a division by zero.
  let gradScale = p.scale / max(count, 1.0);

  var lossSum = 0.0;
  for (var r = lid; r < rows; r += WG) {
    let q = g * rows + r;
    let x = logitRow(q);
    let y = labelOf(q);
    var m = Logits[x];
    var best = 0u;
    for (var c = 1u; c < C; c++) {
      let v = Logits[x + c];
      if (v > m) { m = v; best = c; }
    }
    var s = 0.0;
    for (var c = 0u; c < C; c++) { s += exp(Logits[x + c] - m); }
    if (y >= 0) { lossSum += log(s) + m - Logits[x + u32(y)]; }
#if ${HAS_CORRECT}
    Correct[p.correctOffset + q] = select(select(0.0, 1.0, i32(best) == y), -1.0, y < 0);
#endif
#if ${HAS_GRAD}
    let gq = p.gradOffset + q * C;
    for (var c = 0u; c < C; c++) {
      let d = exp(Logits[x + c] - m) / s - select(0.0, 1.0, i32(c) == y);
      Grad[gq + c] = select(0.0, d * gradScale, y >= 0);
    }
#endif
  }
  let total = groupSum(lossSum, lid);
  if (lid == 0u) { Loss[p.lossOffset + g] = total / max(count, 1.0); }
}
