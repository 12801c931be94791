// One SGD step over a flat parameter buffer, as torch.optim.SGD (no dampening, no weight decay):
//   g' = g * min(1, clip / ||g||)          (clip > 0 only; ||g||² comes from grad_norm)
//   with MOMENTUM:  buf = momentum * buf + g';  p -= lr * buf
//   without:        p -= lr * g'
// A zero-initialised buffer makes the first step buf = g', which is PyTorch's first-step rule.
// lr and momentum live in the `hyper` storage tensor (slot indices from src/kernels/sgd.ts), so the host
// changes them with queue.writeBuffer and replays the recorded program.
// A non-finite ||g||² skips the step (p and buf untouched); invocation 0 alone counts it in SKIPPED
// (skipStep and clipScale: optim_step.wgsl).

struct Params { n: u32, paramsOffset: u32, gradsOffset: u32, bufOffset: u32, hyperOffset: u32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> P: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> H: array<f32>;
#if ${HAS_MOMENTUM}
@group(0) @binding(4) var<storage, read_write> Buf: array<f32>;
#endif

const MOMENTUM = ${MOMENTUM}u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = p.hyperOffset;
  let sumSq = H[h + SUM_SQ];
  if (skipStep(h, sumSq, wid.x == 0u && lid == 0u)) { return; }
  let gScale = clipScale(h, sumSq);
  let lr = H[h + LR];
#if ${HAS_MOMENTUM}
  let mu = H[h + MOMENTUM];
#endif

  for (var k = 0u; k < PER_INVOCATION; k++) {
    let i = elementOf(wid.x, lid, k);
    if (i >= p.n) { break; }
    let g = G[p.gradsOffset + i] * gScale;
#if ${HAS_MOMENTUM}
    let b = mu * Buf[p.bufOffset + i] + g;
    Buf[p.bufOffset + i] = b;
    P[p.paramsOffset + i] -= lr * b;
#else
    P[p.paramsOffset + i] -= lr * g;
#endif
  }
}
