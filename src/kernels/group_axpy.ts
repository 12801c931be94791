import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import common from '../../shaders/group_layout.wgsl?raw';
import body from '../../shaders/group_axpy.wgsl?raw';
import { groupedSize, groupParams, sharedSize, type GroupedLayout } from '../layout/group_layout';

const source = `${common}\n${body}`;

export interface GroupAxpyTensors {
  /** Per-task [grouped] values, or with `broadcast` one shared vector read by every task. */
  x: Tensor;
  broadcast?: boolean;
  /** Per-task values added as b · y; absent means 0. May be `out` itself (in place). */
  y?: Tensor | null;
  /**
   * Factors multiplying a · x: per task [groups] (such as 1 / ‖v_g‖ from groupNorm; scaleBy 'group', the
   * default), per shared element [shared size] ('element': Meta-SGD's α), or per task and element [grouped
   * size] ('task': an elementwise product of two per-task vectors).
   */
  scale?: Tensor | null;
  scaleBy?: 'group' | 'element' | 'task';
  out: Tensor;
}

/**
 * out = a · scale · x + b · y for every task g of a per-task buffer (see shaders/group_axpy.wgsl).
 * `out` may be `y` (in place) but must be a different buffer from x and scale.
 */
export function groupAxpy(rec: Recorder, layout: GroupedLayout, t: GroupAxpyTensors, a: number, b = 0): void {
  const n = groupedSize(layout);
  const expect = (what: string, tensor: Tensor | null | undefined, size: number) => {
    if (tensor && tensor.size !== size)
      throw new InputError(`groupAxpy: ${what} has ${tensor.size} elements, expected ${size}`);
  };
  expect('x', t.x, t.broadcast ? sharedSize(layout) : n);
  expect('y', t.y, n);
  const scaleBy = t.scaleBy ?? 'group';
  expect('scale', t.scale, { group: layout.groups, element: sharedSize(layout), task: n }[scaleBy]);
  expect('out', t.out, n);
  for (const [what, other] of [
    ['x', t.x],
    ['scale', t.scale],
  ] as const) {
    if (other && other.buffer === t.out.buffer)
      throw new InputError(
        `groupAxpy: ${what} and out must be different buffers (WebGPU binds out writable)`,
      );
  }
  const inPlace = Boolean(t.y) && t.y!.buffer === t.out.buffer;
  if (inPlace && t.y!.offset !== t.out.offset)
    throw new InputError('groupAxpy: y and out share a buffer, so they must be the same view (in place)');
  rec.dispatch({
    kernel: 'group_axpy',
    source,
    defines: {
      X_BROADCAST: Boolean(t.broadcast),
      Y_SEPARATE: Boolean(t.y) && !inPlace,
      Y_IN_PLACE: inPlace,
      HAS_SCALE: Boolean(t.scale),
      SCALE_GROUP: Boolean(t.scale) && scaleBy === 'group',
      SCALE_ELEMENT: Boolean(t.scale) && scaleBy === 'element',
      SCALE_TASK: Boolean(t.scale) && scaleBy === 'task',
    },
    uniforms: groupParams(layout, {
      x: t.x.offset,
      y: t.y?.offset,
      out: t.out.offset,
      scale: t.scale?.offset,
      a,
      b,
    }),
    buffers: [t.x.buffer, t.y && !inPlace ? t.y.buffer : null, t.scale?.buffer ?? null, t.out.buffer],
    workgroups: [Math.ceil(sharedSize(layout) / 64)],
  });
}

/** Copies one shared vector into every task's slot of a per-task buffer (MAML's θ_i ← θ). */
export function broadcastGroups(
  rec: Recorder,
  layout: GroupedLayout,
  t: { shared: Tensor; out: Tensor },
): void {
  groupAxpy(rec, layout, { x: t.shared, broadcast: true, out: t.out }, 1);
}
