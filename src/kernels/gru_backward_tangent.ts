import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/gru_rows.wgsl?raw';
import body from '../../shaders/gru_backward_tangent.wgsl?raw';
import { checkGruShape, gruGeometry, type GruRun } from './gru_forward';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { linearBackwardInput } from './linear_backward_input';
import { linearBackwardWeight } from './linear_backward_weight';
import type { RowLayout } from './linear_tile';

const source = `${common}\n${body}`;

export interface GruBackwardTangentTensors {
  /** The point and the direction, as given to gruForwardTangent. */
  params: Tensor;
  tparams: Tensor;
  x: Tensor;
  xRows?: RowLayout;
  tx?: Tensor | null;
  txRows?: RowLayout;
  /** Saved by gruForward and gruForwardTangent; gates and tgates are overwritten (consumed). */
  hs: Tensor;
  gates: Tensor;
  ths: Tensor;
  tgates: Tensor;
  /** dL/d(outputs of the last layer) [B, T, H] and its tangent; absent means zero. */
  dOut?: Tensor | null;
  tdOut?: Tensor | null;
  /** Out: the tangent of the parameter gradient (flat, params' layout) — a Hessian-vector product. */
  tgrads: Tensor;
  /** Out, optional: the parameter gradient itself. */
  grads?: Tensor | null;
  /** Out, optional: dL/dx [B, T, I] and its tangent. */
  dx?: Tensor | null;
  tdx?: Tensor | null;
  /** Gradient between layers and its tangent, [B, T, H] each (needed when layers > 1). */
  workDy?: Tensor | null;
  tworkDy?: Tensor | null;
  /** Add into tgrads, grads, dx and tdx instead of overwriting. */
  accumulate?: boolean;
}

/**
 * The tangent of stacked-GRU backpropagation along the direction given to gruForwardTangent: with
 * L = Σ dOut ⊙ outputs, the derivative of (∇_params L, ∇_x L) along (params˙, x˙, dOut˙) — for a loss whose
 * dOut is its gradient at the outputs, and dOut˙ that gradient's tangent, an exact Hessian-vector product.
 * Per layer, top first: one recurrent dispatch that runs BPTT and its tangent together (gru_backward_tangent),
 * then by the product rule the weight-gradient tangents Σ ḋ(g) ⊗ in + d(g) ⊗ in˙ as batched reductions
 * (linear_backward_weight; W_ih and W_hh, 4 dispatches), and the gradient passed down, W_ihᵀ d(gi), with its
 * tangent W_ihᵀ ḋ(gi) + Ẇ_ihᵀ d(gi) (linear_backward_input, 3 dispatches). The plain gradient costs 2 more.
 */
export function gruBackwardTangent(
  rec: Recorder,
  shape: GruShape,
  run: GruRun,
  t: GruBackwardTangentTensors,
): void {
  const rowsPerGroup = checkGruShape(shape, run);
  const { layers: L, hiddenSize: H, groups: G } = shape;
  const { batch: B, steps: T } = run;
  const layout = gruParamLayout(shape, 0);
  const geo = gruGeometry(H, rowsPerGroup, rec, 12 * 4 * Math.ceil(H / 4));
  if (L > 1 && !(t.workDy && t.tworkDy))
    throw new RangeError('gruBackwardTangent: a stacked GRU needs workDy and tworkDy [B, T, H]');
  const hsRows: RowLayout = { block: T, blockStride: (T + 1) * H, rowStride: H };
  const below = (a: Tensor, l: number) => a.view((l - 1) * B * (T + 1) * H + H, [B, T, H]);
  const prev = (a: Tensor, l: number) => a.view(l * B * (T + 1) * H, [B, T, H]);
  const accumulate = Boolean(t.accumulate);

  for (let l = L - 1; l >= 0; l--) {
    const lo = layout.layers[l];
    const dOut = l === L - 1 ? (t.dOut ?? null) : t.workDy!;
    const tdOut = l === L - 1 ? (t.tdOut ?? null) : t.tworkDy!;
    const dg = t.gates.view(l * B * T * 4 * H, [B, T, 4 * H]);
    const tdg = t.tgates.view(l * B * T * 4 * H, [B, T, 4 * H]);
    rec.dispatch({
      kernel: 'gru_backward_tangent',
      source,
      defines: {
        ...geo.defines,
        SBUF: 2 * geo.rows * 6 * Math.ceil(H / 4),
        CARRY: geo.units * geo.rows,
        HAS_DOUT: Boolean(dOut),
        HAS_TDOUT: Boolean(tdOut),
      },
      uniforms: new Uint32Array([
        B, T, rowsPerGroup, 3 * H * H,
        dOut?.offset ?? 0, tdOut?.offset ?? 0, t.params.offset + lo.whh, t.tparams.offset + lo.whh,
        t.hs.offset + l * B * (T + 1) * H, t.ths.offset + l * B * (T + 1) * H, dg.offset, tdg.offset,
      ]), // prettier-ignore
      buffers: [
        dOut?.buffer ?? null,
        tdOut?.buffer ?? null,
        t.params.buffer,
        t.tparams.buffer,
        t.hs.buffer,
        t.ths.buffer,
        t.gates.buffer,
        t.tgates.buffer,
      ],
      workgroups: [Math.ceil(rowsPerGroup / geo.rows), G],
    });

    // Gate rows now hold (da_r, da_z, da_n, r ⊙ da_n) and their tangents: d(gi) is columns 0..3H, d(gh)
    // columns 0, 1 and 3 (H each), as after gru_backward.
    const dgi = { rowStride: 4 * H };
    const dgh = { rowStride: 4 * H, split: 2 * H, skip: H };
    const rows = { groups: G, rowsPerGroup: rowsPerGroup * T, outF: 3 * H };
    const input = l === 0 ? t.x : below(t.hs, l);
    const inputRows = l === 0 ? t.xRows : hsRows;
    const tinput = l === 0 ? (t.tx ?? null) : below(t.ths, l);
    const tinputRows = l === 0 ? t.txRows : hsRows;
    const at = (a: Tensor, offset: number) => a.view(offset, []);
    const wih = { ...rows, inF: lo.inputSize };
    const whh = { ...rows, inF: H };
    // W_ih, b_ih: Σ ḋ(gi) ⊗ x (+ Σ d(gi) ⊗ ẋ).
    linearBackwardWeight(rec, wih, {
      x: input,
      xRows: inputRows,
      dy: tdg,
      dyLayout: dgi,
      dw: at(t.tgrads, lo.wih),
      db: at(t.tgrads, lo.bih),
      accumulate,
    });
    if (tinput) {
      linearBackwardWeight(rec, wih, {
        x: tinput,
        xRows: tinputRows,
        dy: dg,
        dyLayout: dgi,
        dw: at(t.tgrads, lo.wih),
        accumulate: true,
      });
    }
    // W_hh, b_hh: Σ ḋ(gh) ⊗ h_{t−1} + Σ d(gh) ⊗ ḣ_{t−1}.
    linearBackwardWeight(rec, whh, {
      x: prev(t.hs, l),
      xRows: hsRows,
      dy: tdg,
      dyLayout: dgh,
      dw: at(t.tgrads, lo.whh),
      db: at(t.tgrads, lo.bhh),
      accumulate,
    });
    linearBackwardWeight(rec, whh, {
      x: prev(t.ths, l),
      xRows: hsRows,
      dy: dg,
      dyLayout: dgh,
      dw: at(t.tgrads, lo.whh),
      accumulate: true,
    });
    if (t.grads) {
      linearBackwardWeight(rec, wih, {
        x: input,
        xRows: inputRows,
        dy: dg,
        dyLayout: dgi,
        dw: at(t.grads, lo.wih),
        db: at(t.grads, lo.bih),
        accumulate,
      });
      linearBackwardWeight(rec, whh, {
        x: prev(t.hs, l),
        xRows: hsRows,
        dy: dg,
        dyLayout: dgh,
        dw: at(t.grads, lo.whh),
        db: at(t.grads, lo.bhh),
        accumulate,
      });
    }
    // Down to the layer below (or to x): W_ihᵀ d(gi), and its tangent W_ihᵀ ḋ(gi) + Ẇ_ihᵀ d(gi).
    const dIn = l > 0 ? t.workDy! : (t.dx ?? null);
    const tdIn = l > 0 ? t.tworkDy! : (t.tdx ?? null);
    const acc = l === 0 && accumulate;
    if (dIn) {
      linearBackwardInput(rec, wih, {
        dy: dg,
        dyLayout: dgi,
        w: at(t.params, lo.wih),
        dx: dIn,
        accumulate: acc,
      });
    }
    if (tdIn) {
      linearBackwardInput(rec, wih, {
        dy: tdg,
        dyLayout: dgi,
        w: at(t.params, lo.wih),
        dx: tdIn,
        accumulate: acc,
      });
      linearBackwardInput(rec, wih, {
        dy: dg,
        dyLayout: dgi,
        w: at(t.tparams, lo.wih),
        dx: tdIn,
        accumulate: true,
      });
    }
  }
}
