// GRU recurrence, backward (BPTT) and its TANGENT in ONE dispatch, from t = T−1 down to 0: the second half of
// an exact Hessian-vector product (forward over reverse). With gru_backward's quantities (d = dL/dh_t from the
// output plus the carry, a_* the gates' pre-activations) and their derivatives along the direction (˙), from
// the values saved by gru_forward and the tangents saved by gru_forward_tangent:
//   da_n = d (1−z)(1−n²)          ḋa_n = ḋ (1−z)(1−n²) − d ż (1−n²) − 2 d (1−z) n ṅ
//   da_z = d (h−n) z(1−z)         ḋa_z = ḋ (h−n) z(1−z) + d (ḣ−ṅ) z(1−z) + d (h−n) ż (1−2z)
//   da_r = da_n hn r(1−r)         ḋa_r = ḋa_n hn r(1−r) + da_n ḣn r(1−r) + da_n hn ṙ (1−2r)
//   d(gh) = (da_r, da_z, r da_n)  ḋ(gh) = (ḋa_r, ḋa_z, r ḋa_n + ṙ da_n)
//   dh_{t−1} = d z + W_hhᵀ d(gh)  ḋh_{t−1} = ḋ z + d ż + W_hhᵀ ḋ(gh) + Ẇ_hhᵀ d(gh)
// (h = h_{t−1}). Both runs are needed together: the tangent of every product needs the plain factor too.
// Rows (da_r, da_z, da_n, r da_n) are written IN PLACE over the saved gates, as gru_backward does, and their
// tangents over the saved tangent gates, so the weight-gradient tangents Σ ḋ(g) ⊗ input + d(g) ⊗ input˙ are
// batched matmuls afterwards (linear_backward_weight). Consumes gates and tgates: rerun both forwards first.
// Design mirrors gru_backward: a workgroup owns ROWS batch rows; d(gh) and ḋ(gh) of a step go to workgroup
// memory as vec4s of 4 units ([2, ROWS, 6, ⌈H/4⌉], double-buffered: one barrier per step); dh and ḋh stay in
// registers.
// The gradient into h0 is not formed (h0 is not differentiated by the callers of this kernel).

struct Params {
  batch: u32, steps: u32, rowsPerGroup: u32, wGroupStride: u32,
  doutOffset: u32, tdoutOffset: u32, whhOffset: u32, twhhOffset: u32,
  hsOffset: u32, thsOffset: u32, gatesOffset: u32, tgatesOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
#if ${HAS_DOUT}
@group(0) @binding(1) var<storage, read> dout: array<f32>;   // [B, T, H] dL/d(outputs)
#endif
#if ${HAS_TDOUT}
@group(0) @binding(2) var<storage, read> tdout: array<f32>;  // [B, T, H] its tangent
#endif
@group(0) @binding(3) var<storage, read> params: array<f32>;  // W_hh [groups, 3H, H]
@group(0) @binding(4) var<storage, read> tparams: array<f32>; // Ẇ_hh [groups, 3H, H]
@group(0) @binding(5) var<storage, read> hs: array<f32>;      // [B, T+1, H]
@group(0) @binding(6) var<storage, read> ths: array<f32>;     // [B, T+1, H]
@group(0) @binding(7) var<storage, read_write> gates: array<f32>;  // [B, T, 4H]: in (r, z, n, hn), out d(gates)
@group(0) @binding(8) var<storage, read_write> tgates: array<f32>; // [B, T, 4H]: in (ṙ, ż, ṅ, ḣn), out ḋ(gates)

var<workgroup> sbuf: array<vec4<f32>, ${SBUF}>; // [2, ROWS, 6, HV]: d(gh), then ḋ(gh), of the current step

// Ẇ_hh's columns as weightsT4 (gru_rows.wgsl) reads W_hh's.
fn tweightsT4(w: u32, q: u32, j: u32) -> vec4<f32> {
  let k = 4u * (q % HV);
  let r = w + ((q / HV) * H + k) * H + j;
  if (H % 4u == 0u) { return vec4(tparams[r], tparams[r + H], tparams[r + 2u * H], tparams[r + 3u * H]); }
  var v = vec4<f32>();
  for (var c = 0u; c < 4u; c++) {
    if (k + c < H) { v[c] = tparams[r + c * H]; }
  }
  return v;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.y;
  let w = p.whhOffset + g * p.wGroupStride;
  let tw = p.twhhOffset + g * p.wGroupStride;
  var row: array<u32, ROWS>;
  var valid: array<bool, ROWS>;
  ownRows(wid, &row, &valid);

  var dh = array<f32, ${CARRY}>();  // [UNITS, ROWS] running dL/dh of this thread's units
  var tdh = array<f32, ${CARRY}>(); // and its tangent

  var cur = 0u;
  for (var s = 0u; s < p.steps; s++) {
    let t = p.steps - 1u - s;
    let sc = cur * ROWS * 6u * HV;
    var direct = array<f32, ${CARRY}>();
    var tdirect = array<f32, ${CARRY}>();
    for (var m = 0u; m < UNITS; m++) {
      let j = lid.x + m * WG;
      if (j < H) {
        for (var i = 0u; i < ROWS; i++) {
          let q = row[i] * p.steps + t;
          var d = dh[m * ROWS + i];
          var td = tdh[m * ROWS + i];
#if ${HAS_DOUT}
          d += dout[p.doutOffset + q * H + j];
#endif
#if ${HAS_TDOUT}
          td += tdout[p.tdoutOffset + q * H + j];
#endif
          let gs = p.gatesOffset + q * 4u * H;
          let ts = p.tgatesOffset + q * 4u * H;
          let r = gates[gs + j];
          let z = gates[gs + H + j];
          let n = gates[gs + 2u * H + j];
          let hnv = gates[gs + 3u * H + j];
          let tr = tgates[ts + j];
          let tz = tgates[ts + H + j];
          let tn = tgates[ts + 2u * H + j];
          let thn = tgates[ts + 3u * H + j];
          let hp = hs[p.hsOffset + (row[i] * (p.steps + 1u) + t) * H + j];
          let thp = ths[p.thsOffset + (row[i] * (p.steps + 1u) + t) * H + j];
          let sn = 1.0 - n * n;
          let sz = z * (1.0 - z);
          let sr = r * (1.0 - r);
          let dan = d * (1.0 - z) * sn;
          let tdan = td * (1.0 - z) * sn - d * tz * sn - 2.0 * d * (1.0 - z) * n * tn;
          let daz = d * (hp - n) * sz;
          let tdaz = td * (hp - n) * sz + d * (thp - tn) * sz + d * (hp - n) * tz * (1.0 - 2.0 * z);
          let dar = dan * hnv * sr;
          let tdar = tdan * hnv * sr + dan * thn * sr + dan * hnv * tr * (1.0 - 2.0 * r);
          let tdghn = r * tdan + tr * dan;
          direct[m * ROWS + i] = d * z;
          tdirect[m * ROWS + i] = td * z + d * tz;
          let sb = sc + i * 6u * HV + j / 4u;
          let c = j % 4u;
          sbuf[sb][c] = dar;
          sbuf[sb + HV][c] = daz;
          sbuf[sb + 2u * HV][c] = dan * r;
          sbuf[sb + 3u * HV][c] = tdar;
          sbuf[sb + 4u * HV][c] = tdaz;
          sbuf[sb + 5u * HV][c] = tdghn;
          if (valid[i]) {
            gates[gs + j] = dar;
            gates[gs + H + j] = daz;
            gates[gs + 2u * H + j] = dan;
            gates[gs + 3u * H + j] = dan * r;
            tgates[ts + j] = tdar;
            tgates[ts + H + j] = tdaz;
            tgates[ts + 2u * H + j] = tdan;
            tgates[ts + 3u * H + j] = tdghn;
          }
        }
      }
    }
    workgroupBarrier();
    for (var m = 0u; m < UNITS; m++) {
      let j = lid.x + m * WG;
      if (j < H) {
        var acc = array<f32, ROWS>(); // explicit zeros: restart for every unit and step
        var tacc = array<f32, ROWS>();
        // No gradient flows into h0: the last step's matvecs are skipped.
        let kEnd = select(3u * HV, 0u, t == 0u);
        for (var q = 0u; q < kEnd; q++) {
          let wk = weightsT4(w, q, j);
          let twk = tweightsT4(tw, q, j);
          for (var i = 0u; i < ROWS; i++) {
            let sb = sc + i * 6u * HV + q;
            let dg = sbuf[sb];
            acc[i] += dot(wk, dg);
            tacc[i] += dot(wk, sbuf[sb + 3u * HV]) + dot(twk, dg);
          }
        }
        for (var i = 0u; i < ROWS; i++) {
          dh[m * ROWS + i] = direct[m * ROWS + i] + acc[i];
          tdh[m * ROWS + i] = tdirect[m * ROWS + i] + tacc[i];
        }
      }
    }
    cur = 1u - cur;
  }
}
