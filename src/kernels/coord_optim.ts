import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import common from '../../shaders/coord_map.wgsl?raw';
import body from '../../shaders/coord_optim.wgsl?raw';
import { checkCoordMap, coordCount, type CoordMap, type CoordOptimizer } from '../layout/coord_map';

const source = `${common}\n${body}`;

export interface CoordOptimOptions {
  lr: number;
  /** Adam's β1 (default 0.9). */
  beta1?: number;
  /** Adam's β2 (default 0.999) or RMSprop's α (default 0.99). */
  beta2?: number;
  /** Default 1e-8, as torch.optim. */
  eps?: number;
  /** 1-based step of the run; step 1 starts from zero state. */
  step: number;
}

/**
 * One step of a hand-designed optimizer (torch.optim's SGD, RMSprop, Adam) on the coordinates of a per-task
 * weight buffer; state `v` (RMSprop, Adam) and `m` (Adam) is per coordinate [C] (see shaders/coord_optim.wgsl).
 */
export function coordOptimStep(
  rec: Recorder,
  kind: CoordOptimizer,
  m: CoordMap,
  t: { weights: Tensor; grads: Tensor; v?: Tensor | null; m?: Tensor | null },
  o: CoordOptimOptions,
): void {
  checkCoordMap(m, t.weights.size);
  const C = coordCount(m);
  const needV = kind !== 'sgd';
  const needM = kind === 'adam';
  if ((needV && !(t.v && t.v.size >= C)) || (needM && !(t.m && t.m.size >= C)))
    throw new InputError(`coordOptimStep: ${kind} needs state buffers of ${C} elements`);
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? (kind === 'rmsprop' ? 0.99 : 0.999);
  const adam = kind === 'adam';
  const u = new Uint32Array(16);
  u.set([m.o0, m.n0, m.o1, m.n1, t.weights.offset, t.grads.offset, t.m?.offset ?? 0, t.v?.offset ?? 0]);
  new Float32Array(u.buffer).set(
    [o.lr, beta1, beta2, o.eps ?? 1e-8, adam ? 1 - beta1 ** o.step : 1, adam ? 1 - beta2 ** o.step : 1],
    8,
  );
  u[14] = o.step === 1 ? 1 : 0;
  rec.dispatch({
    kernel: 'coord_optim',
    source,
    defines: { SGD: kind === 'sgd', RMSPROP: kind === 'rmsprop', ADAM: adam, HAS_V: needV },
    uniforms: u,
    buffers: [t.grads.buffer, t.weights.buffer, needV ? t.v!.buffer : null, needM ? t.m!.buffer : null],
    workgroups: [Math.ceil(C / 64)],
  });
}
