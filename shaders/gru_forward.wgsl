// GRU recurrence, forward, one layer, all T steps in ONE dispatch (PyTorch nn.GRU semantics, gates r, z, n):
//   r = σ(gi_r + W_hr h + b_hr)   z = σ(gi_z + W_hz h + b_hz)   n = tanh(gi_n + r ⊙ (W_hn h + b_hn))
//   h' = (1 − z) ⊙ n + z ⊙ h
// where gi = W_ih x_t + b_ih for all t was computed beforehand by linear_forward (one batched matmul), written
// into the first 3H columns of this layer's `gates` rows: each thread reads gi for its units and overwrites
// the same row entries with the gates, so the projection needs no buffer of its own.
//
// Design: rows of the batch are independent, so a workgroup owns ROWS batch rows of one task group and loops
// over t itself — WebGPU has no barrier across workgroups, and none is needed. Threads split the hidden units
// (unit j = lid + m * WG); for each unit a thread computes its three recurrent dot products for all ROWS rows,
// so each weight it loads feeds ROWS rows (register reuse instead of shared-memory tiling, which is slow on
// the software adapter). h lives in workgroup memory as vec4s of 4 units, double-buffered: a step reads
// buffer `cur` and writes `1 − cur`, so one barrier per step suffices (no thread can overwrite what a slower
// thread still reads). The dot products run over vec4s: 4 weights and 4 h values per load.
// Where the thread's weight rows live is the adapter's choice (gruTuning, src/kernels/gru_tuning.ts):
// WREG = true copies them once into private memory (SwiftShader: its private arrays are laid out lane by
// lane, so a uniform index is one vector load — 2x faster than re-reading the storage buffer every step);
// WREG = false reads them from the storage buffer every step (GPUs: cached, and no register spills).
// Saved for backward: hs[b, t+1] = h_t (hs[b, 0] = h0) and gates[b, t] = (r, z, n, W_hn h + b_hn).

// Params (p) and the buffers are declared in gru_forward_io.wgsl, shared with the other forward recurrence.

var<workgroup> hbuf: array<vec4<f32>, ${HBUF}>; // [2, ROWS, HV]

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

// The input projections (gi_r, gi_z, gi_n) of step t for the units and rows this thread owns.
fn loadGi(t: u32, lx: u32, row: ptr<function, array<u32, ROWS>>, gi: ptr<function, array<vec3<f32>, UNITS * ROWS>>) {
  for (var m = 0u; m < UNITS; m++) {
    let j = min(lx + m * WG, H - 1u); // a thread past H loads a valid entry and uses none
    for (var i = 0u; i < ROWS; i++) {
      let s = p.gatesOffset + ((*row)[i] * p.steps + t) * 4u * H;
      (*gi)[m * ROWS + i] = vec3<f32>(gates[s + j], gates[s + H + j], gates[s + 2u * H + j]);
    }
  }
}


// The end of a step for unit j (the thread's m-th) and every row: gates, new state into half hx of hbuf (h read
// from half hc), and what backward needs; ar, az, an are the recurrent sums W_h* h of each row, before b_hh (at bh).
fn finishStep(
  t: u32, j: u32, m: u32, hc: u32, hx: u32, bh: u32, ar: array<f32, 8>, az: array<f32, 8>, an: array<f32, 8>,
  giNow: array<vec3<f32>, UNITS * ROWS>, row: array<u32, ROWS>, valid: array<bool, ROWS>,
) {
  let br = params[bh + j];
  let bz = params[bh + H + j];
  let bn = params[bh + 2u * H + j];
  for (var i = 0u; i < ROWS; i++) {
    let s = p.gatesOffset + (row[i] * p.steps + t) * 4u * H;
    let x = giNow[m * ROWS + i];
    let r = sigmoid(x.x + ar[i] + br);
    let z = sigmoid(x.y + az[i] + bz);
    let hnv = an[i] + bn;
    // tanh overflows to NaN for large arguments on some adapters (SwiftShader: |a| ≳ 90); tanh(±15) is
    // already ±1 in f32, so clamping changes no finite result.
    let n = tanh(clamp(x.z + r * hnv, -15.0, 15.0));
    let hp = hbuf[hc + i * HV + j / 4u][j % 4u];
    let hnew = (1.0 - z) * n + z * hp;
    hbuf[hx + i * HV + j / 4u][j % 4u] = hnew;
    if (valid[i]) {
      hs[p.hsOffset + (row[i] * (p.steps + 1u) + t + 1u) * H + j] = hnew;
      gates[s + j] = r;
      gates[s + H + j] = z;
      gates[s + 2u * H + j] = n;
      gates[s + 3u * H + j] = hnv;
    }
  }
}

// The recurrence keeps one named sum per row: gruGeometry never gives more than 8 rows.
const_assert ROWS <= 8u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.y;
  let w = p.whhOffset + g * p.wGroupStride;
  let bh = p.bhhOffset + g * p.bGroupStride;
  var row: array<u32, ROWS>;
  var valid: array<bool, ROWS>;
  ownRows(wid, &row, &valid);

  for (var m = 0u; m < UNITS; m++) {
    let j = lid.x + m * WG;
    if (j < H) {
      for (var i = 0u; i < ROWS; i++) {
#if ${HAS_H0}
        let v = h0[p.h0Offset + row[i] * H + j];
#else
        let v = 0.0;
#endif
        hbuf[i * HV + j / 4u][j % 4u] = v;
        if (valid[i]) { hs[p.hsOffset + row[i] * (p.steps + 1u) * H + j] = v; }
      }
    }
  }
#if ${WREG}
  var wreg: array<vec4<f32>, UNITS * 3u * HV>; // [UNITS, 3, HV]: this thread's rows of W_hh
  for (var m = 0u; m < UNITS; m++) {
    let j = min(lid.x + m * WG, H - 1u); // a thread past H copies a valid row and stores nothing
    for (var q = 0u; q < 3u * HV; q++) { wreg[m * 3u * HV + q] = weights4(w, q / HV, j, q % HV); }
  }
#endif
  workgroupBarrier();

  // gi of the next step is loaded before this step's matvec (it does not depend on h), so that on GPUs its
  // memory latency hides behind the arithmetic instead of stalling every step.
  var gi = array<vec3<f32>, UNITS * ROWS>();
  loadGi(0u, lid.x, &row, &gi);
  var cur = 0u;
#if ${UNROLL}
  // UNROLL (the software adapter, one unit per thread, W_hh in private memory, H ≤ 64: gruForward): the steps go
  // in pairs, one per half of the double buffer, and each step's sums are straight-line code generated for
  // this H and ROWS (unrolledMatvec in src/kernels/gru_forward.ts), in which every index into W_hh's private
  // copy and into h is a constant. SwiftShader then loads W_hh as vectors and h as one broadcast per vec4
  // component instead of gathering every lane's copy: this kernel 1.19× faster there (BENCHMARKS.md).
  for (var t0 = 0u; t0 < p.steps; t0 += 2u) {
    {
      let t = t0;
      let giNow = gi;
      if (t + 1u < p.steps) { loadGi(t + 1u, lid.x, &row, &gi); }
      if (lid.x < H) {
        ${MATVEC0}
        finishStep(t, lid.x, 0u, 0u, ROWS * HV, bh, array(r0, r1, r2, r3, r4, r5, r6, r7),
          array(z0, z1, z2, z3, z4, z5, z6, z7), array(n0, n1, n2, n3, n4, n5, n6, n7), giNow, row, valid);
      }
      workgroupBarrier();
    }
    if (t0 + 1u < p.steps) {
      let t = t0 + 1u;
      let giNow = gi;
      if (t + 1u < p.steps) { loadGi(t + 1u, lid.x, &row, &gi); }
      if (lid.x < H) {
        ${MATVEC1}
        finishStep(t, lid.x, 0u, ROWS * HV, 0u, bh, array(r0, r1, r2, r3, r4, r5, r6, r7),
          array(z0, z1, z2, z3, z4, z5, z6, z7), array(n0, n1, n2, n3, n4, n5, n6, n7), giNow, row, valid);
      }
      workgroupBarrier();
    }
  }
  cur = p.steps % 2u; // the half the last step wrote
#else
  for (var t = 0u; t < p.steps; t++) {
    let hc = cur * ROWS * HV;
    let hx = (1u - cur) * ROWS * HV;
    let giNow = gi;
    if (t + 1u < p.steps) { loadGi(t + 1u, lid.x, &row, &gi); }
    for (var m = 0u; m < UNITS; m++) {
      let j = lid.x + m * WG;
      if (j < H) {
        // Named sums per row and gate, restarting at 0 for every unit and step (ROWS ≤ 8, gruGeometry; rows past
        // ROWS are constant-false branches the compiler drops): indexed arrays of them live in memory on
        // SwiftShader (measured: this loop 7% slower so).
        var r0 = 0.0;
        var z0 = 0.0;
        var n0 = 0.0;
        var r1 = 0.0;
        var z1 = 0.0;
        var n1 = 0.0;
        var r2 = 0.0;
        var z2 = 0.0;
        var n2 = 0.0;
        var r3 = 0.0;
        var z3 = 0.0;
        var n3 = 0.0;
        var r4 = 0.0;
        var z4 = 0.0;
        var n4 = 0.0;
        var r5 = 0.0;
        var z5 = 0.0;
        var n5 = 0.0;
        var r6 = 0.0;
        var z6 = 0.0;
        var n6 = 0.0;
        var r7 = 0.0;
        var z7 = 0.0;
        var n7 = 0.0;
        // Without h0 the first step's h is zero: skip its matvec (a one-step GRU cell, as MAML's task
        // model is, then costs almost nothing here).
        let kEnd = select(HV, 0u, t == 0u && !${HAS_H0});
        for (var kk = 0u; kk < kEnd; kk++) {
#if ${WREG}
          let a = wreg[m * 3u * HV + kk];
          let b = wreg[m * 3u * HV + HV + kk];
          let c = wreg[m * 3u * HV + 2u * HV + kk];
#else
          let a = weights4(w, 0u, j, kk);
          let b = weights4(w, 1u, j, kk);
          let c = weights4(w, 2u, j, kk);
#endif
          {
            let hv0 = hbuf[hc + 0u * HV + kk];
            r0 += dot(a, hv0);
            z0 += dot(b, hv0);
            n0 += dot(c, hv0);
          }
          if (ROWS > 1u) {
            let hv1 = hbuf[hc + 1u * HV + kk];
            r1 += dot(a, hv1);
            z1 += dot(b, hv1);
            n1 += dot(c, hv1);
          }
          if (ROWS > 2u) {
            let hv2 = hbuf[hc + 2u * HV + kk];
            r2 += dot(a, hv2);
            z2 += dot(b, hv2);
            n2 += dot(c, hv2);
          }
          if (ROWS > 3u) {
            let hv3 = hbuf[hc + 3u * HV + kk];
            r3 += dot(a, hv3);
            z3 += dot(b, hv3);
            n3 += dot(c, hv3);
          }
          if (ROWS > 4u) {
            let hv4 = hbuf[hc + 4u * HV + kk];
            r4 += dot(a, hv4);
            z4 += dot(b, hv4);
            n4 += dot(c, hv4);
          }
          if (ROWS > 5u) {
            let hv5 = hbuf[hc + 5u * HV + kk];
            r5 += dot(a, hv5);
            z5 += dot(b, hv5);
            n5 += dot(c, hv5);
          }
          if (ROWS > 6u) {
            let hv6 = hbuf[hc + 6u * HV + kk];
            r6 += dot(a, hv6);
            z6 += dot(b, hv6);
            n6 += dot(c, hv6);
          }
          if (ROWS > 7u) {
            let hv7 = hbuf[hc + 7u * HV + kk];
            r7 += dot(a, hv7);
            z7 += dot(b, hv7);
            n7 += dot(c, hv7);
          }
        }
        finishStep(t, j, m, hc, hx, bh, array(r0, r1, r2, r3, r4, r5, r6, r7),
          array(z0, z1, z2, z3, z4, z5, z6, z7), array(n0, n1, n2, n3, n4, n5, n6, n7), giNow, row, valid);
      }
    }
    workgroupBarrier();
    cur = 1u - cur;
  }
#endif

#if ${HAS_HN}
  for (var m = 0u; m < UNITS; m++) {
    let j = lid.x + m * WG;
    if (j < H) {
      for (var i = 0u; i < ROWS; i++) {
        if (valid[i]) { hn[p.hnOffset + row[i] * H + j] = hbuf[cur * ROWS * HV + i * HV + j / 4u][j % 4u]; }
      }
    }
  }
#endif
}
