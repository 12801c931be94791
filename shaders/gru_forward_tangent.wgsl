// GRU recurrence, forward TANGENT (forward-mode derivative), one layer, all T steps in ONE dispatch: given the
// values saved by gru_forward (hs, gates) and a direction (Ẇ_hh, ḃ_hh; the input projection's tangent
// ġi = W_ih ẋ + Ẇ_ih x + ḃ_ih computed beforehand by linear_forward), it computes the derivative of every
// hidden state along that direction — the first half of an exact Hessian-vector product (forward over reverse):
//   ṙ = r(1−r) (ġi_r + W_hr ḣ + Ẇ_hr h + ḃ_hr)      ż = z(1−z) (ġi_z + W_hz ḣ + Ẇ_hz h + ḃ_hz)
//   ḣn = W_hn ḣ + Ẇ_hn h + ḃ_hn                      ṅ = (1−n²) (ġi_n + ṙ ⊙ hn + r ⊙ ḣn)
//   ḣ' = (1−z) ṅ + z ḣ + ż (h − n)
// (h = h_{t−1}). The tanh clamp of gru_forward needs no term: where it acts, n = ±1 in f32 and 1 − n² = 0.
// Saved for gru_backward_tangent: ths[b, t+1] = ḣ_t and tgates[b, t] = (ṙ, ż, ṅ, ḣn), written over ġi.
// Design as gru_forward: a workgroup owns ROWS batch rows and loops over t, threads split the hidden units. Both
// h_{t−1} and ḣ_{t−1} feed the matvecs, so workgroup memory holds the pair as vec4s of 4 units, double-buffered
// ([2, ROWS, 2, ⌈H/4⌉]): one barrier per step, dot products over vec4s.

struct Params {
  batch: u32, steps: u32, rowsPerGroup: u32, bGroupStride: u32,
  whhOffset: u32, twhhOffset: u32, tbhhOffset: u32, wGroupStride: u32,
  hsOffset: u32, gatesOffset: u32, thsOffset: u32, tgatesOffset: u32,
  th0Offset: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> params: array<f32>;   // W_hh [groups, 3H, H]
@group(0) @binding(2) var<storage, read> tparams: array<f32>;  // Ẇ_hh [groups, 3H, H], ḃ_hh [groups, 3H]
@group(0) @binding(3) var<storage, read> hs: array<f32>;       // [B, T+1, H] saved by gru_forward
@group(0) @binding(4) var<storage, read> gates: array<f32>;    // [B, T, 4H] saved (r, z, n, hn)
@group(0) @binding(5) var<storage, read_write> ths: array<f32>;    // [B, T+1, H]
@group(0) @binding(6) var<storage, read_write> tgates: array<f32>; // [B, T, 4H]: in ġi (3H), out ṙ, ż, ṅ, ḣn
#if ${HAS_TH0}
@group(0) @binding(7) var<storage, read> th0: array<f32>;      // [B, H] tangent of h0
#endif

var<workgroup> hbuf: array<vec4<f32>, ${HBUF}>; // [2, ROWS, 2, HV]: (ḣ, h) of the previous step

// Ẇ_hh's rows as weights4 (gru_rows.wgsl) reads W_hh's.
fn tweights4(w: u32, gate: u32, j: u32, kk: u32) -> vec4<f32> {
  let r = w + (gate * H + j) * H + 4u * kk;
  if (H % 4u == 0u) { return vec4(tparams[r], tparams[r + 1u], tparams[r + 2u], tparams[r + 3u]); }
  var v = vec4<f32>();
  for (var c = 0u; c < 4u; c++) {
    if (4u * kk + c < H) { v[c] = tparams[r + c]; }
  }
  return v;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.y;
  let w = p.whhOffset + g * p.wGroupStride;
  let tw = p.twhhOffset + g * p.wGroupStride;
  let tb = p.tbhhOffset + g * p.bGroupStride;
  var row: array<u32, ROWS>;
  var valid: array<bool, ROWS>;
  ownRows(wid, &row, &valid);

  for (var m = 0u; m < UNITS; m++) {
    let j = lid.x + m * WG;
    if (j < H) {
      for (var i = 0u; i < ROWS; i++) {
#if ${HAS_TH0}
        let v = th0[p.th0Offset + row[i] * H + j];
#else
        let v = 0.0;
#endif
        hbuf[i * 2u * HV + j / 4u][j % 4u] = v;
        hbuf[(i * 2u + 1u) * HV + j / 4u][j % 4u] = hs[p.hsOffset + row[i] * (p.steps + 1u) * H + j];
        if (valid[i]) { ths[p.thsOffset + row[i] * (p.steps + 1u) * H + j] = v; }
      }
    }
  }
  workgroupBarrier();

  var cur = 0u;
  for (var t = 0u; t < p.steps; t++) {
    let hc = cur * ROWS * 2u * HV;
    let hx = (1u - cur) * ROWS * 2u * HV;
    for (var m = 0u; m < UNITS; m++) {
      let j = lid.x + m * WG;
      if (j < H) {
        var ar = array<f32, ROWS>(); // explicit zeros: restart for every unit and step
        var az = array<f32, ROWS>();
        var an = array<f32, ROWS>();
        // With h0 = 0 and ḣ0 = 0 (no h0 given to either pass) the first step's matvecs are zero: skip them.
        let kEnd = select(HV, 0u, t == 0u && !${HAS_H0} && !${HAS_TH0});
        for (var kk = 0u; kk < kEnd; kk++) {
          let a = weights4(w, 0u, j, kk);
          let b = weights4(w, 1u, j, kk);
          let c = weights4(w, 2u, j, kk);
          let ta = tweights4(tw, 0u, j, kk);
          let tb2 = tweights4(tw, 1u, j, kk);
          let tc = tweights4(tw, 2u, j, kk);
          for (var i = 0u; i < ROWS; i++) {
            let th = hbuf[hc + i * 2u * HV + kk];
            let h = hbuf[hc + (i * 2u + 1u) * HV + kk];
            ar[i] += dot(a, th) + dot(ta, h);
            az[i] += dot(b, th) + dot(tb2, h);
            an[i] += dot(c, th) + dot(tc, h);
          }
        }
        for (var i = 0u; i < ROWS; i++) {
          let q = row[i] * p.steps + t;
          let s = p.gatesOffset + q * 4u * H;
          let ts = p.tgatesOffset + q * 4u * H;
          let r = gates[s + j];
          let z = gates[s + H + j];
          let n = gates[s + 2u * H + j];
          let hnv = gates[s + 3u * H + j];
          let dr = r * (1.0 - r) * (tgates[ts + j] + ar[i] + tparams[tb + j]);
          let dz = z * (1.0 - z) * (tgates[ts + H + j] + az[i] + tparams[tb + H + j]);
          let dhn = an[i] + tparams[tb + 2u * H + j];
          let dn = (1.0 - n * n) * (tgates[ts + 2u * H + j] + dr * hnv + r * dhn);
          let thp = hbuf[hc + i * 2u * HV + j / 4u][j % 4u];
          let hp = hbuf[hc + (i * 2u + 1u) * HV + j / 4u][j % 4u];
          let thnew = (1.0 - z) * dn + z * thp + dz * (hp - n);
          hbuf[hx + i * 2u * HV + j / 4u][j % 4u] = thnew;
          hbuf[hx + (i * 2u + 1u) * HV + j / 4u][j % 4u] = hs[p.hsOffset + (row[i] * (p.steps + 1u) + t + 1u) * H + j];
          if (valid[i]) {
            ths[p.thsOffset + (row[i] * (p.steps + 1u) + t + 1u) * H + j] = thnew;
            tgates[ts + j] = dr;
            tgates[ts + H + j] = dz;
            tgates[ts + 2u * H + j] = dn;
            tgates[ts + 3u * H + j] = dhn;
          }
        }
      }
    }
    workgroupBarrier();
    cur = 1u - cur;
  }
}
