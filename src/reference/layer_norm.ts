/** Float64 twin of shaders/layer_norm.wgsl on contiguous rows [rows, cols] (no affine weights, ε = 1e-5). */
export function layerNormRef(x: ArrayLike<number>, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * cols < x.length; r++) {
    const row = Array.from({ length: cols }, (_, c) => x[r * cols + c]);
    const mean = row.reduce((a, b) => a + b, 0) / cols;
    const inv = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / cols + 1e-5);
    out.push(...row.map((v) => (v - mean) * inv));
  }
  return out;
}

export function layerNormBackwardRef(x: ArrayLike<number>, dy: ArrayLike<number>, cols: number): number[] {
  const y = layerNormRef(x, cols);
  const out: number[] = [];
  for (let r = 0; r * cols < x.length; r++) {
    const row = Array.from({ length: cols }, (_, c) => x[r * cols + c]);
    const mean = row.reduce((a, b) => a + b, 0) / cols;
    const inv = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / cols + 1e-5);
    let mDy = 0;
    let mDyY = 0;
    for (let c = 0; c < cols; c++) {
      mDy += dy[r * cols + c] / cols;
      mDyY += (dy[r * cols + c] * y[r * cols + c]) / cols;
    }
    for (let c = 0; c < cols; c++) out.push((dy[r * cols + c] - mDy - y[r * cols + c] * mDyY) * inv);
  }
  return out;
}
