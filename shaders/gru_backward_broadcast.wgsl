// GRU recurrence, backward (BPTT), one layer, all T steps in ONE dispatch: the software adapter's form of
// gru_backward.wgsl (same math, same operands, same in-place output; see that file for the equations).
//
// On SwiftShader only constant-index loads are cheap: a vector load from a private array, one scalar
// broadcast from workgroup memory; a load at a computed index gathers lane by lane. So here each thread owns
// 4 consecutive hidden units j0 = 4·lid … j0+3 (WG = H/4 threads), keeps W_hh[q, j0..j0+3] for every q < 3H in
// a private array wp, and the step's sums dh_{t−1}[row, j0..j0+3] += d(gh)[row, q] · wp[q] are generated
// straight-line code (MATVEC0 / MATVEC1, src/kernels/gru_backward_broadcast.ts) in which every index is a
// constant: one broadcast of d(gh)[row, q] feeds 4 units' fused multiply-adds. The steps go in pairs, one per
// half of the double-buffered d(gh), so the generated indices stay constant too.
// Taken with gru_forward_broadcast for H = 4 … 64 in 4s and T > 1 on the software adapter (useBroadcastGru,
// src/kernels/gru_tuning.ts).

// Params (p) and the buffers are declared in gru_backward_io.wgsl, shared with the other backward recurrence.

var<workgroup> sbuf: array<vec4<f32>, 2u * ROWS * 3u * HV>; // [2, ROWS, 3H/4]: d(gh) of the step, 4 units a vec4

fn gates4(i: u32) -> vec4<f32> { return vec4(gates[i], gates[i + 1u], gates[i + 2u], gates[i + 3u]); }
fn hs4(i: u32) -> vec4<f32> { return vec4(hs[i], hs[i + 1u], hs[i + 2u], hs[i + 3u]); }

// Step t's elementwise part for this thread's 4 units and every row: reads the saved gates, h_{t−1} and the
// output gradient, writes the gate gradients over the gates and d(gh) into half `half` of sbuf, and leaves in
// dh the direct term dh ⊙ z of dh_{t−1} (the matvec adds W_hhᵀ d(gh) to it).
fn gradients(
  t: u32, half: u32, lx: u32, row: ptr<function, array<u32, ROWS>>, valid: ptr<function, array<bool, ROWS>>,
  dh: ptr<function, array<vec4<f32>, ROWS>>,
) {
  let j0 = 4u * lx;
  for (var i = 0u; i < ROWS; i++) {
    let q = (*row)[i] * p.steps + t;
    let gs = p.gatesOffset + q * 4u * H + j0;
    let r = gates4(gs);
    let z = gates4(gs + H);
    let n = gates4(gs + 2u * H);
    let hnv = gates4(gs + 3u * H);
    let hp = hs4(p.hsOffset + ((*row)[i] * (p.steps + 1u) + t) * H + j0);
#if ${HAS_DOUT}
    let o = p.doutOffset + q * H + j0;
    let d = (*dh)[i] + vec4(dout[o], dout[o + 1u], dout[o + 2u], dout[o + 3u]);
#else
    let d = (*dh)[i];
#endif
    let dan = d * (1.0 - z) * (1.0 - n * n);
    let daz = d * (hp - n) * z * (1.0 - z);
    let dar = dan * hnv * r * (1.0 - r);
    (*dh)[i] = d * z;
    let sv = half * ROWS * 3u * HV + i * 3u * HV + lx;
    sbuf[sv] = dar;
    sbuf[sv + HV] = daz;
    sbuf[sv + 2u * HV] = dan * r;
    if ((*valid)[i]) {
      let rdan = dan * r;
      for (var c = 0u; c < 4u; c++) {
        gates[gs + c] = dar[c];
        gates[gs + H + c] = daz[c];
        gates[gs + 2u * H + c] = dan[c];
        gates[gs + 3u * H + c] = rdan[c];
      }
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = p.whhOffset + wid.y * p.wGroupStride;
  let j0 = 4u * lid.x;
  var row: array<u32, ROWS>;
  var valid: array<bool, ROWS>;
  ownRows(wid, &row, &valid);

  var wp: array<vec4<f32>, 3u * H>; // wp[q] = W_hh[q, j0 .. j0 + 3]
  for (var q = 0u; q < 3u * H; q++) {
    let b = w + q * H + j0;
    wp[q] = vec4(params[b], params[b + 1u], params[b + 2u], params[b + 3u]);
  }

  var dh = array<vec4<f32>, ROWS>(); // running dL/dh of this thread's units, per row
#if ${HAS_DHN}
  for (var i = 0u; i < ROWS; i++) {
    let b = p.dhnOffset + row[i] * H + j0;
    dh[i] = vec4(dhn[b], dhn[b + 1u], dhn[b + 2u], dhn[b + 3u]);
  }
#endif

  for (var s = 0u; s < p.steps; s += 2u) {
    {
      let t = p.steps - 1u - s;
      gradients(t, 0u, lid.x, &row, &valid, &dh);
      workgroupBarrier();
      // dh_{-1} (the gradient into h0) is only needed when dh0 is asked for: skip the last matvec otherwise.
      if (t > 0u || ${HAS_DH0}) {
        ${MATVEC0}
      }
    }
    if (s + 1u < p.steps) {
      let t = p.steps - 2u - s;
      gradients(t, 1u, lid.x, &row, &valid, &dh);
      workgroupBarrier();
      if (t > 0u || ${HAS_DH0}) {
        ${MATVEC1}
      }
    }
  }

#if ${HAS_DH0}
  for (var i = 0u; i < ROWS; i++) {
    if (valid[i]) {
      for (var c = 0u; c < 4u; c++) { dh0[p.dh0Offset + row[i] * H + j0 + c] = dh[i][c]; }
    }
  }
#endif
}
