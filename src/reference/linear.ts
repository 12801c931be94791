/**
 * Float64 references for the dense kernels (linear_forward, linear_backward_input, linear_backward_weight).
 * Layouts as PyTorch nn.Linear: W [groups, outF, inF], b [groups, outF], x/y [groups * rows, features].
 */
export interface LinearRefShape {
  groups: number;
  rowsPerGroup: number;
  inF: number;
  outF: number;
  sharedWeights?: boolean;
}

const wAt = (s: LinearRefShape, g: number) => (s.sharedWeights ? 0 : g * s.outF * s.inF);
const bAt = (s: LinearRefShape, g: number) => (s.sharedWeights ? 0 : g * s.outF);

export function linearForwardRef(
  s: LinearRefShape,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b?: ArrayLike<number>,
) {
  const y = new Float64Array(s.groups * s.rowsPerGroup * s.outF);
  for (let g = 0; g < s.groups; g++)
    for (let r = 0; r < s.rowsPerGroup; r++) {
      const q = g * s.rowsPerGroup + r;
      for (let o = 0; o < s.outF; o++) {
        let acc = b ? b[bAt(s, g) + o] : 0;
        for (let i = 0; i < s.inF; i++) acc += x[q * s.inF + i] * w[wAt(s, g) + o * s.inF + i];
        y[q * s.outF + o] = acc;
      }
    }
  return y;
}

export function linearBackwardInputRef(s: LinearRefShape, dy: ArrayLike<number>, w: ArrayLike<number>) {
  const dx = new Float64Array(s.groups * s.rowsPerGroup * s.inF);
  for (let g = 0; g < s.groups; g++)
    for (let r = 0; r < s.rowsPerGroup; r++) {
      const q = g * s.rowsPerGroup + r;
      for (let i = 0; i < s.inF; i++) {
        let acc = 0;
        for (let o = 0; o < s.outF; o++) acc += dy[q * s.outF + o] * w[wAt(s, g) + o * s.inF + i];
        dx[q * s.inF + i] = acc;
      }
    }
  return dx;
}

export function linearBackwardWeightRef(s: LinearRefShape, x: ArrayLike<number>, dy: ArrayLike<number>) {
  const nW = s.sharedWeights ? 1 : s.groups;
  const dw = new Float64Array(nW * s.outF * s.inF);
  const db = new Float64Array(nW * s.outF);
  for (let g = 0; g < s.groups; g++)
    for (let r = 0; r < s.rowsPerGroup; r++) {
      const q = g * s.rowsPerGroup + r;
      for (let o = 0; o < s.outF; o++) {
        const d = dy[q * s.outF + o];
        db[bAt(s, g) + o] += d;
        for (let i = 0; i < s.inF; i++) dw[wAt(s, g) + o * s.inF + i] += d * x[q * s.inF + i];
      }
    }
  return { dw, db };
}
