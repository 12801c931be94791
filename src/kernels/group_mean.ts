import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import common from '../../shaders/group_layout.wgsl?raw';
import body from '../../shaders/group_mean.wgsl?raw';
import { groupedSize, groupParams, sharedSize, type GroupedLayout } from '../layout/group_layout';

const source = `${common}\n${body}`;

/**
 * out[j] = scale · Σ_g x[g, j]: a per-task buffer reduced to one shared vector (see shaders/group_mean.wgsl).
 * The default scale 1 / groups gives the mean over tasks.
 */
export function groupMean(
  rec: Recorder,
  layout: GroupedLayout,
  t: { x: Tensor; out: Tensor },
  scale = 1 / layout.groups,
): void {
  if (t.x.size !== groupedSize(layout))
    throw new InputError(`groupMean: x has ${t.x.size} elements, expected ${groupedSize(layout)}`);
  if (t.out.size !== sharedSize(layout))
    throw new InputError(`groupMean: out has ${t.out.size} elements, expected ${sharedSize(layout)}`);
  rec.dispatch({
    kernel: 'group_mean',
    source,
    uniforms: groupParams(layout, { x: t.x.offset, out: t.out.offset, a: scale }),
    buffers: [t.x.buffer, t.out.buffer],
    workgroups: [Math.ceil(sharedSize(layout) / 64)],
  });
}
