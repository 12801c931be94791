/**
 * Float64 references for the group kernels (group_axpy, group_mean, group_norm), written from the layout's
 * definition: tensor e of the shared vector, [start_e, start_e + size_e), lives per task as [groups, size_e]
 * at groups · start_e.
 */
import type { GroupedLayout } from '../layout/group_layout';

/** Index of (task g, shared element j) in a per-task buffer. */
function groupedIndexRef(l: GroupedLayout, g: number, j: number): number {
  const s = l.segments.find((s) => j >= s.start && j < s.start + s.size)!;
  return l.groups * s.start + g * s.size + (j - s.start);
}

const sharedLength = (l: GroupedLayout) => l.segments.reduce((a, s) => a + s.size, 0);

export function groupAxpyRef(
  l: GroupedLayout,
  t: {
    x: ArrayLike<number>;
    broadcast?: boolean;
    y?: ArrayLike<number>;
    scale?: ArrayLike<number>;
    scaleBy?: 'group' | 'element' | 'task';
  },
  a: number,
  b = 0,
): Float64Array {
  const P = sharedLength(l);
  const out = new Float64Array(l.groups * P);
  for (let g = 0; g < l.groups; g++)
    for (let j = 0; j < P; j++) {
      const i = groupedIndexRef(l, g, j);
      const x = t.broadcast ? t.x[j] : t.x[i];
      const by = t.scaleBy ?? 'group';
      const s = !t.scale ? 1 : by === 'group' ? t.scale[g] : by === 'element' ? t.scale[j] : t.scale[i];
      out[i] = a * s * x + (t.y ? b * t.y[i] : 0);
    }
  return out;
}

export function groupMeanRef(l: GroupedLayout, x: ArrayLike<number>, scale = 1 / l.groups): Float64Array {
  const P = sharedLength(l);
  const out = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    let acc = 0;
    for (let g = 0; g < l.groups; g++) acc += x[groupedIndexRef(l, g, j)];
    out[j] = scale * acc;
  }
  return out;
}

/** [‖x_0‖, …, ‖x_{G−1}‖, 1/‖x_0‖, …] with 1/0 taken as 0. */
export function groupNormRef(l: GroupedLayout, x: ArrayLike<number>): Float64Array {
  const P = sharedLength(l);
  const out = new Float64Array(2 * l.groups);
  for (let g = 0; g < l.groups; g++) {
    let acc = 0;
    for (let j = 0; j < P; j++) acc += x[groupedIndexRef(l, g, j)] ** 2;
    out[g] = Math.sqrt(acc);
    out[l.groups + g] = out[g] > 0 ? 1 / out[g] : 0;
  }
  return out;
}
