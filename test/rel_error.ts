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
    if (Number.isNaN(err)) return Infinity; // NaN (an unwritten, poisoned output) is the worst
    if (err > worst) worst = err;
  }
  return worst / scale;
}

/**
 * Issue 15's per-entry relative error: |a − e| / max(|e|, 1e-6 · max |e|), the worst entry, over the entries
 * at least `above` · max |e| (0: all). Stricter than relError's one scale per tensor: small entries must be
 * right on their own scale too. NaN counts as the worst (Infinity).
 */
export function perEntryError(a: ArrayLike<number>, e: ArrayLike<number>, above = 0): number {
  let top = 0;
  for (let i = 0; i < e.length; i++) top = Math.max(top, Math.abs(e[i]));
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    if (Math.abs(e[i]) < above * top) continue;
    const r = Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), 1e-6 * top);
    if (Number.isNaN(r)) return Infinity;
    if (r > worst) worst = r;
  }
  return worst;
}
