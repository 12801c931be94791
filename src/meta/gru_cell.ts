/**
 * The task model of the gradient-based meta-learners (MAML, FOMAML, Reptile) on 1-D regression: a GRU cell
 * (one layer, input 1, hidden H) reading x / 5 as a one-step sequence from h0 = 0, then a dense head H → 1.
 * Per-task weights: the G tasks of a meta-batch each own a copy of every tensor (a leading [G] dim, the
 * layout of gruParamLayout and the linear kernels), so one batched pass computes every task's loss and
 * gradient at its own weights — what an inner loop needs.
 * With h0 = 0, W_hh only ever multiplies zeros: its gradient is 0 and it stays at its initial value. It is
 * kept so that the weights load into PyTorch's nn.GRU by name.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { allocGruBuffers, gruForward, gruOutput } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import { gruParamLayout, type GruShape, type ParamEntry } from '../layout/gru_layout';
import { groupedLayout, type GroupedLayout } from '../layout/group_layout';
import { contiguousRows, linearForward, type RowLayout } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';
import { mseLoss } from '../kernels/mse_loss';

/** The cell reads x scaled to about [−1, 1] (sinusoid x ∈ [−5, 5]), as the black-box learner does. */
export const CELL_INPUT_SCALE = 1 / 5;

/** A column of model inputs (one value per row), possibly strided such as x / 5 inside an episode. */
export interface CellInput {
  tensor: Tensor;
  rows: RowLayout;
}

export class GruCell {
  /** PyTorch names and offsets of one task's weights (groups = 1). */
  readonly entries: ParamEntry[];
  /** Elements of one task's weights. */
  readonly size: number;

  constructor(readonly hidden: number) {
    const layout = gruParamLayout(this.shape(1));
    const H = hidden;
    this.entries = [
      ...layout.entries.map((e) => ({ ...e, name: `gru.${e.name}` })),
      { name: 'head.weight', offset: layout.size, shape: [1, H], size: H },
      { name: 'head.bias', offset: layout.size + H, shape: [1], size: 1 },
    ];
    this.size = layout.size + H + 1;
  }

  shape(groups: number): GruShape {
    return { layers: 1, inputSize: 1, hiddenSize: this.hidden, groups };
  }

  /** The per-task buffer layout for the group kernels: one segment per tensor, in entries' order. */
  layout(groups: number): GroupedLayout {
    return groupedLayout(
      groups,
      this.entries.map((e) => e.size),
    );
  }

  /** Head weight [G, 1, H] and bias [G, 1] inside a per-task buffer, which holds the GRU first. */
  head(params: Tensor, groups: number): { w: Tensor; b: Tensor } {
    const gru = gruParamLayout(this.shape(groups)).size;
    return {
      w: params.view(gru, [groups, 1, this.hidden]),
      b: params.view(gru + groups * this.hidden, [groups, 1]),
    };
  }
}

/**
 * Saved activations and scratch for one batched pass: `groups` tasks × `rowsPerGroup` points each. A pass
 * may be recorded many times in one program (every inner step reuses it), since each recording finishes
 * its backward before the next forward overwrites the activations.
 */
export class CellPass {
  readonly pred: Tensor;
  /** Per-task MSE [groups] of the last recorded loss. */
  readonly loss: Tensor;
  readonly #dPred: Tensor;
  readonly #dOut: Tensor;
  readonly #bufs: ReturnType<typeof allocGruBuffers>;
  readonly #shape: GruShape;
  readonly #run: { batch: number; steps: number };

  constructor(
    readonly gpu: Gpu,
    readonly cell: GruCell,
    readonly groups: number,
    readonly rowsPerGroup: number,
  ) {
    const rows = groups * rowsPerGroup;
    this.#shape = cell.shape(groups);
    this.#run = { batch: rows, steps: 1 };
    this.#bufs = allocGruBuffers(gpu, this.#shape, this.#run);
    this.pred = gpu.tensor([rows]);
    this.loss = gpu.tensor([groups]);
    this.#dPred = gpu.tensor([rows]);
    this.#dOut = gpu.tensor([rows, cell.hidden]);
  }

  get #head() {
    return { groups: this.groups, rowsPerGroup: this.rowsPerGroup, inF: this.cell.hidden, outF: 1 };
  }

  /** pred[g, r] = model(params_g, x[g, r]). 3 dispatches. */
  forward(rec: Recorder, params: Tensor, x: CellInput): void {
    const { w, b } = this.cell.head(params, this.groups);
    const { hs, gates } = this.#bufs;
    gruForward(rec, this.#shape, this.#run, { params, x: x.tensor, xRows: x.rows, hs, gates });
    const out = gruOutput(this.#shape, this.#run, hs);
    linearForward(rec, this.#head, { x: out.tensor, xRows: out.rows, w, b, y: this.pred });
  }

  /** Per-task MSE into `loss` (or `into`), without gradients. 4 dispatches. */
  recordLoss(rec: Recorder, params: Tensor, x: CellInput, target: Tensor, into?: Tensor): void {
    this.forward(rec, params, x);
    const s = { groups: this.groups, rowsPerGroup: this.rowsPerGroup, features: 1 };
    mseLoss(rec, s, { pred: this.pred, target, loss: into ?? this.loss });
  }

  /**
   * grads (+)= scale · ∂MSE_g/∂params_g for every task g, each at its own weights (per-task buffers). A
   * negative scale with `accumulate` subtracts a second gradient: how a central difference is formed
   * without a second gradient buffer. The per-task loss goes to `loss` unless `o.loss` names another place
   * (the learned optimizer keeps one per inner step). 9 dispatches.
   */
  recordGradient(
    rec: Recorder,
    params: Tensor,
    x: CellInput,
    target: Tensor,
    grads: Tensor,
    o: { scale?: number; accumulate?: boolean; loss?: Tensor } = {},
  ): void {
    this.forward(rec, params, x);
    const s = { groups: this.groups, rowsPerGroup: this.rowsPerGroup, features: 1 };
    mseLoss(rec, s, { pred: this.pred, target, loss: o.loss ?? this.loss, grad: this.#dPred }, o.scale ?? 1);
    const { w } = this.cell.head(params, this.groups);
    const d = this.cell.head(grads, this.groups);
    const out = gruOutput(this.#shape, this.#run, this.#bufs.hs);
    const accumulate = Boolean(o.accumulate);
    linearBackwardWeight(rec, this.#head, {
      x: out.tensor,
      xRows: out.rows,
      dy: this.#dPred,
      dw: d.w,
      db: d.b,
      accumulate,
    });
    linearBackwardInput(rec, this.#head, { dy: this.#dPred, w, dx: this.#dOut });
    const { hs, gates } = this.#bufs;
    gruBackward(rec, this.#shape, this.#run, {
      params,
      x: x.tensor,
      xRows: x.rows,
      hs,
      gates,
      dOut: this.#dOut,
      grads,
      accumulate,
    });
  }

  release(): void {
    for (const t of [this.pred, this.loss, this.#dPred, this.#dOut, ...this.#bufs.tensors])
      this.gpu.release(t);
  }
}

/** A contiguous column of inputs [rows] (already scaled), as predict() uploads them. */
export function columnInput(tensor: Tensor): CellInput {
  return { tensor, rows: contiguousRows(1) };
}
