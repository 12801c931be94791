import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import common from '../../shaders/coord_map.wgsl?raw';
import body from '../../shaders/lopt_input.wgsl?raw';
import { checkCoordMap, coordCount, type CoordMap } from '../layout/coord_map';

const source = `${common}\n${body}`;

/**
 * The learned optimizer's input: each coordinate's gradient, preprocessed as Andrychowicz et al. (log-magnitude
 * and sign), written to slot `x.slot` of the input sequence X [C, stride/2, 2]; with `raw`, the gradient itself
 * to slot `raw.slot` of R [C, raw.stride] (see shaders/lopt_input.wgsl).
 */
export function loptInput(
  rec: Recorder,
  m: CoordMap,
  t: {
    grads: Tensor;
    x?: { tensor: Tensor; stride: number; slot: number } | null;
    raw?: { tensor: Tensor; stride: number; slot: number } | null;
  },
): void {
  checkCoordMap(m, t.grads.size);
  const C = coordCount(m);
  if (t.x && (C - 1) * t.x.stride + 2 * t.x.slot + 2 > t.x.tensor.size)
    throw new InputError(`loptInput: X has ${t.x.tensor.size} elements, too few for ${C} coordinates`);
  if (t.raw && (C - 1) * t.raw.stride + t.raw.slot + 1 > t.raw.tensor.size)
    throw new InputError(`loptInput: R has ${t.raw.tensor.size} elements, too few for ${C} coordinates`);
  rec.dispatch({
    kernel: 'lopt_input',
    source,
    defines: { HAS_X: Boolean(t.x), HAS_RAW: Boolean(t.raw) },
    uniforms: new Uint32Array([
      m.o0, m.n0, m.o1, m.n1,
      t.grads.offset, t.x?.tensor.offset ?? 0, t.x?.stride ?? 0, t.x?.slot ?? 0,
      t.raw?.tensor.offset ?? 0, t.raw?.stride ?? 0, t.raw?.slot ?? 0, 0,
    ]), // prettier-ignore
    buffers: [t.grads.buffer, t.x?.tensor.buffer ?? null, t.raw?.tensor.buffer ?? null],
    workgroups: [Math.ceil(C / 64)],
  });
}
