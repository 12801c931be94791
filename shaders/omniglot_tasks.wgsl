// N-way K-shot Omniglot episodes sampled on the GPU, so that only image indices are ever drawn and no episode
// crosses the bus. Every number is Philox(counter = (task, draw, step, stream), key = (seed, 'omni')), draw
// counting up within a task, so a seed and step give the same episode on any device (CPU twin:
// src/layout/omniglot_codes.ts). One invocation per episode: the draws of one episode depend on each other
// (classes and drawers without replacement), and the pixels are gathered by a separate, parallel kernel.
//   classes: Floyd's algorithm picks N distinct pool entries with exactly N draws and no [pool] array, then
//            Fisher–Yates shuffles them: a class's label is its position, so labels are a fresh permutation.
//   steps:   support items (class c, shot k) go to random distinct steps 0..NK−1, queries to NK..T−1.
//   drawers: per class, Floyd + shuffle picks K + Q distinct drawings: the first K support, the rest query.
// Writes per step row = task * T + step: codes[row] = image * 4 + quarterTurns; labels[row] = class label (f32);
// with shift > 0 (augmentation), codes[row] = ((image * 4 + quarterTurns) * span + dy) * span + dx, span = 2 shift + 1:
// the gather moves the image by (dy − shift, dx − shift) pixels; dy, dx come from their own Philox counter
// (draw = 0x80000000 | step), so the other draws are the same with or without shifts.
// slots [row, N] at slotStride (the label columns of the GRU input): one-hot of the previous step's label when
// that step was a support step, else zeros (Santoro et al. 2016: the label arrives one step after its image).
// With PAIRED, a support step shows its image and label together: its slots hold its own label's one-hot and
// labels[row] = −1 (no loss: the answer is given); query steps have zero slots.
// With POOL_LABELS, labels[row] is instead the class's position in the pool (a label over every training class,
// for pretraining the image encoder as a classifier).

struct Params {
  tasks: u32, ways: u32, shots: u32, queries: u32,
  seed: u32, stream: u32, stepOffset: u32, rotations: u32,
  poolOffset: u32, poolSize: u32, charStart: u32, charCount: u32,
  codesOffset: u32, labelsOffset: u32, slotOffset: u32, slotStride: u32,
  shift: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> step: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read_write> codes: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// Bounds checked by the host (src/kernels/omniglot_tasks.ts).
const MAX_WAYS = 64u;
const MAX_SET = 256u;
const MAX_DRAW = 32u;

var<private> task: u32;
var<private> draw: u32;
var<private> stepNo: u32;

/** Uniform integer in [0, n): the high word of r · n (Lemire), one Philox call per draw. */
fn below(n: u32) -> u32 {
  let r = philox4x32(vec4<u32>(task, draw, stepNo, p.stream), vec2<u32>(p.seed, 0x6f6d6e69u)).x;
  draw++;
  return philoxMulhilo(r, n).x;
}

fn writeSlot(row: u32, label: u32) {
  let base = p.slotOffset + row * p.slotStride;
  for (var j = 0u; j < p.ways; j++) { out[base + j] = select(0.0, 1.0, j == label); }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= p.tasks) { return; }
  task = gid.x;
  draw = 0u;
  stepNo = step[p.stepOffset];
  let N = p.ways;
  let K = p.shots;
  let Q = p.queries;
  let P = p.poolSize;
  let T = N * (K + Q);

  // Always `= array<…>()`: a bare declaration is not re-zeroed on every adapter.
  var cls = array<u32, MAX_WAYS>();
  for (var j = P - N; j < P; j++) {
    let t = below(j + 1u);
    var taken = false;
    for (var i = 0u; i < j - (P - N); i++) { taken = taken || cls[i] == t; }
    cls[j - (P - N)] = select(t, j, taken);
  }
  for (var i = N - 1u; i > 0u; i--) {
    let j = below(i + 1u);
    let v = cls[i]; cls[i] = cls[j]; cls[j] = v;
  }
  var sPos = array<u32, MAX_SET>();
  for (var i = 0u; i < N * K; i++) { sPos[i] = i; }
  for (var i = N * K - 1u; i > 0u; i--) {
    let j = below(i + 1u);
    let v = sPos[i]; sPos[i] = sPos[j]; sPos[j] = v;
  }
  var qPos = array<u32, MAX_SET>();
  for (var i = 0u; i < N * Q; i++) { qPos[i] = i; }
  for (var i = N * Q - 1u; i > 0u; i--) {
    let j = below(i + 1u);
    let v = qPos[i]; qPos[i] = qPos[j]; qPos[j] = v;
  }

  for (var c = 0u; c < N; c++) {
    let id = table[p.poolOffset + cls[c]];
    let ch = id / p.rotations;
    let turns = id % p.rotations;
    let start = table[p.charStart + ch];
    let count = table[p.charCount + ch];
    let M = K + Q;
    var dr = array<u32, MAX_DRAW>();
    for (var j = count - M; j < count; j++) {
      let t = below(j + 1u);
      var taken = false;
      for (var i = 0u; i < j - (count - M); i++) { taken = taken || dr[i] == t; }
      dr[j - (count - M)] = select(t, j, taken);
    }
    for (var i = M - 1u; i > 0u; i--) {
      let j = below(i + 1u);
      let v = dr[i]; dr[i] = dr[j]; dr[j] = v;
    }
    for (var k = 0u; k < M; k++) {
      var s: u32;
      if (k < K) { s = sPos[c * K + k]; } else { s = N * K + qPos[c * Q + k - K]; }
      let row = task * T + s;
      var code = (start + dr[k]) * 4u + turns;
      if (p.shift > 0u) {
        let span = 2u * p.shift + 1u;
        let r = philox4x32(vec4<u32>(task, 0x80000000u | s, stepNo, p.stream), vec2<u32>(p.seed, 0x6f6d6e69u));
        code = (code * span + philoxMulhilo(r.x, span).x) * span + philoxMulhilo(r.y, span).x;
      }
      codes[p.codesOffset + row] = code;
#if ${POOL_LABELS}
      out[p.labelsOffset + row] = f32(cls[c]);
#else
      out[p.labelsOffset + row] = f32(c);
#endif
#if ${PAIRED}
      if (k < K) {
        out[p.labelsOffset + row] = -1.0;
        writeSlot(row, c);
      } else {
        writeSlot(row, MAX_WAYS);
      }
#else
      // Each step's slot is written exactly once: steps 1..NK by their support predecessor, step 0 and the
      // queries after the first by themselves (zeros).
      if (k < K) {
        writeSlot(row + 1u, c);
        if (s == 0u) { writeSlot(row, MAX_WAYS); }
      } else if (s != N * K) {
        writeSlot(row, MAX_WAYS);
      }
#endif
    }
  }
}
