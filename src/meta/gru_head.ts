/**
 * The model most learners here are made of: a stacked GRU (PyTorch nn.GRU) and a linear head (nn.Linear) that
 * reads some of its output steps. One flat parameter buffer holds both, named as PyTorch's state dict with
 * `gru.` and `head.` prefixes, so checkpoints load into `nn.GRU` + `nn.Linear` by name.
 */
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { gruParamLayout, type GruShape, type ParamEntry } from '../layout/gru_layout';
import { linearForward, type RowLayout } from '../kernels/linear_forward';
import { linearBackwardInput } from '../kernels/linear_backward_input';
import { linearBackwardWeight } from '../kernels/linear_backward_weight';

/** Rows of a tensor that a dense layer reads or writes (contiguous when `rows` is absent). */
export interface Rows {
  tensor: Tensor;
  rows?: RowLayout;
}

/** gru.* entries (PyTorch names) for `shape`, then the head's weight [out, H] and bias [out]. */
export function gruHeadEntries(shape: GruShape, out: number): ParamEntry[] {
  const gru = gruParamLayout(shape);
  const H = shape.hiddenSize;
  return [
    ...gru.entries.map((e) => ({ ...e, name: `gru.${e.name}` })),
    { name: 'head.weight', offset: gru.size, shape: [out, H], size: out * H },
    { name: 'head.bias', offset: gru.size + out * H, shape: [out], size: out },
  ];
}

/** Elements of a flat buffer that `entries` cover (they are laid out one after another). */
export const entriesSize = (entries: ParamEntry[]): number => entries.reduce((n, e) => n + e.size, 0);

/** A dense layer y = x Wᵀ + b whose weight and bias are named entries of a flat parameter buffer. */
export class LinearHead {
  readonly inF: number;
  readonly outF: number;
  readonly #w: ParamEntry;
  readonly #b: ParamEntry;

  /** `name`: the entries' prefix, e.g. 'head' for head.weight and head.bias. */
  constructor(entries: ParamEntry[], name = 'head') {
    const find = (n: string) => {
      const e = entries.find((e) => e.name === n);
      if (!e) throw new Error(`no entry '${n}'`);
      return e;
    };
    this.#w = find(`${name}.weight`);
    this.#b = find(`${name}.bias`);
    [this.outF, this.inF] = this.#w.shape;
  }

  weight(buffer: Tensor): Tensor {
    return buffer.view(this.#w.offset, this.#w.shape);
  }

  bias(buffer: Tensor): Tensor {
    return buffer.view(this.#b.offset, this.#b.shape);
  }

  #shape(rows: number) {
    return { groups: 1, rowsPerGroup: rows, inF: this.inF, outF: this.outF };
  }

  /** y [rows, outF] from `rows` rows of x (added into y with `accumulate`). */
  forward(rec: Recorder, params: Tensor, rows: number, x: Rows, y: Tensor, accumulate = false): void {
    const w = this.weight(params);
    const t = { x: x.tensor, xRows: x.rows, w, b: this.bias(params), y, accumulate };
    linearForward(rec, this.#shape(rows), t);
  }

  /**
   * From dy [rows, outF]: the weight and bias gradients into `grads` (skipped when null) and the input's
   * gradient into `dx` (skipped when null; added into it with `accumulate`).
   */
  backward(
    rec: Recorder,
    params: Tensor,
    rows: number,
    t: { x: Rows; dy: Tensor; grads: Tensor | null; dx: Rows | null; accumulate?: boolean },
  ): void {
    const s = this.#shape(rows);
    if (t.grads) {
      const g = { dw: this.weight(t.grads), db: this.bias(t.grads) };
      linearBackwardWeight(rec, s, { x: t.x.tensor, xRows: t.x.rows, dy: t.dy, ...g });
    }
    if (t.dx) {
      const w = this.weight(params);
      const dx = { dx: t.dx.tensor, dxRows: t.dx.rows, accumulate: t.accumulate };
      linearBackwardInput(rec, s, { dy: t.dy, w, ...dx });
    }
  }
}
