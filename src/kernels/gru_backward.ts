import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/gru_rows.wgsl?raw';
import io from '../../shaders/gru_backward_io.wgsl?raw';
import body from '../../shaders/gru_backward.wgsl?raw';
import { checkGruShape, gruGeometry, type GruRun } from './gru_forward';
import { gruTiles, gruWeights, useBroadcastGru } from './gru_tuning';
import { broadcastBackwardKernel, source as broadcastSource } from './gru_backward_broadcast';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { linearBackwardInput } from './linear_backward_input';
import { linearBackwardWeight } from './linear_backward_weight';
import type { RowLayout } from './linear_tile';

const source = `${common}\n${io}\n${body}`;

export interface GruBackwardTensors {
  params: Tensor;
  x: Tensor;
  xRows?: RowLayout;
  /** Saved by gruForward. Backward overwrites `gates` with the gate gradients (it consumes them). */
  hs: Tensor;
  gates: Tensor;
  /** dL/d(outputs of the last layer) [B, T, H]; absent means zero. */
  dOut?: Tensor | null;
  /** dL/dh_T [L, B, H]; absent means zero. */
  dhN?: Tensor | null;
  /** Weight and bias gradients, same flat layout as params. Overwritten unless `accumulate`. */
  grads: Tensor;
  /** dL/dx [B, T, I], optional. */
  dx?: Tensor | null;
  /** dL/dh0 [L, B, H], optional. */
  dh0?: Tensor | null;
  /** Gradient passed between layers [B, T, H] (needed when layers > 1; from allocGruBuffers). */
  workDy?: Tensor | null;
  /** Add into grads / dx instead of overwriting (weights or inputs used more than once). */
  accumulate?: boolean;
}

/**
 * Stacked GRU backward (BPTT), top layer first. Per layer: one recurrent dispatch over all T (gru_backward),
 * then the weight gradients of all steps as two batched reductions (linear_backward_weight for W_ih/b_ih
 * against the layer input and for W_hh/b_hh against h_{t−1}, read in place from hs), and one matmul passing
 * the gradient to the layer below (or to x). 3–4 dispatches per layer, independent of T.
 */
export function gruBackward(rec: Recorder, shape: GruShape, run: GruRun, t: GruBackwardTensors): void {
  const rowsPerGroup = checkGruShape(shape, run);
  const { layers: L, hiddenSize: H, groups: G } = shape;
  const { batch: B, steps: T } = run;
  const layout = gruParamLayout(shape, 0);
  const geo = gruGeometry(H, rowsPerGroup, rec, undefined, gruTiles(rec.variants).backwardUnits);
  const broadcast = useBroadcastGru(rec.variants, { hidden: H, steps: T, rowsPerGroup });
  const dy = t.workDy ?? null;
  if (L > 1 && !dy)
    throw new RangeError('gruBackward: a stacked GRU needs workDy [B, T, H] for the gradient between layers');
  const hsRows: RowLayout = { block: T, blockStride: (T + 1) * H, rowStride: H };
  const at = (offset: number) => t.params.view(offset, []);
  const gradAt = (offset: number) => t.grads.view(offset, []);

  for (let l = L - 1; l >= 0; l--) {
    const lo = layout.layers[l];
    const dOut = l === L - 1 ? (t.dOut ?? null) : dy;
    // After the recurrent dispatch this layer's gates rows hold (da_r, da_z, da_n, r ⊙ da_n):
    // d(gi) is columns 0..3H, d(gh) columns 0, 1 and 3 (H each).
    const dg = t.gates.view(l * B * T * 4 * H, [B, T, 4 * H]);
    const dgi = { rowStride: 4 * H };
    const dgh = { rowStride: 4 * H, split: 2 * H, skip: H };
    const flags = { HAS_DOUT: Boolean(dOut), HAS_DHN: Boolean(t.dhN), HAS_DH0: Boolean(t.dh0) };
    const recurrence = broadcast
      ? {
          kernel: 'gru_backward_broadcast',
          source: broadcastSource,
          ...broadcastBackwardKernel(H, rowsPerGroup, flags),
        }
      : {
          kernel: 'gru_backward',
          source,
          defines: {
            ...geo.defines,
            SBUF: 2 * geo.rows * 3 * Math.ceil(H / 4),
            WREG: gruWeights(rec.variants, geo.weightVec4s) === 'private',
            PAIR: geo.units === 2,
            CARRY: geo.units * geo.rows,
            ...flags,
          },
          blocks: Math.ceil(rowsPerGroup / geo.rows),
        };
    rec.dispatch({
      kernel: recurrence.kernel,
      source: recurrence.source,
      defines: recurrence.defines,
      uniforms: new Uint32Array([
        B, T, rowsPerGroup, 0,
        dOut?.offset ?? 0, (t.dhN?.offset ?? 0) + l * B * H, t.params.offset + lo.whh, 3 * H * H,
        t.hs.offset + l * B * (T + 1) * H, dg.offset, 0, 0,
        (t.dh0?.offset ?? 0) + l * B * H, 0, 0, 0,
      ]), // prettier-ignore
      buffers: [
        dOut?.buffer ?? null,
        t.dhN?.buffer ?? null,
        t.params.buffer,
        t.hs.buffer,
        t.gates.buffer,
        t.dh0?.buffer ?? null,
      ],
      workgroups: [recurrence.blocks, G],
    });

    const rows = { groups: G, rowsPerGroup: rowsPerGroup * T, outF: 3 * H };
    const input = l === 0 ? t.x : t.hs.view((l - 1) * B * (T + 1) * H + H, [B, T, H]);
    const inputRows = l === 0 ? t.xRows : hsRows;
    linearBackwardWeight(
      rec,
      { ...rows, inF: lo.inputSize },
      {
        x: input,
        xRows: inputRows,
        dy: dg,
        dyLayout: dgi,
        dw: gradAt(lo.wih),
        db: gradAt(lo.bih),
        accumulate: t.accumulate,
      },
    );
    linearBackwardWeight(
      rec,
      { ...rows, inF: H },
      {
        x: t.hs.view(l * B * (T + 1) * H, [B, T, H]),
        xRows: hsRows,
        dy: dg,
        dyLayout: dgh,
        dw: gradAt(lo.whh),
        db: gradAt(lo.bhh),
        accumulate: t.accumulate,
      },
    );
    const dIn = l > 0 ? dy : t.dx;
    if (dIn) {
      linearBackwardInput(
        rec,
        { ...rows, inF: lo.inputSize },
        { dy: dg, dyLayout: dgi, w: at(lo.wih), dx: dIn, accumulate: l === 0 && t.accumulate },
      );
    }
  }
}
