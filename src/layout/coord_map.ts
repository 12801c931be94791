/**
 * Coordinates of a per-task weight buffer, and the names of the optimizers that step them (no GPU code: the
 * float64 references use it too).
 */
import { InputError } from '../runtime/errors';

/** The hand-designed coordinate-wise optimizers (torch.optim's SGD, RMSprop, Adam) coord_optim runs. */
export type CoordOptimizer = 'sgd' | 'rmsprop' | 'adam';
export const COORD_OPTIMIZERS: readonly CoordOptimizer[] = ['sgd', 'rmsprop', 'adam'];

/**
 * The coordinates a coordinate-wise optimizer works on: weights o0 .. o0+n0 and o1 .. o1+n1 of a per-task
 * weight buffer (coordinate c < n0 is weight o0 + c, then o1 + c − n0). Two ranges are enough to leave out
 * one tensor in the middle, such as the task model's recurrent weights, whose gradient is always zero.
 */
export interface CoordMap {
  o0: number;
  n0: number;
  o1: number;
  n1: number;
}

export function coordCount(m: CoordMap): number {
  return m.n0 + m.n1;
}

/** The weight index of coordinate c (as the kernels compute it). */
export function coordWeight(m: CoordMap, c: number): number {
  return c < m.n0 ? m.o0 + c : m.o1 + c - m.n0;
}

export function checkCoordMap(m: CoordMap, weights: number): void {
  const ok = [m.o0, m.n0, m.o1, m.n1].every((v) => Number.isInteger(v) && v >= 0);
  if (!ok || m.o0 + m.n0 > weights || m.o1 + m.n1 > weights || m.n0 + m.n1 === 0)
    throw new InputError(
      `coordinate map ${JSON.stringify(m)} does not fit a weight buffer of ${weights} elements`,
    );
}
