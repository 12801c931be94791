// GRU recurrence, forward, one layer, all T steps in ONE dispatch: the software adapter's form of
// gru_forward.wgsl (same math, same operands — gi in the gates rows, overwritten with r, z, n, W_hn h + b_hn —
// and the same saved hs; see that file for the equations).
//
// On SwiftShader only constant-index loads are cheap: a vector load from a private array, one scalar
// broadcast from workgroup memory; a load at a computed index gathers lane by lane. So here each thread owns
// 4 consecutive hidden units j0 = 4·lid … j0+3 (WG = H/4 threads) and keeps wp[g·H + k] = W_h{g}[j0..j0+3, k]
// (gates g = r, z, n) in a private array; a step's sums are generated straight-line code (MATVEC0 / MATVEC1,
// src/kernels/gru_forward_broadcast.ts) in which every index is a constant: one broadcast of h[row, k] feeds
// the 3 gates × 4 units of fused multiply-adds. The steps go in pairs, one per half of the double-buffered h,
// so the generated indices stay constant too. Taken with gru_backward_broadcast for H = 4 … 64 in 4s and T > 1
// on the software adapter (useBroadcastGru, src/kernels/gru_tuning.ts).

// Params (p) and the buffers are declared in gru_forward_io.wgsl, shared with the other forward recurrence.

var<workgroup> hbuf: array<vec4<f32>, 2u * ROWS * HV>; // [2, ROWS, H/4]: h of the step, 4 units a vec4

fn sigmoid4(x: vec4<f32>) -> vec4<f32> { return 1.0 / (1.0 + exp(-x)); }
fn gates4(i: u32) -> vec4<f32> { return vec4(gates[i], gates[i + 1u], gates[i + 2u], gates[i + 3u]); }
fn params4(i: u32) -> vec4<f32> { return vec4(params[i], params[i + 1u], params[i + 2u], params[i + 3u]); }

// The end of step t for this thread's 4 units and every row: gates from gi and the recurrent sums (ar, az, an:
// W_h* h per row, before b_hh), the new h into half hx of hbuf (h_{t−1} read from half hc), and what backward needs.
fn finishStep(
  t: u32, lx: u32, hc: u32, hx: u32, b: array<vec4<f32>, 3>, ar: array<vec4<f32>, ROWS>,
  az: array<vec4<f32>, ROWS>, an: array<vec4<f32>, ROWS>, row: ptr<function, array<u32, ROWS>>,
  valid: ptr<function, array<bool, ROWS>>,
) {
  let j0 = 4u * lx;
  for (var i = 0u; i < ROWS; i++) {
    let s = p.gatesOffset + ((*row)[i] * p.steps + t) * 4u * H + j0;
    let r = sigmoid4(gates4(s) + ar[i] + b[0]);
    let z = sigmoid4(gates4(s + H) + az[i] + b[1]);
    let hnv = an[i] + b[2];
    // tanh overflows to NaN for large arguments on some adapters (SwiftShader: |a| ≳ 90); tanh(±15) is
    // already ±1 in f32, so clamping changes no finite result.
    let n = tanh(clamp(gates4(s + 2u * H) + r * hnv, vec4(-15.0), vec4(15.0)));
    let hnew = (1.0 - z) * n + z * hbuf[hc + i * HV + lx];
    hbuf[hx + i * HV + lx] = hnew;
    if ((*valid)[i]) {
      let o = p.hsOffset + ((*row)[i] * (p.steps + 1u) + t + 1u) * H + j0;
      for (var c = 0u; c < 4u; c++) {
        hs[o + c] = hnew[c];
        gates[s + c] = r[c];
        gates[s + H + c] = z[c];
        gates[s + 2u * H + c] = n[c];
        gates[s + 3u * H + c] = hnv[c];
      }
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = p.whhOffset + wid.y * p.wGroupStride;
  let bh = p.bhhOffset + wid.y * p.bGroupStride;
  let j0 = 4u * lid.x;
  var row: array<u32, ROWS>;
  var valid: array<bool, ROWS>;
  ownRows(wid, &row, &valid);

  for (var i = 0u; i < ROWS; i++) {
#if ${HAS_H0}
    let v = vec4(h0[p.h0Offset + row[i] * H + j0], h0[p.h0Offset + row[i] * H + j0 + 1u],
      h0[p.h0Offset + row[i] * H + j0 + 2u], h0[p.h0Offset + row[i] * H + j0 + 3u]);
#else
    let v = vec4<f32>();
#endif
    hbuf[i * HV + lid.x] = v;
    if (valid[i]) {
      for (var c = 0u; c < 4u; c++) { hs[p.hsOffset + row[i] * (p.steps + 1u) * H + j0 + c] = v[c]; }
    }
  }
  var wp: array<vec4<f32>, 3u * H>; // wp[g * H + k] = W_hh[g * H + j0 .. j0 + 3, k]
  for (var q = 0u; q < 3u * H; q++) {
    let b = w + ((q / H) * H + j0) * H + q % H;
    wp[q] = vec4(params[b], params[b + H], params[b + 2u * H], params[b + 3u * H]);
  }
  let bias = array<vec4<f32>, 3>(params4(bh + j0), params4(bh + H + j0), params4(bh + 2u * H + j0));
  workgroupBarrier();

  for (var t0 = 0u; t0 < p.steps; t0 += 2u) {
    {
      let t = t0;
      ${MATVEC0}
      finishStep(t, lid.x, 0u, ROWS * HV, bias, ar, az, an, &row, &valid);
      workgroupBarrier();
    }
    if (t0 + 1u < p.steps) {
      let t = t0 + 1u;
      ${MATVEC1}
      finishStep(t, lid.x, ROWS * HV, 0u, bias, ar, az, an, &row, &valid);
      workgroupBarrier();
    }
  }

#if ${HAS_HN}
  let last = (p.steps % 2u) * ROWS * HV; // the half the last step wrote
  for (var i = 0u; i < ROWS; i++) {
    if (valid[i]) {
      let h = hbuf[last + i * HV + lid.x];
      for (var c = 0u; c < 4u; c++) { hn[p.hnOffset + row[i] * H + j0 + c] = h[c]; }
    }
  }
#endif
}
