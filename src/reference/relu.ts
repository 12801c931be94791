/** Float64 ReLU and its gradient (derivative 0 at 0, as PyTorch), on contiguous [rows, cols] arrays. */
export const reluRef = (x: ArrayLike<number>) => Array.from(x, (v) => Math.max(v, 0));

export const reluBackwardRef = (x: ArrayLike<number>, dy: ArrayLike<number>) =>
  Array.from(x, (v, i) => (v > 0 ? dy[i] : 0));
