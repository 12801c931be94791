/** Float64 twin of shaders/label_bind.wgsl on contiguous rows x [rows, E + N + N·E]. */
export function labelBindRef(
  x: ArrayLike<number>,
  s: { steps: number; embed: number; ways: number; lag?: 0 | 1 },
): number[] {
  const { steps: T, embed: E, ways: N } = s;
  const lag = s.lag ?? 1;
  const W = E + N + N * E;
  const out = Array.from(x);
  for (let r = 0; r * W < out.length; r++) {
    for (let k = 0; k < N; k++) {
      for (let j = 0; j < E; j++) {
        const prev = r % T >= lag ? x[(r - lag) * W + j] : 0;
        out[r * W + E + N + k * E + j] = x[r * W + E + k] * prev;
      }
    }
  }
  return out;
}

/** dx with the bound block's gradient added into the embedding columns of the bound step (`lag` before). */
export function labelBindBackwardRef(
  x: ArrayLike<number>,
  dx: ArrayLike<number>,
  s: { steps: number; embed: number; ways: number; lag?: 0 | 1 },
): number[] {
  const { steps: T, embed: E, ways: N } = s;
  const lag = s.lag ?? 1;
  const W = E + N + N * E;
  const out = Array.from(dx);
  for (let r = 0; r + lag < out.length / W; r++) {
    if (r % T >= T - lag) continue;
    for (let j = 0; j < E; j++) {
      for (let k = 0; k < N; k++)
        out[r * W + j] += x[(r + lag) * W + E + k] * dx[(r + lag) * W + E + N + k * E + j];
    }
  }
  return out;
}
