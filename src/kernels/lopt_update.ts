import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import common from '../../shaders/coord_map.wgsl?raw';
import body from '../../shaders/lopt_update.wgsl?raw';
import { checkCoordMap, coordCount, type CoordMap } from '../layout/coord_map';

const source = `${common}\n${body}`;

/**
 * weights[i(c)] += scale · update[c] for every coordinate c, or with `bound` b > 0 the soft-bounded step
 * b · tanh(scale · update[c] / b) (see shaders/lopt_update.wgsl).
 */
export function loptUpdate(
  rec: Recorder,
  m: CoordMap,
  t: { update: Tensor; weights: Tensor },
  scale: number,
  bound = 0,
): void {
  checkCoordMap(m, t.weights.size);
  const C = coordCount(m);
  if (t.update.size < C) throw new InputError(`loptUpdate: update has ${t.update.size} elements, need ${C}`);
  if (!(bound >= 0)) throw new InputError(`loptUpdate: bound must be >= 0 (0: none), got ${bound}`);
  const u = new Uint32Array([m.o0, m.n0, m.o1, m.n1, t.weights.offset, t.update.offset, 0, 0]);
  new Float32Array(u.buffer).set([scale, bound], 6);
  rec.dispatch({
    kernel: 'lopt_update',
    source,
    defines: { BOUND: bound > 0 },
    uniforms: u,
    buffers: [t.update.buffer, t.weights.buffer],
    workgroups: [Math.ceil(C / 64)],
  });
}
