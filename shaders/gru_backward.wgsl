// GRU recurrence, backward (BPTT), one layer, all T steps in ONE dispatch, from t = T−1 down to 0.
// With dh = dL/dh_t (from the output at t plus the carry from t+1) and the gates saved by gru_forward:
//   dn = dh (1 − z)            da_n = dn (1 − n²)          (a_* are pre-activations)
//   dz = dh (h_{t−1} − n)      da_z = dz z (1 − z)
//   dr = da_n ⊙ (W_hn h + b_hn) da_r = dr r (1 − r)
//   d(gi)  = (da_r, da_z, da_n)          → dW_ih, db_ih, dx     (done afterwards for all t by linear kernels)
//   d(gh)  = (da_r, da_z, r ⊙ da_n)      → dW_hh, db_hh          (likewise)
// Both are stored as one row (da_r, da_z, da_n, r ⊙ da_n) written IN PLACE over the saved gates (r, z, n, hn)
// of the same (b, t): each thread reads its units' gates before writing their gradients, and nothing reads a
// step's gates again. So backward consumes the saved gates: run gruForward again before another backward.
//   dh_{t−1} = dh ⊙ z + W_hhᵀ d(gh)
// Design mirrors gru_forward: a workgroup owns ROWS batch rows and loops over t; a thread owns hidden units
// j = lid + m * WG and keeps their running dh in registers. Only W_hhᵀ d(gh) couples units, so d(gh) goes
// to workgroup memory (vec4s of 4 units), double-buffered for one barrier per step. As in gru_forward, WREG
// keeps the thread's columns of W_hh in private memory (the software adapter) instead of re-reading them. The weight gradients are NOT accumulated
// here (that would serialise on atomics): d(gi) and d(gh) are stored for all t and reduced by one batched
// matmul each afterwards.

// Params (p) and the buffers are declared in gru_backward_io.wgsl, shared with the other backward recurrence.

var<workgroup> sbuf: array<vec4<f32>, ${SBUF}>; // [2, ROWS, 3, HV]: d(gh) of the current step

// Step t's saved gates (r, z, n, hn), h_{t−1} and output gradient (0 without dout) for this thread's units and rows.
fn loadStep(
  t: u32, lx: u32, row: ptr<function, array<u32, ROWS>>,
  sg: ptr<function, array<vec4<f32>, ${CARRY}>>, sx: ptr<function, array<vec2<f32>, ${CARRY}>>,
) {
  for (var m = 0u; m < UNITS; m++) {
    let j = min(lx + m * WG, H - 1u); // a thread past H loads a valid entry and uses none
    for (var i = 0u; i < ROWS; i++) {
      let q = (*row)[i] * p.steps + t;
      let gs = p.gatesOffset + q * 4u * H;
      (*sg)[m * ROWS + i] = vec4<f32>(gates[gs + j], gates[gs + H + j], gates[gs + 2u * H + j], gates[gs + 3u * H + j]);
#if ${HAS_DOUT}
      let d = dout[p.doutOffset + q * H + j];
#else
      let d = 0.0;
#endif
      (*sx)[m * ROWS + i] = vec2<f32>(hs[p.hsOffset + ((*row)[i] * (p.steps + 1u) + t) * H + j], d);
    }
  }
}


// The recurrence keeps one named sum per row: gruGeometry never gives more than 8 rows.
const_assert ROWS <= 8u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.y;
  let w = p.whhOffset + g * p.wGroupStride;
  var row: array<u32, ROWS>;
  var valid: array<bool, ROWS>;
  ownRows(wid, &row, &valid);

  var dh = array<f32, ${CARRY}>(); // [UNITS, ROWS] running dL/dh of the units this thread owns
#if ${HAS_DHN}
  for (var m = 0u; m < UNITS; m++) {
    let j = lid.x + m * WG;
    if (j < H) {
      for (var i = 0u; i < ROWS; i++) { dh[m * ROWS + i] = dhn[p.dhnOffset + row[i] * H + j]; }
    }
  }
#endif

#if ${WREG}
  var wreg: array<vec4<f32>, UNITS * 3u * HV>; // [UNITS, 3, HV]: this thread's columns of W_hh
  for (var m = 0u; m < UNITS; m++) {
    let j = min(lid.x + m * WG, H - 1u); // a thread past H copies a valid column and stores nothing
    for (var q = 0u; q < 3u * HV; q++) { wreg[m * 3u * HV + q] = weightsT4(w, q, j); }
  }
#endif

  // What step t reads from memory (saved gates, h_{t−1}, the output gradient) does not depend on dh: the next
  // step's is loaded before this step's matvec, so that on GPUs its latency hides behind the arithmetic.
  var sg = array<vec4<f32>, ${CARRY}>(); // (r, z, n, hn)
  var sx = array<vec2<f32>, ${CARRY}>(); // (h_{t−1}, dout)
  loadStep(p.steps - 1u, lid.x, &row, &sg, &sx);
  var cur = 0u;
  for (var s = 0u; s < p.steps; s++) {
    let t = p.steps - 1u - s;
    let sc = cur * ROWS * 3u * HV;
    let sgNow = sg;
    let sxNow = sx;
    if (t > 0u) { loadStep(t - 1u, lid.x, &row, &sg, &sx); }
    var direct = array<f32, ${CARRY}>();
    for (var m = 0u; m < UNITS; m++) {
      let j = lid.x + m * WG;
      if (j < H) {
        for (var i = 0u; i < ROWS; i++) {
          let q = row[i] * p.steps + t;
          let d = dh[m * ROWS + i] + sxNow[m * ROWS + i].y;
          let gs = p.gatesOffset + q * 4u * H;
          let r = sgNow[m * ROWS + i].x;
          let z = sgNow[m * ROWS + i].y;
          let n = sgNow[m * ROWS + i].z;
          let hnv = sgNow[m * ROWS + i].w;
          let hp = sxNow[m * ROWS + i].x;
          let dan = d * (1.0 - z) * (1.0 - n * n);
          let daz = d * (hp - n) * z * (1.0 - z);
          let dar = dan * hnv * r * (1.0 - r);
          direct[m * ROWS + i] = d * z;
          let sv = sc + i * 3u * HV + j / 4u;
          sbuf[sv][j % 4u] = dar;
          sbuf[sv + HV][j % 4u] = daz;
          sbuf[sv + 2u * HV][j % 4u] = dan * r;
          if (valid[i]) {
            gates[gs + j] = dar;
            gates[gs + H + j] = daz;
            gates[gs + 2u * H + j] = dan;
            gates[gs + 3u * H + j] = dan * r;
          }
        }
      }
    }
    workgroupBarrier();
#if ${PAIR}
    // Two units per thread (UNITS = 2: gru_backward's own tile on the software adapter, gru_tuning.ts): units
    // j and j + WG run in the same loop, so each vec4 of d(gh) loaded for a row feeds both of their sums — a
    // load per row and two weight vec4s per step of q instead of two loads per row (1.4× faster there). A unit
    // past H (H not a multiple of WG) sums a clamped column; its dh is never stored.
    {
      let jb = min(lid.x + WG, H - 1u);
      var a0 = 0.0;
      var a1 = 0.0;
      var a2 = 0.0;
      var a3 = 0.0;
      var a4 = 0.0;
      var a5 = 0.0;
      var a6 = 0.0;
      var a7 = 0.0;
      var b0 = 0.0;
      var b1 = 0.0;
      var b2 = 0.0;
      var b3 = 0.0;
      var b4 = 0.0;
      var b5 = 0.0;
      var b6 = 0.0;
      var b7 = 0.0;
      let kEnd = select(3u * HV, 0u, t == 0u && !${HAS_DH0});
      for (var q = 0u; q < kEnd; q++) {
#if ${WREG}
        let wa = wreg[q];
        let wb = wreg[3u * HV + q];
#else
        let wa = weightsT4(w, q, lid.x);
        let wb = weightsT4(w, q, jb);
#endif
        let sq = sc + q;
        {
          let s0 = sbuf[sq];
          a0 += dot(wa, s0);
          b0 += dot(wb, s0);
        }
        if (ROWS > 1u) {
          let s1 = sbuf[sq + 3u * HV];
          a1 += dot(wa, s1);
          b1 += dot(wb, s1);
        }
        if (ROWS > 2u) {
          let s2 = sbuf[sq + 6u * HV];
          a2 += dot(wa, s2);
          b2 += dot(wb, s2);
        }
        if (ROWS > 3u) {
          let s3 = sbuf[sq + 9u * HV];
          a3 += dot(wa, s3);
          b3 += dot(wb, s3);
        }
        if (ROWS > 4u) {
          let s4 = sbuf[sq + 12u * HV];
          a4 += dot(wa, s4);
          b4 += dot(wb, s4);
        }
        if (ROWS > 5u) {
          let s5 = sbuf[sq + 15u * HV];
          a5 += dot(wa, s5);
          b5 += dot(wb, s5);
        }
        if (ROWS > 6u) {
          let s6 = sbuf[sq + 18u * HV];
          a6 += dot(wa, s6);
          b6 += dot(wb, s6);
        }
        if (ROWS > 7u) {
          let s7 = sbuf[sq + 21u * HV];
          a7 += dot(wa, s7);
          b7 += dot(wb, s7);
        }
      }
      let accA = array<f32, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
      let accB = array<f32, 8>(b0, b1, b2, b3, b4, b5, b6, b7);
      for (var i = 0u; i < ROWS; i++) {
        dh[i] = direct[i] + accA[i];
        dh[ROWS + i] = direct[ROWS + i] + accB[i];
      }
    }
#else
    for (var m = 0u; m < UNITS; m++) {
      let j = lid.x + m * WG;
      if (j < H) {
        // One named sum per row (ROWS ≤ 8, gruGeometry; rows past ROWS are constant-false branches the compiler
        // drops): an indexed array of them lives in memory on SwiftShader, 1.28× slower here (measured).
        var c0 = 0.0;
        var c1 = 0.0;
        var c2 = 0.0;
        var c3 = 0.0;
        var c4 = 0.0;
        var c5 = 0.0;
        var c6 = 0.0;
        var c7 = 0.0;
        // dh_{-1} (the gradient into h0) is only needed when dh0 is asked for: skip the last matvec otherwise.
        let kEnd = select(3u * HV, 0u, t == 0u && !${HAS_DH0});
        for (var q = 0u; q < kEnd; q++) {
#if ${WREG}
          let wk = wreg[m * 3u * HV + q];
#else
          let wk = weightsT4(w, q, j);
#endif
          let sq = sc + q;
          c0 += dot(wk, sbuf[sq]);
          if (ROWS > 1u) { c1 += dot(wk, sbuf[sq + 3u * HV]); }
          if (ROWS > 2u) { c2 += dot(wk, sbuf[sq + 6u * HV]); }
          if (ROWS > 3u) { c3 += dot(wk, sbuf[sq + 9u * HV]); }
          if (ROWS > 4u) { c4 += dot(wk, sbuf[sq + 12u * HV]); }
          if (ROWS > 5u) { c5 += dot(wk, sbuf[sq + 15u * HV]); }
          if (ROWS > 6u) { c6 += dot(wk, sbuf[sq + 18u * HV]); }
          if (ROWS > 7u) { c7 += dot(wk, sbuf[sq + 21u * HV]); }
        }
        let acc = array<f32, 8>(c0, c1, c2, c3, c4, c5, c6, c7);
        for (var i = 0u; i < ROWS; i++) { dh[m * ROWS + i] = direct[m * ROWS + i] + acc[i]; }
      }
    }
#endif
    cur = 1u - cur;
  }

#if ${HAS_DH0}
  for (var m = 0u; m < UNITS; m++) {
    let j = lid.x + m * WG;
    if (j < H) {
      for (var i = 0u; i < ROWS; i++) {
        if (valid[i]) { dh0[p.dh0Offset + row[i] * H + j] = dh[m * ROWS + i]; }
      }
    }
  }
#endif
}
