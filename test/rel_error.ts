/**
 * How the GPU checks compare a result with its float64 reference: max |a − e| over the tensor, relative to
 * max(max |e|, 1e-3) (one scale for the whole tensor); NaN or a length mismatch counts as the worst.
 * No test-runner import, so test/dawn_kernels_child.ts can use it in a plain Node child.
 */
export function relError(a: ArrayLike<number> | null, e: ArrayLike<number>): number {
  if (!a || a.length !== e.length) return Infinity;
  let scale = 1e-3;
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    scale = Math.max(scale, Math.abs(e[i]));
    const err = Math.abs(a[i] - e[i]);
    if (!(err <= worst)) worst = err; // NaN sticks
  }
  return worst / scale;
}
