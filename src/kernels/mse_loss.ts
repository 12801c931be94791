import { InputError } from '../runtime/errors';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import treeSum from '../../shaders/tree_sum.wgsl?raw';
import body from '../../shaders/mse_loss.wgsl?raw';
import { contiguousRows, softwareAdapter, splitCount, starts4, type RowLayout } from './linear_tile';

const source = `${treeSum}\n${body}`;

/** `groups` tasks, each with `rowsPerGroup` rows of `features` values: pred/target [groups * rowsPerGroup, features]. */
export interface MseShape {
  groups: number;
  rowsPerGroup: number;
  features: number;
}

/**
 * loss[g] = mean squared error of task group g, and grad = scale · ∂loss[g]/∂pred, from one pass (see
 * shaders/mse_loss.wgsl): training needs both, and the gradient is then ready for backward. Leave out `grad`
 * to evaluate only. `scale` is baked into the recorded program; 1 / groups gives the gradient of the mean
 * over tasks. `predRows` reads a strided view in place, such as a GRU's output rows (gruOutput).
 */
export function mseLoss(
  rec: Recorder,
  s: MseShape,
  t: { pred: Tensor; predRows?: RowLayout; target: Tensor; loss: Tensor; grad?: Tensor | null },
  scale = 1,
): void {
  for (const [name, v] of Object.entries(s)) {
    if (!(Number.isInteger(v) && v >= 1))
      throw new InputError(`mseLoss: ${name} must be an integer ≥ 1, got ${v}`);
  }
  const rows = t.predRows ?? contiguousRows(s.features);
  const u = new Uint32Array([
    s.groups, s.rowsPerGroup, s.features, t.pred.offset,
    rows.block, rows.blockStride, rows.rowStride, t.target.offset,
    t.loss.offset, t.grad?.offset ?? 0, 0, 0,
  ]); // prettier-ignore
  new Float32Array(u.buffer)[10] = scale;
  const n = s.rowsPerGroup * s.features;
  // A GPU's split reduction (splitCount): chunks of at least 1,024 elements, then a sum of the partials.
  let splits = splitCount(rec.variants, {
    rows: n,
    workgroups: s.groups,
    partialFloats: s.groups,
    minRows: 1024,
  });
  // The software adapter's split is 1, but a single large group would then run on one of its cores.
  const software = softwareAdapter(rec.variants);
  if (software && splits === 1 && s.groups === 1 && n >= 4096 && !rec.variants.chosen.has('reduce.splits'))
    splits = 2;
  // VEC4: 4 features per load where every row read or written starts at a multiple of 4 floats.
  const aligned = [s.features, t.pred.offset, rows.blockStride, rows.rowStride, t.target.offset];
  if (t.grad) aligned.push(t.grad.offset);
  const buffers = [t.pred.buffer, t.target.buffer, ...(t.grad ? [t.grad.buffer] : [])];
  const vec4 = software && starts4(aligned, buffers);
  const part = splits > 1 ? rec.scratch(s.groups * splits, 'mse_loss') : null;
  const defines = { HAS_GRAD: Boolean(t.grad), SPLITS: splits, PARTIAL: part !== null, VEC4: vec4 };
  rec.dispatch({
    kernel: 'mse_loss',
    source,
    defines: { ...defines, COMBINE: false },
    uniforms: u,
    buffers: [t.pred.buffer, t.target.buffer, part ? null : t.loss.buffer, t.grad?.buffer ?? null, part],
    workgroups: [splits, s.groups],
  });
  if (part) {
    rec.dispatch({
      kernel: 'mse_loss',
      source,
      defines: { ...defines, COMBINE: true },
      uniforms: u,
      buffers: [null, null, t.loss.buffer, null, part],
      workgroups: [s.groups],
    });
  }
}
