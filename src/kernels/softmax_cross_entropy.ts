import { InputError } from '../runtime/errors';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import treeSum from '../../shaders/tree_sum.wgsl?raw';
import body from '../../shaders/softmax_cross_entropy.wgsl?raw';
import { contiguousRows, type RowLayout } from './linear_tile';

const source = `${treeSum}\n${body}`;

/** `groups` tasks, each with `rowsPerGroup` rows: logits [groups * rowsPerGroup, classes], labels [groups * rowsPerGroup]. */
export interface CrossEntropyShape {
  groups: number;
  rowsPerGroup: number;
  classes: number;
}

/**
 * loss[g] = mean cross-entropy of task group g over its labelled rows, grad = scale · ∂loss[g]/∂logits, and
 * correct[q] = argmax == label ? 1 : 0 (−1 for ignored rows), from one pass (see
 * shaders/softmax_cross_entropy.wgsl). Labels are class indices stored as f32; −1 (anything outside
 * [0, classes)) ignores a row, so tasks can be padded to one row count. `correct` lets accuracy be summed on
 * the GPU without reading logits back. `grad` and `correct` are optional; `scale` (default 1) is baked into
 * the recorded program, 1 / groups averaging over tasks.
 */
export function softmaxCrossEntropy(
  rec: Recorder,
  s: CrossEntropyShape,
  t: {
    logits: Tensor;
    logitsRows?: RowLayout;
    labels: Tensor;
    loss: Tensor;
    grad?: Tensor | null;
    correct?: Tensor | null;
  },
  scale = 1,
): void {
  for (const [name, v] of Object.entries(s)) {
    if (!(Number.isInteger(v) && v >= 1)) {
      throw new InputError(`softmaxCrossEntropy: ${name} must be an integer ≥ 1, got ${v}`);
    }
  }
  const rows = t.logitsRows ?? contiguousRows(s.classes);
  const u = new Uint32Array([
    s.groups, s.rowsPerGroup, s.classes, t.logits.offset,
    rows.block, rows.blockStride, rows.rowStride, t.labels.offset,
    t.loss.offset, t.grad?.offset ?? 0, t.correct?.offset ?? 0, 0,
  ]); // prettier-ignore
  new Float32Array(u.buffer)[11] = scale;
  rec.dispatch({
    kernel: 'softmax_cross_entropy',
    source,
    defines: { HAS_GRAD: Boolean(t.grad), HAS_CORRECT: Boolean(t.correct) },
    uniforms: u,
    buffers: [
      t.logits.buffer,
      t.labels.buffer,
      t.loss.buffer,
      t.grad?.buffer ?? null,
      t.correct?.buffer ?? null,
    ],
    workgroups: [s.groups],
  });
}
