/**
 * Float64 references for the loss kernels (mse_loss, softmax_cross_entropy). Rows are contiguous here:
 * row q = g * rowsPerGroup + r; tests gather strided GPU inputs into this layout themselves.
 */
export interface MseRefShape {
  groups: number;
  rowsPerGroup: number;
  features: number;
}

export function mseLossRef(s: MseRefShape, pred: ArrayLike<number>, target: ArrayLike<number>, scale = 1) {
  const n = s.rowsPerGroup * s.features;
  const loss = new Float64Array(s.groups);
  const grad = new Float64Array(s.groups * n);
  for (let g = 0; g < s.groups; g++)
    for (let i = g * n; i < (g + 1) * n; i++) {
      const d = pred[i] - target[i];
      loss[g] += (d * d) / n;
      grad[i] = (scale * 2 * d) / n;
    }
  return { loss, grad };
}

export interface CrossEntropyRefShape {
  groups: number;
  rowsPerGroup: number;
  classes: number;
}

/** Labels outside [0, classes) are ignored rows: no loss, zero gradient, correct = −1; an all-ignored group has loss 0. */
export function softmaxCrossEntropyRef(
  s: CrossEntropyRefShape,
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  scale = 1,
) {
  const C = s.classes;
  const loss = new Float64Array(s.groups);
  const grad = new Float64Array(s.groups * s.rowsPerGroup * C);
  const correct = new Float64Array(s.groups * s.rowsPerGroup);
  const labelOf = (q: number) => (labels[q] >= 0 && labels[q] < C ? Math.trunc(labels[q]) : -1);
  for (let g = 0; g < s.groups; g++) {
    const q0 = g * s.rowsPerGroup;
    let count = 0;
    for (let q = q0; q < q0 + s.rowsPerGroup; q++) if (labelOf(q) >= 0) count++;
    for (let q = q0; q < q0 + s.rowsPerGroup; q++) {
      const y = labelOf(q);
      const x = (c: number) => logits[q * C + c];
      let best = 0;
      for (let c = 1; c < C; c++) if (x(c) > x(best)) best = c;
      correct[q] = y < 0 ? -1 : best === y ? 1 : 0;
      if (y < 0) continue;
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(x(c) - x(best));
      loss[g] += (Math.log(sum) + x(best) - x(y)) / count;
      for (let c = 0; c < C; c++)
        grad[q * C + c] = (scale * (Math.exp(x(c) - x(best)) / sum - (c === y ? 1 : 0))) / count;
    }
  }
  return { loss, grad, correct };
}
