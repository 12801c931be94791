// Shared by the GRU recurrences (prepended to gru_forward and gru_backward): the launch geometry that
// gruGeometry in src/kernels/gru_forward.ts chooses, and the batch rows a workgroup owns. The kernel's Params
// has rowsPerGroup (batch rows per task group).

const H = ${HIDDEN}u;
const ROWS = ${ROWS}u;
const WG = ${WG}u;
const UNITS = ${UNITS}u; // ceil(H / WG): hidden units per thread

// The ROWS batch rows of workgroup wid: block wid.x of task group wid.y. Rows past the group's end compute on
// a clamped row (keeps control flow uniform) and store nothing: valid is false for them.
fn ownRows(wid: vec3<u32>, row: ptr<function, array<u32, ROWS>>, valid: ptr<function, array<bool, ROWS>>) {
  for (var i = 0u; i < ROWS; i++) {
    let local = wid.x * ROWS + i;
    (*valid)[i] = local < p.rowsPerGroup;
    (*row)[i] = wid.y * p.rowsPerGroup + min(local, p.rowsPerGroup - 1u);
  }
}
