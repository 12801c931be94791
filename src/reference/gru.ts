/**
 * Float64 reference for the stacked GRU (gru_forward + gru_backward kernels and their linear parts), written
 * as plainly as possible from PyTorch's nn.GRU equations. Parameters use the same flat layout as the GPU
 * (gruParamLayout), so tests compare buffers directly.
 */
import { gruParamLayout, type GruShape } from '../layout/gru_layout';

export interface GruRefRun {
  batch: number;
  steps: number;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

interface StepCache {
  hPrev: Float64Array;
  xIn: Float64Array;
  r: Float64Array;
  z: Float64Array;
  n: Float64Array;
  hn: Float64Array;
}

export function gruForwardRef(
  s: GruShape,
  run: GruRefRun,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  h0?: ArrayLike<number>,
) {
  const { layers: L, hiddenSize: H } = s;
  const { batch: B, steps: T } = run;
  const Bg = B / s.groups;
  const lay = gruParamLayout(s);
  const output = new Float64Array(B * T * H);
  const hN = new Float64Array(L * B * H);
  const cache: StepCache[][][] = []; // [layer][b][t]
  let input = Float64Array.from(x); // [B, T, I_l]
  for (let l = 0; l < L; l++) {
    const lo = lay.layers[l];
    const I = lo.inputSize;
    const next = new Float64Array(B * T * H);
    cache.push([]);
    for (let b = 0; b < B; b++) {
      const { wih, whh, bih, bhh } = groupWeights(lo, Math.floor(b / Bg), H);
      let h = new Float64Array(H);
      if (h0) for (let j = 0; j < H; j++) h[j] = h0[(l * B + b) * H + j];
      cache[l].push([]);
      for (let t = 0; t < T; t++) {
        const xIn = input.subarray((b * T + t) * I, (b * T + t + 1) * I);
        const gate = (k: number) => {
          let a = params[bih + k];
          for (let i = 0; i < I; i++) a += params[wih + k * I + i] * xIn[i];
          let c = params[bhh + k];
          for (let i = 0; i < H; i++) c += params[whh + k * H + i] * h[i];
          return [a, c];
        };
        const c: StepCache = {
          hPrev: h,
          xIn: Float64Array.from(xIn),
          r: new Float64Array(H),
          z: new Float64Array(H),
          n: new Float64Array(H),
          hn: new Float64Array(H),
        };
        const hNew = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const [ar, cr] = gate(j);
          const [az, cz] = gate(H + j);
          const [an, cn] = gate(2 * H + j);
          c.r[j] = sigmoid(ar + cr);
          c.z[j] = sigmoid(az + cz);
          c.hn[j] = cn;
          c.n[j] = Math.tanh(an + c.r[j] * cn);
          hNew[j] = (1 - c.z[j]) * c.n[j] + c.z[j] * h[j];
        }
        cache[l][b].push(c);
        h = hNew;
        next.set(h, (b * T + t) * H);
      }
      hN.set(h, (l * B + b) * H);
    }
    input = next;
  }
  output.set(input);
  return { output, hN, cache };
}

/** Gradients of L = Σ dOut ⊙ output + Σ dhN ⊙ h_N with respect to params (flat), x and h0. */
export function gruBackwardRef(
  s: GruShape,
  run: GruRefRun,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  h0: ArrayLike<number> | undefined,
  dOut: ArrayLike<number> | undefined,
  dhN: ArrayLike<number> | undefined,
) {
  const { layers: L, hiddenSize: H } = s;
  const { batch: B, steps: T } = run;
  const Bg = B / s.groups;
  const lay = gruParamLayout(s);
  const { cache } = gruForwardRef(s, run, params, x, h0);
  const grads = new Float64Array(lay.size);
  const dh0 = new Float64Array(L * B * H);
  let dY = dOut ? Float64Array.from(dOut) : new Float64Array(B * T * H); // gradient w.r.t. this layer's outputs
  let dx = new Float64Array(0);
  for (let l = L - 1; l >= 0; l--) {
    const lo = lay.layers[l];
    const I = lo.inputSize;
    const dIn = new Float64Array(B * T * I);
    for (let b = 0; b < B; b++) {
      const { wih, whh, bih, bhh } = groupWeights(lo, Math.floor(b / Bg), H);
      let dh = new Float64Array(H);
      if (dhN) for (let j = 0; j < H; j++) dh[j] = dhN[(l * B + b) * H + j];
      for (let t = T - 1; t >= 0; t--) {
        const c = cache[l][b][t];
        const dPrev = new Float64Array(H);
        const dgi = new Float64Array(3 * H);
        const dgh = new Float64Array(3 * H);
        for (let j = 0; j < H; j++) {
          const d = dh[j] + dY[(b * T + t) * H + j];
          const dn = d * (1 - c.z[j]);
          const dz = d * (c.hPrev[j] - c.n[j]);
          const dan = dn * (1 - c.n[j] ** 2);
          const dar = dan * c.hn[j] * c.r[j] * (1 - c.r[j]);
          const daz = dz * c.z[j] * (1 - c.z[j]);
          dgi[j] = dar;
          dgi[H + j] = daz;
          dgi[2 * H + j] = dan;
          dgh[j] = dar;
          dgh[H + j] = daz;
          dgh[2 * H + j] = dan * c.r[j];
          dPrev[j] += d * c.z[j];
        }
        for (let k = 0; k < 3 * H; k++) {
          grads[bih + k] += dgi[k];
          grads[bhh + k] += dgh[k];
          for (let i = 0; i < I; i++) {
            grads[wih + k * I + i] += dgi[k] * c.xIn[i];
            dIn[(b * T + t) * I + i] += dgi[k] * params[wih + k * I + i];
          }
          for (let i = 0; i < H; i++) {
            grads[whh + k * H + i] += dgh[k] * c.hPrev[i];
            dPrev[i] += dgh[k] * params[whh + k * H + i];
          }
        }
        dh = dPrev;
      }
      dh0.set(dh, (l * B + b) * H);
    }
    dY = dIn;
    dx = dIn;
  }
  return { grads, dx, dh0 };
}

/** The scalar whose gradient gruBackwardRef returns, for finite-difference checks. */
export function gruProbeLoss(
  s: GruShape,
  run: GruRefRun,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  h0: ArrayLike<number> | undefined,
  dOut: ArrayLike<number>,
  dhN: ArrayLike<number>,
): number {
  const { output, hN } = gruForwardRef(s, run, params, x, h0);
  let loss = 0;
  for (let i = 0; i < output.length; i++) loss += dOut[i] * output[i];
  for (let i = 0; i < hN.length; i++) loss += dhN[i] * hN[i];
  return loss;
}

/** Offsets of group g's weights in layer `lo` (each tensor stored as [groups, …], see gru_layout). */
export function groupWeights(
  lo: { inputSize: number; wih: number; whh: number; bih: number; bhh: number },
  g: number,
  H: number,
) {
  const I = lo.inputSize;
  return {
    wih: lo.wih + g * 3 * H * I,
    whh: lo.whh + g * 3 * H * H,
    bih: lo.bih + g * 3 * H,
    bhh: lo.bhh + g * 3 * H,
  };
}
