// Shared by the optimizer steps over a flat parameter buffer (prepended to adam and sgd): the slots that every
// optimizer's `hyper` tensor H starts with (OPTIM_SLOT in src/kernels/grad_norm.ts; the kernel declares H),
// the two rules that read them before a step — skip it when ||g||² (written there by grad_norm) is not
// finite, and clip g to a maximum global norm — and which elements each invocation updates.

const SUM_SQ = ${SUM_SQ}u;
const SKIPPED = ${SKIPPED}u;
const CLIP = ${CLIP}u;
const LR = ${LR}u;

// Each invocation updates PER_INVOCATION elements, WG apart, so that a workgroup covers 256 contiguous
// elements (the wrappers dispatch n / 256 workgroups).
const WG = 64u;
const PER_INVOCATION = 4u;

fn elementOf(wid: u32, lid: u32, k: u32) -> u32 {
  return wid * WG * PER_INVOCATION + k * WG + lid;
}

// WGSL lets compilers assume floats are finite, so `x != x` may fold to false: test the exponent bits.
fn isFinite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// True when ||g||² is not finite: the step is skipped (the caller returns), and the one `counter` invocation
// counts it in SKIPPED. No other invocation touches that slot in this dispatch: no race.
fn skipStep(h: u32, sumSq: f32, counter: bool) -> bool {
  let skip = !isFinite(sumSq);
  if (skip && counter) { H[h + SKIPPED] += 1.0; }
  return skip;
}

// min(1, clip / ||g||), the factor that clips g to global norm `clip`; clip = 0 turns clipping off.
fn clipScale(h: u32, sumSq: f32) -> f32 {
  let norm = sqrt(sumSq);
  let clip = H[h + CLIP];
  return select(1.0, clip / norm, clip > 0.0 && norm > clip);
}
