import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import common from '../../shaders/coord_map.wgsl?raw';
import body from '../../shaders/lopt_features.wgsl?raw';
import { checkCoordMap, coordCount, type CoordMap } from '../layout/coord_map';

const source = `${common}\n${body}`;

/** Inputs per coordinate and step of the 'v2' feature set (shaders/lopt_features.wgsl lists them). */
export const LOPT_V2_FEATURES = 11;

/** Floats of carried state per coordinate: momenta at three timescales and the second moment. */
export const LOPT_V2_STATE = 4;

/**
 * The learned optimizer's 'v2' input for one inner step: from each coordinate's gradient, its weight and its
 * carried state S [C, 4] (updated in place), the LOPT_V2_FEATURES features written to slot `x.slot` of
 * X [C, stride / F, F]; the step within the run is clock[0] + `step`. With `raw`, the gradient itself goes to
 * slot `raw.slot` of R [C, raw.stride] (see shaders/lopt_features.wgsl).
 */
export function loptFeatures(
  rec: Recorder,
  m: CoordMap,
  t: {
    grads: Tensor;
    weights: Tensor;
    state: Tensor;
    clock: Tensor;
    step: number;
    x: { tensor: Tensor; stride: number; slot: number };
    raw?: { tensor: Tensor; stride: number; slot: number } | null;
  },
): void {
  checkCoordMap(m, t.grads.size);
  checkCoordMap(m, t.weights.size);
  const C = coordCount(m);
  const F = LOPT_V2_FEATURES;
  if ((C - 1) * t.x.stride + F * t.x.slot + F > t.x.tensor.size)
    throw new InputError(`loptFeatures: X has ${t.x.tensor.size} elements, too few for ${C} coordinates`);
  if (t.state.size < LOPT_V2_STATE * C)
    throw new InputError(`loptFeatures: state has ${t.state.size} elements, need ${LOPT_V2_STATE * C}`);
  if (t.raw && (C - 1) * t.raw.stride + t.raw.slot + 1 > t.raw.tensor.size)
    throw new InputError(`loptFeatures: R has ${t.raw.tensor.size} elements, too few for ${C} coordinates`);
  if (!(Number.isInteger(t.step) && t.step >= 0))
    throw new InputError(`loptFeatures: step must be an integer ≥ 0, got ${t.step}`);
  rec.dispatch({
    kernel: 'lopt_features',
    source,
    defines: { HAS_RAW: Boolean(t.raw), F },
    uniforms: new Uint32Array([
      m.o0, m.n0, m.o1, m.n1,
      t.grads.offset, t.weights.offset, t.state.offset, t.clock.offset,
      t.x.tensor.offset, t.x.stride, t.x.slot, t.step,
      t.raw?.tensor.offset ?? 0, t.raw?.stride ?? 0, t.raw?.slot ?? 0, 0,
    ]), // prettier-ignore
    buffers: [
      t.grads.buffer,
      t.weights.buffer,
      t.clock.buffer,
      t.state.buffer,
      t.x.tensor.buffer,
      t.raw?.tensor.buffer ?? null,
    ],
    workgroups: [Math.ceil(C / 64)],
  });
}
