import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import common from '../../shaders/group_layout.wgsl?raw';
import treeSum from '../../shaders/tree_sum.wgsl?raw';
import body from '../../shaders/group_norm.wgsl?raw';
import { groupedSize, groupParams, type GroupedLayout } from '../layout/group_layout';

const source = `${common}\n${treeSum}\n${body}`;

/**
 * Per-task norms of a per-task buffer (see shaders/group_norm.wgsl): out [2, groups] gets ‖x_g‖ in row 0 and
 * 1 / ‖x_g‖ (0 for a zero vector) in row 1, ready as groupAxpy's `scale` (views at 0 and groups).
 */
export function groupNorm(rec: Recorder, layout: GroupedLayout, t: { x: Tensor; out: Tensor }): void {
  if (t.x.size !== groupedSize(layout))
    throw new InputError(`groupNorm: x has ${t.x.size} elements, expected ${groupedSize(layout)}`);
  if (t.out.size !== 2 * layout.groups)
    throw new InputError(`groupNorm: out has ${t.out.size} elements, expected 2 × ${layout.groups} groups`);
  rec.dispatch({
    kernel: 'group_norm',
    source,
    uniforms: groupParams(layout, { x: t.x.offset, out: t.out.offset }),
    buffers: [t.x.buffer, t.out.buffer],
    workgroups: [layout.groups],
  });
}
