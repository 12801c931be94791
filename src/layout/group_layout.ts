import { InputError } from '../runtime/errors';

/**
 * Where each task's copy of a parameter vector lives in a per-task ("grouped") buffer. The shared vector is
 * a run of tensors, tensor e at [start_e, start_e + size_e); the grouped buffer holds each tensor as
 * [groups, size_e] at groups · start_e — the layout gruParamLayout and the linear kernels use for per-task
 * weights (a leading [groups] dim per tensor), so one grouped buffer feeds the GRU and head kernels as is.
 * The group kernels (group_axpy, group_mean, group_norm) take this table to map (task g, element j) to
 * groups · start_e + g · size_e + (j − start_e).
 */
export interface GroupedLayout {
  groups: number;
  /** Tensors of the shared vector in order, each starting where the previous one ends. */
  segments: readonly { start: number; size: number }[];
}

/** The kernels read the table from their uniforms, two segments per vec4. */
const MAX_SEGMENTS = 16; // a 3-layer GRU (4 tensors per layer) and a head

/** Builds the table from the tensor sizes of the shared vector, in order. */
export function groupedLayout(groups: number, sizes: readonly number[]): GroupedLayout {
  let start = 0;
  const segments = sizes.map((size) => {
    const s = { start, size };
    start += size;
    return s;
  });
  return checkGroupedLayout({ groups, segments });
}

/** Elements of one shared vector. */
export function sharedSize(l: GroupedLayout): number {
  return l.segments.reduce((a, s) => a + s.size, 0);
}

/** Elements of the grouped buffer: groups copies of the shared vector. */
export function groupedSize(l: GroupedLayout): number {
  return l.groups * sharedSize(l);
}

function checkGroupedLayout(l: GroupedLayout): GroupedLayout {
  if (!(Number.isInteger(l.groups) && l.groups >= 1))
    throw new InputError(`grouped layout: groups must be an integer ≥ 1, got ${l.groups}`);
  if (l.segments.length < 1 || l.segments.length > MAX_SEGMENTS) {
    throw new InputError(
      `grouped layout: ${l.segments.length} tensors, the group kernels take 1 to ${MAX_SEGMENTS}`,
    );
  }
  let start = 0;
  for (const [e, s] of l.segments.entries()) {
    if (s.start !== start || !(Number.isInteger(s.size) && s.size >= 1)) {
      throw new InputError(
        `grouped layout: tensor ${e} is at ${s.start} with ${s.size} elements; expected start ${start} and size ≥ 1`,
      );
    }
    start += s.size;
  }
  return l;
}

/** Element offsets and coefficients of one group-kernel call (fields a kernel does not use stay 0). */
export interface GroupCallFields {
  x?: number;
  y?: number;
  out?: number;
  scale?: number;
  a?: number;
  b?: number;
}

/** Packs the Params struct of shaders/group_layout.wgsl, shared by the three group kernels. */
export function groupParams(l: GroupedLayout, c: GroupCallFields): Uint32Array {
  checkGroupedLayout(l);
  const u = new Uint32Array(12 + 2 * MAX_SEGMENTS);
  const f = new Float32Array(u.buffer);
  u.set([l.groups, sharedSize(l), l.segments.length, 0, c.x ?? 0, c.y ?? 0, c.out ?? 0, c.scale ?? 0]);
  f[8] = c.a ?? 0;
  f[9] = c.b ?? 0;
  l.segments.forEach((s, e) => u.set([s.start, s.size], 12 + 2 * e));
  return u;
}
