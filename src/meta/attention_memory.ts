/**
 * A memory beside the GRU's state for the black-box classifier (`memory: 'attention'`): every step reads the
 * GRU's own earlier outputs by attention, as SNAIL (Mishra et al. 2018) reads its past, instead of keeping
 * every support example inside one 128-wide state. At step t, from the GRU outputs h_1…h_t:
 *   [q | k | v]_s = W_p h_s + b_p                 (memory.proj, one linear layer, 2·KEY + VALUE wide)
 *   o_t = Σ_{s≤t} softmax_s(q_t·k_s / √KEY) v_s   (shaders/causal_attention.wgsl)
 *   logits_t = head(h_t) + W_m o_t + b_m          (memory.head, added into the head's logits)
 * A query step attends over the support steps it follows, so scoring a query alone after the support set
 * (inductive) works as it does for the plain GRU. Why attention over the GRU's states rather than MANN's
 * least-recently-used writes: it needs no write rule or usage weights (nothing to tune), is causal and
 * parallel over steps (one dispatch forward, two backward, for a whole batch of episodes), and its read is
 * the query-to-support comparison the plain GRU has to learn to make inside its gates.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import type { ParamEntry } from '../layout/gru_layout';
import type { RowLayout } from '../kernels/linear_tile';
import { causalAttentionBackward, causalAttentionForward } from '../kernels/causal_attention';
import { packEntries } from './init';
import { LinearHead } from './gru_head';
import { MEMORY } from '../layout/attention_shape';

export { MEMORY };

/** The memory's named weights after `base`: memory.proj (H → 2·KEY + VALUE) and memory.head (VALUE → ways). */
export function attentionMemoryEntries(hidden: number, ways: number, base: number): ParamEntry[] {
  const width = 2 * MEMORY.key + MEMORY.value;
  return packEntries(
    [
      ['memory.proj.weight', [width, hidden]],
      ['memory.proj.bias', [width]],
      ['memory.head.weight', [ways, MEMORY.value]],
      ['memory.head.bias', [ways]],
    ],
    base,
  );
}

/** The rows one pass reads: GRU outputs (strided in hs), `tasks` episodes of `steps` steps. */
export interface MemoryRun {
  tasks: number;
  steps: number;
  out: { tensor: Tensor; rows: RowLayout };
}

/** Buffers of one recorded pass: projections, the read, its log-sum-exp, and the backward's gradients. */
export interface MemoryBuffers {
  proj: Tensor;
  read: Tensor;
  lse: Tensor;
  dRead: Tensor | null;
  dProj: Tensor | null;
  tensors: Tensor[];
}

export class AttentionMemory {
  readonly #proj: LinearHead;
  readonly #head: LinearHead;
  readonly width = 2 * MEMORY.key + MEMORY.value;

  constructor(entries: ParamEntry[]) {
    this.#proj = new LinearHead(entries, 'memory.proj');
    this.#head = new LinearHead(entries, 'memory.head');
  }

  alloc(gpu: Gpu, rows: number, train: boolean): MemoryBuffers {
    const proj = gpu.tensor([rows, this.width]);
    const read = gpu.tensor([rows, MEMORY.value]);
    const lse = gpu.tensor([rows]);
    const dRead = train ? gpu.tensor([rows, MEMORY.value]) : null;
    const dProj = train ? gpu.tensor([rows, this.width]) : null;
    const tensors = [proj, read, lse, ...(train ? [dRead!, dProj!] : [])];
    return { proj, read, lse, dRead, dProj, tensors };
  }

  /** Projects, reads and adds the read's logits into `logits` [rows, ways] (the head has written them). */
  forward(rec: Recorder, params: Tensor, r: MemoryRun, b: MemoryBuffers, logits: Tensor): void {
    const rows = r.tasks * r.steps;
    this.#proj.forward(rec, params, rows, r.out, b.proj);
    causalAttentionForward(rec, this.#shape(r), this.#operands(b));
    this.#head.forward(rec, params, rows, { tensor: b.read }, logits, true);
  }

  /** From dLogits: the memory's weight gradients, and its share of dL/dh added into dOut [rows, H]. */
  backward(
    rec: Recorder,
    params: Tensor,
    r: MemoryRun,
    b: MemoryBuffers,
    t: { dLogits: Tensor; grads: Tensor; dOut: Tensor },
  ): void {
    const rows = r.tasks * r.steps;
    const dRead = b.dRead!;
    const dProj = b.dProj!;
    const { key: D } = MEMORY;
    const W = this.width;
    const dx = { tensor: dRead };
    this.#head.backward(rec, params, rows, { x: { tensor: b.read }, dy: t.dLogits, grads: t.grads, dx });
    causalAttentionBackward(rec, this.#shape(r), {
      ...this.#operands(b),
      dO: dRead,
      dq: dProj,
      dqStride: W,
      dk: dProj.view(D, [rows * W - D]),
      dkStride: W,
      dv: dProj.view(2 * D, [rows * W - 2 * D]),
      dvStride: W,
    });
    const back = { x: r.out, dy: dProj, grads: t.grads, dx: { tensor: t.dOut }, accumulate: true };
    this.#proj.backward(rec, params, rows, back);
  }

  #shape(r: MemoryRun) {
    return { batch: r.tasks, steps: r.steps, keyDim: MEMORY.key, valueDim: MEMORY.value };
  }

  /** q, k, v: column blocks of the projection [rows, 2·KEY + VALUE]. */
  #operands(b: MemoryBuffers) {
    const { key: D } = MEMORY;
    const W = this.width;
    const n = b.proj.size;
    return {
      q: b.proj,
      qStride: W,
      k: b.proj.view(D, [n - D]),
      kStride: W,
      v: b.proj.view(2 * D, [n - 2 * D]),
      vStride: W,
      o: b.read,
      lse: b.lse,
    };
  }
}
