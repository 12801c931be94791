/**
 * Float64 reference for the GRU's tangent kernels (gru_forward_tangent + gru_backward_tangent with their linear
 * parts): forward-mode differentiation of the stacked GRU's forward pass and of its backpropagation, written
 * out plainly per (row, step, unit) with the product rule. With L = Σ dOut ⊙ outputs, it returns the gradient
 * (∇_params L, ∇_x L) and its derivative along the direction (params˙, x˙, dOut˙); when dOut is a loss's
 * gradient at the outputs and dOut˙ that gradient's tangent, the latter is an exact Hessian-vector product.
 * Parameters use gruParamLayout (per-task groups), as the GPU does; h0 = 0. test/gru_tangent.test.ts checks
 * this reference against central differences of gruBackwardRef in float64.
 */
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { groupWeights as offsets, type GruRefRun } from './gru';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

interface Step {
  h: Float64Array; // h_{t−1}
  th: Float64Array;
  x: Float64Array; // the layer's input at t
  tx: Float64Array;
  r: Float64Array;
  z: Float64Array;
  n: Float64Array;
  hn: Float64Array;
  tr: Float64Array;
  tz: Float64Array;
  tn: Float64Array;
  thn: Float64Array;
}

export function gruTangentRef(
  s: GruShape,
  run: GruRefRun,
  params: ArrayLike<number>,
  tparams: ArrayLike<number>,
  x: ArrayLike<number>,
  tx: ArrayLike<number> | undefined,
  dOut: ArrayLike<number>,
  tdOut: ArrayLike<number> | undefined,
) {
  const { layers: L, hiddenSize: H } = s;
  const { batch: B, steps: T } = run;
  const Bg = B / s.groups;
  const lay = gruParamLayout(s);
  const P = params;
  const TP = tparams;
  const steps: Step[][][] = []; // [layer][b][t]
  let input = Float64Array.from(x);
  let tinput = tx ? Float64Array.from(tx) : new Float64Array(input.length);
  for (let l = 0; l < L; l++) {
    const lo = lay.layers[l];
    const I = lo.inputSize;
    const out = new Float64Array(B * T * H);
    const tout = new Float64Array(B * T * H);
    steps.push([]);
    for (let b = 0; b < B; b++) {
      const o = offsets(lo, Math.floor(b / Bg), H);
      let h = new Float64Array(H);
      let th = new Float64Array(H);
      steps[l].push([]);
      for (let t = 0; t < T; t++) {
        const xt = input.slice((b * T + t) * I, (b * T + t + 1) * I);
        const txt = tinput.slice((b * T + t) * I, (b * T + t + 1) * I);
        // a = W_ih x + b_ih, c = W_hh h + b_hh for gate row k, and their tangents.
        const pre = (k: number) => {
          let a = P[o.bih + k];
          let ta = TP[o.bih + k];
          for (let i = 0; i < I; i++) {
            a += P[o.wih + k * I + i] * xt[i];
            ta += TP[o.wih + k * I + i] * xt[i] + P[o.wih + k * I + i] * txt[i];
          }
          let c = P[o.bhh + k];
          let tc = TP[o.bhh + k];
          for (let i = 0; i < H; i++) {
            c += P[o.whh + k * H + i] * h[i];
            tc += TP[o.whh + k * H + i] * h[i] + P[o.whh + k * H + i] * th[i];
          }
          return { a, ta, c, tc };
        };
        const st: Step = {
          h,
          th,
          x: xt,
          tx: txt,
          ...{
            r: new Float64Array(H),
            z: new Float64Array(H),
            n: new Float64Array(H),
            hn: new Float64Array(H),
          },
          ...{
            tr: new Float64Array(H),
            tz: new Float64Array(H),
            tn: new Float64Array(H),
            thn: new Float64Array(H),
          },
        };
        const hNew = new Float64Array(H);
        const thNew = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const gr = pre(j);
          const gz = pre(H + j);
          const gn = pre(2 * H + j);
          const r = sigmoid(gr.a + gr.c);
          const z = sigmoid(gz.a + gz.c);
          const n = Math.tanh(gn.a + r * gn.c);
          const tr = r * (1 - r) * (gr.ta + gr.tc);
          const tz = z * (1 - z) * (gz.ta + gz.tc);
          const tn = (1 - n * n) * (gn.ta + tr * gn.c + r * gn.tc);
          st.r[j] = r;
          st.z[j] = z;
          st.n[j] = n;
          st.hn[j] = gn.c;
          st.tr[j] = tr;
          st.tz[j] = tz;
          st.tn[j] = tn;
          st.thn[j] = gn.tc;
          hNew[j] = (1 - z) * n + z * h[j];
          thNew[j] = -tz * n + (1 - z) * tn + tz * h[j] + z * th[j];
        }
        steps[l][b].push(st);
        h = hNew;
        th = thNew;
        out.set(h, (b * T + t) * H);
        tout.set(th, (b * T + t) * H);
      }
    }
    input = out;
    tinput = tout;
  }
  const output = input;
  const tOutput = tinput;

  const grads = new Float64Array(lay.size);
  const tgrads = new Float64Array(lay.size);
  let dY = Float64Array.from(dOut);
  let tdY = tdOut ? Float64Array.from(tdOut) : new Float64Array(dY.length);
  let dx = new Float64Array(0);
  let tdx = new Float64Array(0);
  for (let l = L - 1; l >= 0; l--) {
    const lo = lay.layers[l];
    const I = lo.inputSize;
    const dIn = new Float64Array(B * T * I);
    const tdIn = new Float64Array(B * T * I);
    for (let b = 0; b < B; b++) {
      const o = offsets(lo, Math.floor(b / Bg), H);
      let dh = new Float64Array(H);
      let tdh = new Float64Array(H);
      for (let t = T - 1; t >= 0; t--) {
        const c = steps[l][b][t];
        const dPrev = new Float64Array(H);
        const tdPrev = new Float64Array(H);
        const dgi = new Float64Array(3 * H);
        const dgh = new Float64Array(3 * H);
        const tdgi = new Float64Array(3 * H);
        const tdgh = new Float64Array(3 * H);
        for (let j = 0; j < H; j++) {
          const d = dh[j] + dY[(b * T + t) * H + j];
          const td = tdh[j] + tdY[(b * T + t) * H + j];
          const [r, z, n, hn, hp] = [c.r[j], c.z[j], c.n[j], c.hn[j], c.h[j]];
          const [tr, tz, tn, thn, thp] = [c.tr[j], c.tz[j], c.tn[j], c.thn[j], c.th[j]];
          // Plain BPTT: da_n = d(1−z)(1−n²), da_z = d(h−n)z(1−z), da_r = da_n·hn·r(1−r); then the product rule.
          const dan = d * (1 - z) * (1 - n * n);
          const tdan = td * (1 - z) * (1 - n * n) - d * tz * (1 - n * n) - d * (1 - z) * 2 * n * tn;
          const daz = d * (hp - n) * z * (1 - z);
          const tdaz =
            td * (hp - n) * z * (1 - z) + d * (thp - tn) * z * (1 - z) + d * (hp - n) * tz * (1 - 2 * z);
          const dar = dan * hn * r * (1 - r);
          const tdar = tdan * hn * r * (1 - r) + dan * thn * r * (1 - r) + dan * hn * tr * (1 - 2 * r);
          [dgi[j], dgi[H + j], dgi[2 * H + j]] = [dar, daz, dan];
          [dgh[j], dgh[H + j], dgh[2 * H + j]] = [dar, daz, dan * r];
          [tdgi[j], tdgi[H + j], tdgi[2 * H + j]] = [tdar, tdaz, tdan];
          [tdgh[j], tdgh[H + j], tdgh[2 * H + j]] = [tdar, tdaz, tdan * r + dan * tr];
          dPrev[j] += d * z;
          tdPrev[j] += td * z + d * tz;
        }
        for (let k = 0; k < 3 * H; k++) {
          grads[o.bih + k] += dgi[k];
          grads[o.bhh + k] += dgh[k];
          tgrads[o.bih + k] += tdgi[k];
          tgrads[o.bhh + k] += tdgh[k];
          for (let i = 0; i < I; i++) {
            const w = P[o.wih + k * I + i];
            grads[o.wih + k * I + i] += dgi[k] * c.x[i];
            tgrads[o.wih + k * I + i] += tdgi[k] * c.x[i] + dgi[k] * c.tx[i];
            dIn[(b * T + t) * I + i] += dgi[k] * w;
            tdIn[(b * T + t) * I + i] += tdgi[k] * w + dgi[k] * TP[o.wih + k * I + i];
          }
          for (let i = 0; i < H; i++) {
            const w = P[o.whh + k * H + i];
            grads[o.whh + k * H + i] += dgh[k] * c.h[i];
            tgrads[o.whh + k * H + i] += tdgh[k] * c.h[i] + dgh[k] * c.th[i];
            dPrev[i] += dgh[k] * w;
            tdPrev[i] += tdgh[k] * w + dgh[k] * TP[o.whh + k * H + i];
          }
        }
        dh = dPrev;
        tdh = tdPrev;
      }
    }
    dY = dIn;
    tdY = tdIn;
    dx = dIn;
    tdx = tdIn;
  }
  return { output, tOutput, grads, tgrads, dx, tdx };
}
