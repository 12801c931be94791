/** Float64 twin of shaders/label_bind.wgsl on contiguous rows x [rows, E + N + N·E]. */
export function labelBindRef(
  x: ArrayLike<number>,
  s: { steps: number; embed: number; ways: number },
): number[] {
  const { steps: T, embed: E, ways: N } = s;
  const W = E + N + N * E;
  const out = Array.from(x);
  for (let r = 0; r * W < out.length; r++) {
    for (let k = 0; k < N; k++) {
      for (let j = 0; j < E; j++) {
        const prev = r % T > 0 ? x[(r - 1) * W + j] : 0;
        out[r * W + E + N + k * E + j] = x[r * W + E + k] * prev;
      }
    }
  }
  return out;
}

/** dx with the bound block's gradient added into the embedding columns of the step before. */
export function labelBindBackwardRef(
  x: ArrayLike<number>,
  dx: ArrayLike<number>,
  s: { steps: number; embed: number; ways: number },
): number[] {
  const { steps: T, embed: E, ways: N } = s;
  const W = E + N + N * E;
  const out = Array.from(dx);
  for (let r = 0; r < out.length / W - 1; r++) {
    if (r % T === T - 1) continue;
    for (let j = 0; j < E; j++) {
      for (let k = 0; k < N; k++)
        out[r * W + j] += x[(r + 1) * W + E + k] * dx[(r + 1) * W + E + N + k * E + j];
    }
  }
  return out;
}
