// One Adam / AdamW step over a flat parameter buffer, bias-corrected as torch.optim.Adam and AdamW:
//   g' = g * min(1, clip / ||g||)                      (clip > 0 only; ||g||² comes from grad_norm)
//   p  = p * (1 - lr * weightDecay)                    (decoupled decay; 0 gives plain Adam)
//   m  = b1 * m + (1 - b1) * g'        v = b2 * v + (1 - b2) * g'²
//   p  = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Hyper-parameters live in the `hyper` storage tensor, not in uniforms, so the host changes lr or t with one
// queue.writeBuffer and replays the recorded program. Slot indices come from src/kernels/adam.ts.
// A non-finite ||g||² skips the step (skipStep, optim_step.wgsl): p, m and v stay as they are, and
// invocation 0 counts the skip in the SKIPPED slot and in IN_A_ROW, which a finite step sets back to 0 (the
// trainer stops a run after too many skips in a row: src/meta/train.ts). No other invocation touches those
// slots in this dispatch: no race.

struct Params { n: u32, paramsOffset: u32, gradsOffset: u32, mOffset: u32, vOffset: u32, hyperOffset: u32, _p0: u32, _p1: u32 }

@group(0) @binding(0) var<uniform> p: Params;
#if ${VEC4}
// VEC4 (the software adapter, where n and the four offsets are multiples of 4: adamStep): the same step on
// vec4s, n / 4 of them, so each load and store moves 4 elements.
alias T = vec4<f32>;
#else
alias T = f32;
#endif
@group(0) @binding(1) var<storage, read_write> P: array<T>;
@group(0) @binding(2) var<storage, read> G: array<T>;
@group(0) @binding(3) var<storage, read_write> M: array<T>;
@group(0) @binding(4) var<storage, read_write> V: array<T>;
@group(0) @binding(5) var<storage, read_write> H: array<f32>;

const IN_A_ROW = ${IN_A_ROW}u;
const BETA1 = ${BETA1}u;
const BETA2 = ${BETA2}u;
const EPS = ${EPS}u;
const WEIGHT_DECAY = ${WEIGHT_DECAY}u;
const STEP = ${STEP}u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = p.hyperOffset;
  let sumSq = H[h + SUM_SQ];
  let counter = wid.x == 0u && lid == 0u;
  if (skipStep(h, sumSq, counter)) {
    if (counter) { H[h + IN_A_ROW] += 1.0; }
    return;
  }
  if (counter) { H[h + IN_A_ROW] = 0.0; }
  let gScale = clipScale(h, sumSq);
  let lr = H[h + LR];
  let b1 = H[h + BETA1];
  let b2 = H[h + BETA2];
  let eps = H[h + EPS];
  let t = H[h + STEP];
  // pow is exp2(t * log2(b)): keep b off 0 so that beta = 0 gives a bias correction of exactly 1.
  // 1 - b^t in f32 loses digits to cancellation early on (~1e-4 relative for b = 0.999, t = 1): that only
  // nudges the first steps' effective lr, so it is not worth a series expansion.
  let stepSize = lr / (1.0 - pow(max(b1, 1e-30), t));
  let bc2Sqrt = sqrt(1.0 - pow(max(b2, 1e-30), t));
  let decay = 1.0 - lr * H[h + WEIGHT_DECAY];

  for (var k = 0u; k < PER_INVOCATION; k++) {
    let i = elementOf(wid.x, lid, k);
    if (i >= p.n) { break; }
    let g = G[p.gradsOffset + i] * gScale;
    let m = b1 * M[p.mOffset + i] + (1.0 - b1) * g;
    let v = b2 * V[p.vOffset + i] + (1.0 - b2) * g * g;
    M[p.mOffset + i] = m;
    V[p.vOffset + i] = v;
    let at = p.paramsOffset + i;
    P[at] = P[at] * decay - stepSize * m / (sqrt(v) / bc2Sqrt + eps);
  }
}
