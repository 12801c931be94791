// Shared by the GRU recurrences (prepended to gru_forward, gru_backward and their tangents): the launch
// geometry that gruGeometry in src/kernels/gru_forward.ts chooses, the batch rows a workgroup owns, and W_hh
// read in vec4s. The kernel's Params has rowsPerGroup (batch rows per task group).

const H = ${HIDDEN}u;
const ROWS = ${ROWS}u;
const WG = ${WG}u;
const UNITS = ${UNITS}u; // ceil(H / WG): hidden units per thread
const HV = (H + 3u) / 4u; // hidden units in vec4s of 4, zero-padded (workgroup buffers, weight loads)

// The ROWS batch rows of workgroup wid: block wid.x of task group wid.y. Rows past the group's end compute on
// a clamped row (keeps control flow uniform) and store nothing: valid is false for them.
fn ownRows(wid: vec3<u32>, row: ptr<function, array<u32, ROWS>>, valid: ptr<function, array<bool, ROWS>>) {
  for (var i = 0u; i < ROWS; i++) {
    let local = wid.x * ROWS + i;
    (*valid)[i] = local < p.rowsPerGroup;
    (*row)[i] = wid.y * p.rowsPerGroup + min(local, p.rowsPerGroup - 1u);
  }
}

// Every recurrence binds W_hh as `params`. The two ways its threads read it in vec4s:
// W_hh[gate * H + j, 4 kk .. 4 kk + 3] of the weights at w, zero past H.
fn weights4(w: u32, gate: u32, j: u32, kk: u32) -> vec4<f32> {
  let r = w + (gate * H + j) * H + 4u * kk;
  if (H % 4u == 0u) { return vec4(params[r], params[r + 1u], params[r + 2u], params[r + 3u]); }
  var v = vec4<f32>();
  for (var c = 0u; c < 4u; c++) {
    if (4u * kk + c < H) { v[c] = params[r + c]; }
  }
  return v;
}

// W_hh[gate * H + 4 kk .. 4 kk + 3, j] of the weights at w (q = gate * HV + kk), zero past H.
fn weightsT4(w: u32, q: u32, j: u32) -> vec4<f32> {
  let k = 4u * (q % HV);
  let r = w + ((q / HV) * H + k) * H + j;
  if (H % 4u == 0u) { return vec4(params[r], params[r + H], params[r + 2u * H], params[r + 3u * H]); }
  var v = vec4<f32>();
  for (var c = 0u; c < 4u; c++) {
    if (k + c < H) { v[c] = params[r + c * H]; }
  }
  return v;
}
