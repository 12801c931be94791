/**
 * Float64 twin of shaders/causal_attention.wgsl on contiguous rows r = b·steps + t: q, k [batch·steps, keyDim],
 * v, o, dO [batch·steps, valueDim], lse [batch·steps]. Plain loops over the full [T, T] score matrix of each
 * episode, the textbook way, with the max subtracted before exp.
 */
export interface CausalAttentionRefShape {
  batch: number;
  steps: number;
  keyDim: number;
  valueDim: number;
  /** Default 1 / sqrt(keyDim). */
  scale?: number;
}

/** scale · q_t·k_s for steps t, s of episode b. */
function score(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  s: CausalAttentionRefShape,
  b: number,
  t: number,
  u: number,
) {
  const D = s.keyDim;
  let dot = 0;
  for (let d = 0; d < D; d++) dot += q[(b * s.steps + t) * D + d] * k[(b * s.steps + u) * D + d];
  return (s.scale ?? 1 / Math.sqrt(D)) * dot;
}

/** o_t = Σ_{u≤t} softmax_u(scale · q_t·k_u) v_u per episode, and lse_t = log Σ_{u≤t} exp(scale · q_t·k_u). */
export function causalAttentionRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  s: CausalAttentionRefShape,
): { o: number[]; lse: number[] } {
  const { batch: B, steps: T, valueDim: V } = s;
  const o = new Array<number>(B * T * V).fill(0);
  const lse = new Array<number>(B * T).fill(0);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const z = Array.from({ length: t + 1 }, (_, u) => score(q, k, s, b, t, u));
      const m = Math.max(...z);
      const e = z.map((x) => Math.exp(x - m));
      const l = e.reduce((a, x) => a + x, 0);
      lse[b * T + t] = m + Math.log(l);
      for (let u = 0; u <= t; u++) {
        for (let j = 0; j < V; j++) o[(b * T + t) * V + j] += (e[u] / l) * v[(b * T + u) * V + j];
      }
    }
  }
  return { o, lse };
}

/**
 * Gradients of L = Σ dO·o with respect to q, k, v, from the forward's o and lse (as the kernel takes them):
 * with P_tu = exp(scale · q_t·k_u − lse_t), dP_tu = dO_t·v_u and Δ_t = dO_t·o_t, the softmax's gradient is
 * dZ_tu = P_tu (dP_tu − Δ_t), and dq_t += scale dZ_tu k_u, dk_u += scale dZ_tu q_t, dv_u += P_tu dO_t (u ≤ t).
 */
export function causalAttentionBackwardRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  o: ArrayLike<number>,
  lse: ArrayLike<number>,
  dO: ArrayLike<number>,
  s: CausalAttentionRefShape,
): { dq: number[]; dk: number[]; dv: number[] } {
  const { batch: B, steps: T, keyDim: D, valueDim: V } = s;
  const scale = s.scale ?? 1 / Math.sqrt(D);
  const dq = new Array<number>(B * T * D).fill(0);
  const dk = new Array<number>(B * T * D).fill(0);
  const dv = new Array<number>(B * T * V).fill(0);
  const dot = (a: ArrayLike<number>, i: number, c: ArrayLike<number>, j: number) => {
    let sum = 0;
    for (let x = 0; x < V; x++) sum += a[i * V + x] * c[j * V + x];
    return sum;
  };
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const rt = b * T + t;
      const delta = dot(dO, rt, o, rt);
      for (let u = 0; u <= t; u++) {
        const ru = b * T + u;
        const p = Math.exp(score(q, k, s, b, t, u) - lse[rt]);
        const dz = p * (dot(dO, rt, v, ru) - delta);
        for (let d = 0; d < D; d++) {
          dq[rt * D + d] += scale * dz * k[ru * D + d];
          dk[ru * D + d] += scale * dz * q[rt * D + d];
        }
        for (let j = 0; j < V; j++) dv[ru * V + j] += p * dO[rt * V + j];
      }
    }
  }
  return { dq, dk, dv };
}
