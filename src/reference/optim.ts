/**
 * Float64 references for the optimizer kernels (grad_norm, adam, sgd). State is updated in place; each step
 * returns whether it was skipped because the gradient's squared norm was not finite.
 */
export function sumSquaresRef(grads: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  return s;
}

/** Gradient scale min(1, clip / ||g||) (clip 0 = off), or null when the step must be skipped. */
function clipScale(grads: ArrayLike<number>, clip: number): number | null {
  const norm = Math.sqrt(sumSquaresRef(grads));
  if (!Number.isFinite(norm)) return null;
  return clip > 0 && norm > clip ? clip / norm : 1;
}

export interface AdamRefHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  clip: number;
  /** 1-based step index t of this step. */
  step: number;
}

/** torch.optim.AdamW (weightDecay 0: torch.optim.Adam), after clipping by global norm. */
export function adamStepRef(
  st: { params: Float64Array; m: Float64Array; v: Float64Array },
  grads: ArrayLike<number>,
  h: AdamRefHyper,
): boolean {
  const k = clipScale(grads, h.clip);
  if (k === null) return true;
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  for (let i = 0; i < st.params.length; i++) {
    const g = grads[i] * k;
    st.params[i] *= 1 - h.lr * h.weightDecay;
    st.m[i] = h.beta1 * st.m[i] + (1 - h.beta1) * g;
    st.v[i] = h.beta2 * st.v[i] + (1 - h.beta2) * g * g;
    st.params[i] -= ((h.lr / bc1) * st.m[i]) / (Math.sqrt(st.v[i]) / Math.sqrt(bc2) + h.eps);
  }
  return false;
}

/** Adam's skip counters as its `hyper` tensor holds them (shaders/adam.wgsl): all skips, and skips in a row. */
export interface SkipCountsRef {
  skipped: number;
  inARow: number;
}

/** Counts one step's outcome (adamStepRef's return value) the way adam.wgsl does. */
export function countSkipRef(c: SkipCountsRef, skipped: boolean): void {
  if (skipped) c.skipped++;
  c.inARow = skipped ? c.inARow + 1 : 0;
}

/** torch.optim.SGD without dampening or weight decay, after clipping by global norm; momentum buffer optional. */
export function sgdStepRef(
  st: { params: Float64Array; momentum?: Float64Array },
  grads: ArrayLike<number>,
  h: { lr: number; momentum: number; clip: number },
): boolean {
  const k = clipScale(grads, h.clip);
  if (k === null) return true;
  for (let i = 0; i < st.params.length; i++) {
    let d = grads[i] * k;
    if (st.momentum) d = st.momentum[i] = h.momentum * st.momentum[i] + d;
    st.params[i] -= h.lr * d;
  }
  return false;
}
