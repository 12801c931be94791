/**
 * The task model of the gradient-based meta-learners (MAML, FOMAML, Reptile) on 1-D regression: a stacked GRU
 * (`layers`, input 1, hidden H) reading x / 5 for `steps` time steps from h0 = 0 (the same input every step: a
 * weight-tied deep net whose recurrence is differentiated when steps > 1), then a dense head H → 1 on the last
 * state. With `inputSize` > 1 each row is its own sequence of `steps` steps of that many inputs instead
 * (--read-support: the support pairs, then the point to predict). The default, 1 layer × 1 step, is a gated
 * feed-forward net: with h0 = 0, W_hh only ever multiplies zeros, gets no gradient and stays at its initial
 * value (kept so the weights load into nn.GRU by name).
 * Per-task weights: the G tasks of a meta-batch each own a copy of every tensor (a leading [G] dim, the
 * layout of gruParamLayout and the linear kernels), so one batched pass computes every task's loss and
 * gradient at its own weights — what an inner loop needs — and, through the tangent kernels, every task's
 * exact Hessian-vector product (recordHvp), what second-order MAML needs.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { allocGruBuffers, gruForward } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import { gruForwardTangent } from '../kernels/gru_forward_tangent';
import { gruBackwardTangent } from '../kernels/gru_backward_tangent';
import { gruParamLayout, type GruShape, type ParamEntry } from '../layout/gru_layout';
import { groupedLayout, type GroupedLayout } from '../layout/group_layout';
import { contiguousRows, linearForward, type RowLayout } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';
import { mseLoss } from '../kernels/mse_loss';

/** The cell reads x scaled to about [−1, 1] (sinusoid x ∈ [−5, 5]), as the black-box learner does. */
export const CELL_INPUT_SCALE = 1 / 5;

/**
 * A column of model inputs (one value per row), possibly strided such as x / 5 inside an episode, that the
 * cell reads at every step; or, with `perStep`, a sequence per row ([rows, steps, inputSize], rows indexing
 * (row, step)), such as a forecasting window or a row that reads a task's support pairs.
 */
export interface CellInput {
  tensor: Tensor;
  rows: RowLayout;
  perStep?: boolean;
}

export class GruCell {
  /** PyTorch names and offsets of one task's weights (groups = 1). */
  readonly entries: ParamEntry[];
  /** Elements of one task's weights. */
  readonly size: number;

  constructor(
    readonly hidden: number,
    readonly layers = 1,
    readonly steps = 1,
    readonly inputSize = 1,
  ) {
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
    return { layers: this.layers, inputSize: this.inputSize, hiddenSize: this.hidden, groups };
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

/** What recordHvp adds to a pass: the tangents of the activations, the prediction and the loss gradient. */
interface TangentBuffers {
  gru: ReturnType<typeof allocGruBuffers>;
  tworkDy: Tensor | null;
  tpred: Tensor;
  tdPred: Tensor;
  tdOut: Tensor;
  zeros: Tensor;
  tloss: Tensor;
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
  /** dL/d(outputs) [rows, T, H]: only the last step is ever written; the others stay 0. */
  readonly #dOut: Tensor;
  readonly #bufs: ReturnType<typeof allocGruBuffers>;
  readonly #shape: GruShape;
  readonly #run: { batch: number; steps: number };
  /**
   * steps > 1 on one input: the input column copied contiguous, so each row can read it at every time step
   * (several inputs per step are always sequences).
   */
  readonly #xs: Tensor | null;
  readonly #one: Tensor | null;
  #tangent: TangentBuffers | null = null;

  constructor(
    readonly gpu: Gpu,
    readonly cell: GruCell,
    readonly groups: number,
    readonly rowsPerGroup: number,
  ) {
    const rows = groups * rowsPerGroup;
    this.#shape = cell.shape(groups);
    this.#run = { batch: rows, steps: cell.steps };
    this.#bufs = allocGruBuffers(gpu, this.#shape, this.#run);
    this.pred = gpu.tensor([rows]);
    this.loss = gpu.tensor([groups]);
    this.#dPred = gpu.tensor([rows]);
    this.#dOut = this.#zeros([rows, cell.steps, cell.hidden]);
    const repeat = cell.steps > 1 && cell.inputSize === 1;
    this.#xs = repeat ? gpu.tensor([rows]) : null;
    this.#one = repeat ? gpu.tensor([1], [1]) : null;
  }

  #zeros(shape: number[]): Tensor {
    const t = this.gpu.tensor(shape);
    this.gpu.fill(t, 0);
    return t;
  }

  get #head() {
    return { groups: this.groups, rowsPerGroup: this.rowsPerGroup, inF: this.cell.hidden, outF: 1 };
  }

  /** The last layer's state at the last step [rows, H] inside hs [L, rows, T+1, H]: what the head reads. */
  #last(hs: Tensor): { tensor: Tensor; rows: RowLayout } {
    const { hidden: H, layers: L, steps: T } = this.cell;
    const B = this.#run.batch;
    return {
      tensor: hs.view((L - 1) * B * (T + 1) * H + T * H, [B, H]),
      rows: { block: 1, blockStride: (T + 1) * H, rowStride: 0 },
    };
  }

  /** The GRU's input rows [rows, T, I]: x itself for one step or a sequence, else x's copy read at every step. */
  #input(rec: Recorder, x: CellInput): CellInput {
    if (!this.#xs || x.perStep) return x;
    const s = { groups: 1, rowsPerGroup: this.#run.batch, inF: 1, outF: 1, sharedWeights: true };
    linearForward(rec, s, { x: x.tensor, xRows: x.rows, w: this.#one!, y: this.#xs });
    return { tensor: this.#xs, rows: { block: this.cell.steps, blockStride: 1, rowStride: 0 } };
  }

  /** pred[g, r] = model(params_g, x[g, r]); returns the GRU's input rows. 2 dispatches per layer + 1 (+1 if steps > 1). */
  forward(rec: Recorder, params: Tensor, x: CellInput): CellInput {
    const input = this.#input(rec, x);
    const { w, b } = this.cell.head(params, this.groups);
    const { hs, gates } = this.#bufs;
    gruForward(rec, this.#shape, this.#run, { params, x: input.tensor, xRows: input.rows, hs, gates });
    const out = this.#last(hs);
    linearForward(rec, this.#head, { x: out.tensor, xRows: out.rows, w, b, y: this.pred });
    return input;
  }

  /** Per-task MSE into `loss` (or `into`), without gradients. */
  recordLoss(rec: Recorder, params: Tensor, x: CellInput, target: Tensor, into?: Tensor): void {
    this.forward(rec, params, x);
    const s = { groups: this.groups, rowsPerGroup: this.rowsPerGroup, features: 1 };
    mseLoss(rec, s, { pred: this.pred, target, loss: into ?? this.loss });
  }

  /**
   * grads (+)= scale · ∂MSE_g/∂params_g for every task g, each at its own weights (per-task buffers). A
   * negative scale with `accumulate` subtracts a second gradient: how a central difference is formed
   * without a second gradient buffer. The per-task loss goes to `loss` unless `o.loss` names another place
   * (the learned optimizer keeps one per inner step). 9 dispatches for 1 layer × 1 step.
   */
  recordGradient(
    rec: Recorder,
    params: Tensor,
    x: CellInput,
    target: Tensor,
    grads: Tensor,
    o: { scale?: number; accumulate?: boolean; loss?: Tensor } = {},
  ): void {
    const input = this.forward(rec, params, x);
    const s = { groups: this.groups, rowsPerGroup: this.rowsPerGroup, features: 1 };
    mseLoss(rec, s, { pred: this.pred, target, loss: o.loss ?? this.loss, grad: this.#dPred }, o.scale ?? 1);
    const { w } = this.cell.head(params, this.groups);
    const d = this.cell.head(grads, this.groups);
    const out = this.#last(this.#bufs.hs);
    const accumulate = Boolean(o.accumulate);
    linearBackwardWeight(rec, this.#head, {
      x: out.tensor,
      xRows: out.rows,
      dy: this.#dPred,
      dw: d.w,
      db: d.b,
      accumulate,
    });
    this.#headBackward(rec, w, this.#dPred, this.#dOut);
    const { hs, gates, workDy } = this.#bufs;
    gruBackward(rec, this.#shape, this.#run, {
      params,
      x: input.tensor,
      xRows: input.rows,
      hs,
      gates,
      dOut: this.#dOut,
      grads,
      workDy,
      accumulate,
    });
  }

  /** dOut's last step (+)= dPred · w: the head's backward into the GRU's last state. */
  #headBackward(rec: Recorder, w: Tensor, dPred: Tensor, dOut: Tensor, accumulate = false): void {
    const { hidden: H, steps: T } = this.cell;
    const last = dOut.view((T - 1) * H, [this.#run.batch, H]);
    const dxRows = { block: 1, blockStride: T * H, rowStride: 0 };
    linearBackwardInput(rec, this.#head, { dy: dPred, w, dx: last, dxRows, accumulate });
  }

  /**
   * out = H_g v_g for every task g: the exact Hessian of task g's MSE at params_g times v_g (per-task
   * buffers), by forward-over-reverse through the head, the loss and the GRU (the tangent kernels) — no
   * finite differences. With `accumulate`, out += H v. The per-task loss lands in `loss`. `out` must not be v.
   */
  recordHvp(
    rec: Recorder,
    params: Tensor,
    v: Tensor,
    x: CellInput,
    target: Tensor,
    out: Tensor,
    o: { accumulate?: boolean } = {},
  ): void {
    const t = (this.#tangent ??= this.#allocTangent());
    const input = this.forward(rec, params, x);
    const s = { groups: this.groups, rowsPerGroup: this.rowsPerGroup, features: 1 };
    mseLoss(rec, s, { pred: this.pred, target, loss: this.loss, grad: this.#dPred });
    const { w } = this.cell.head(params, this.groups);
    const tw = this.cell.head(v, this.groups);
    this.#headBackward(rec, w, this.#dPred, this.#dOut);
    const { hs, gates, workDy } = this.#bufs;
    const common = { params, tparams: v, x: input.tensor, xRows: input.rows, hs, gates };
    gruForwardTangent(rec, this.#shape, this.#run, { ...common, ths: t.gru.hs, tgates: t.gru.gates });
    // pred˙ = w h˙ + w˙ h + b˙; the MSE gradient's tangent is 2 pred˙ / rows: the MSE of pred˙ against 0.
    const last = this.#last(hs);
    const tlast = this.#last(t.gru.hs);
    linearForward(rec, this.#head, { x: tlast.tensor, xRows: tlast.rows, w, y: t.tpred });
    linearForward(rec, this.#head, {
      x: last.tensor,
      xRows: last.rows,
      w: tw.w,
      b: tw.b,
      y: t.tpred,
      accumulate: true,
    });
    mseLoss(rec, s, { pred: t.tpred, target: t.zeros, loss: t.tloss, grad: t.tdPred });
    // Head: (∂/∂w)˙ = Σ pred˙' h + d_pred h˙, (∂/∂b)˙ = Σ d_pred˙; into the GRU: w d_pred˙ + w˙ d_pred.
    const head = this.cell.head(out, this.groups);
    const accumulate = Boolean(o.accumulate);
    linearBackwardWeight(rec, this.#head, {
      x: last.tensor,
      xRows: last.rows,
      dy: t.tdPred,
      dw: head.w,
      db: head.b,
      accumulate,
    });
    linearBackwardWeight(rec, this.#head, {
      x: tlast.tensor,
      xRows: tlast.rows,
      dy: this.#dPred,
      dw: head.w,
      accumulate: true,
    });
    this.#headBackward(rec, w, t.tdPred, t.tdOut);
    this.#headBackward(rec, tw.w, this.#dPred, t.tdOut, true);
    gruBackwardTangent(rec, this.#shape, this.#run, {
      ...common,
      ths: t.gru.hs,
      tgates: t.gru.gates,
      dOut: this.#dOut,
      tdOut: t.tdOut,
      tgrads: out,
      workDy,
      tworkDy: t.tworkDy,
      accumulate,
    });
  }

  #allocTangent(): TangentBuffers {
    const { gpu } = this;
    const rows = this.#run.batch;
    const { hidden: H, steps: T, layers: L } = this.cell;
    return {
      gru: allocGruBuffers(gpu, this.#shape, this.#run),
      tworkDy: L > 1 ? gpu.tensor([rows, T, H]) : null,
      tpred: gpu.tensor([rows]),
      tdPred: gpu.tensor([rows]),
      tdOut: this.#zeros([rows, T, H]),
      zeros: this.#zeros([rows]),
      tloss: gpu.tensor([this.groups]),
    };
  }

  release(): void {
    const own = [this.pred, this.loss, this.#dPred, this.#dOut, ...this.#bufs.tensors];
    const extra = [this.#xs, this.#one].filter((t): t is Tensor => t !== null);
    const t = this.#tangent;
    const tangent = t ? [...t.gru.tensors, t.tpred, t.tdPred, t.tdOut, t.zeros, t.tloss] : [];
    if (t?.tworkDy) tangent.push(t.tworkDy);
    for (const x of [...own, ...extra, ...tangent]) this.gpu.release(x);
  }
}

/** A contiguous column of inputs [rows] (already scaled), as predict() uploads them. */
export function columnInput(tensor: Tensor): CellInput {
  return { tensor, rows: contiguousRows(1) };
}
