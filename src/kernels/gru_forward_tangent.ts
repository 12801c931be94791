import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/gru_rows.wgsl?raw';
import body from '../../shaders/gru_forward_tangent.wgsl?raw';
import { checkGruShape, gruGeometry, type GruRun } from './gru_forward';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { linearForward } from './linear_forward';
import type { RowLayout } from './linear_tile';

const source = `${common}\n${body}`;

export interface GruForwardTangentTensors {
  /** The point: flat parameters (gruParamLayout), the input and whether gruForward had an h0. */
  params: Tensor;
  x: Tensor;
  xRows?: RowLayout;
  hasH0?: boolean;
  /** The direction: parameters' tangent (same layout as params), the input's (absent: zero) and h0's. */
  tparams: Tensor;
  tx?: Tensor | null;
  txRows?: RowLayout;
  th0?: Tensor | null;
  /** Saved by gruForward at the point (read only). */
  hs: Tensor;
  gates: Tensor;
  /** Out: ths[l, b, t+1] = ḣ_t [L, B, T+1, H]; tgates [L, B, T, 4H] = (ṙ, ż, ṅ, ḣn) for gruBackwardTangent. */
  ths: Tensor;
  tgates: Tensor;
}

/**
 * Forward-mode derivative of the stacked GRU along a direction in (params, x, h0), after gruForward at the
 * point. Per layer: the input projection's tangent Ẇ_ih x + ḃ_ih (+ W_ih ẋ) as one or two batched matmuls
 * (linear_forward), then one recurrent dispatch over all T (gru_forward_tangent). 2–3 dispatches per layer.
 */
export function gruForwardTangent(
  rec: Recorder,
  shape: GruShape,
  run: GruRun,
  t: GruForwardTangentTensors,
): void {
  const rowsPerGroup = checkGruShape(shape, run);
  const { layers: L, hiddenSize: H, groups: G } = shape;
  const { batch: B, steps: T } = run;
  const layout = gruParamLayout(shape);
  const geo = gruGeometry(H, rowsPerGroup, rec, 4 * 4 * Math.ceil(H / 4));
  const hsRows: RowLayout = { block: T, blockStride: (T + 1) * H, rowStride: H };
  const below = (a: Tensor, l: number) => a.view((l - 1) * B * (T + 1) * H + H, [B, T, H]);
  for (let l = 0; l < L; l++) {
    const lo = layout.layers[l];
    const x = l === 0 ? t.x : below(t.hs, l);
    const tx = l === 0 ? (t.tx ?? null) : below(t.ths, l);
    const tgates = t.tgates.view(l * B * T * 4 * H, [B, T, 4 * H]);
    const gates = t.gates.view(l * B * T * 4 * H, [B, T, 4 * H]);
    const rows = { groups: G, rowsPerGroup: rowsPerGroup * T, inF: lo.inputSize, outF: 3 * H };
    const y = { y: tgates, yLayout: { rowStride: 4 * H } };
    const xRows = l === 0 ? t.xRows : hsRows;
    linearForward(rec, rows, {
      x,
      xRows,
      w: t.tparams.view(lo.wih, []),
      b: t.tparams.view(lo.bih, []),
      ...y,
    });
    if (tx) {
      const txRows = l === 0 ? t.txRows : hsRows;
      linearForward(rec, rows, {
        x: tx,
        xRows: txRows,
        w: t.params.view(lo.wih, []),
        ...y,
        accumulate: true,
      });
    }
    rec.dispatch({
      kernel: 'gru_forward_tangent',
      source,
      defines: {
        ...geo.defines,
        HBUF: 2 * geo.rows * 2 * Math.ceil(H / 4),
        HAS_H0: Boolean(t.hasH0),
        HAS_TH0: Boolean(t.th0),
      },
      uniforms: new Uint32Array([
        B, T, rowsPerGroup, 3 * H,
        t.params.offset + lo.whh, t.tparams.offset + lo.whh, t.tparams.offset + lo.bhh, 3 * H * H,
        t.hs.offset + l * B * (T + 1) * H, gates.offset, t.ths.offset + l * B * (T + 1) * H, tgates.offset,
        (t.th0?.offset ?? 0) + l * B * H, 0, 0, 0,
      ]), // prettier-ignore
      buffers: [
        t.params.buffer,
        t.tparams.buffer,
        t.hs.buffer,
        t.gates.buffer,
        t.ths.buffer,
        t.tgates.buffer,
        t.th0?.buffer ?? null,
      ],
      workgroups: [Math.ceil(rowsPerGroup / geo.rows), G],
    });
  }
}
