import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import source from '../../shaders/lopt_credit.wgsl?raw';

/**
 * dL/du [C, T] for the learned optimizer's outputs over an unroll of T steps, from the raw task gradients
 * R [C, T+1] (slot t = ∇f(θ_t)): D[c, s] = scale / T · Σ_{t>s} R[c, t], or with `log` (meta-loss mean log f)
 * Σ_{t>s} R[c, t] / f_t[task(c)] from the per-task losses [T+1, tasks] and each coordinate's task [C] (u32)
 * (see shaders/lopt_credit.wgsl). With `bound` (the steps were soft-bounded by b, loptUpdate's `bound`), D
 * also carries each step's derivative 1 − tanh²(scale · u / b), from the outputs U [C, T].
 */
export function loptCredit(
  rec: Recorder,
  s: { coords: number; steps: number },
  t: {
    raw: Tensor;
    dUpdate: Tensor;
    log?: { losses: Tensor; taskOf: Tensor; tasks: number } | null;
    bound?: { updates: Tensor; b: number } | null;
  },
  scale: number,
): void {
  const { coords: C, steps: T } = s;
  if (t.raw.size < C * (T + 1) || t.dUpdate.size < C * T)
    throw new InputError(
      `loptCredit: raw needs ${C * (T + 1)} and dUpdate ${C * T} elements, got ${t.raw.size} and ${t.dUpdate.size}`,
    );
  const log = t.log ?? null;
  if (log && (log.losses.size < (T + 1) * log.tasks || log.taskOf.size < C))
    throw new InputError(`loptCredit: losses need ${(T + 1) * log.tasks} and taskOf ${C} elements`);
  const bound = t.bound ?? null;
  if (bound && !(bound.b > 0 && bound.updates.size >= C * T))
    throw new InputError(
      `loptCredit: bound needs b > 0 and ${C * T} updates, got b ${bound.b} and ${bound.updates.size} updates`,
    );
  const u = new Uint32Array([
    C,
    T,
    t.raw.offset,
    t.dUpdate.offset,
    0,
    log?.losses.offset ?? 0,
    log?.tasks ?? 0,
    bound?.updates.offset ?? 0,
    0,
    0,
    0,
    0,
  ]);
  const f = new Float32Array(u.buffer);
  f[4] = scale / T;
  f[8] = scale;
  f[9] = bound?.b ?? 0;
  rec.dispatch({
    kernel: 'lopt_credit',
    source,
    defines: { LOG: Boolean(log), BOUND: Boolean(bound) },
    uniforms: u,
    buffers: [
      t.raw.buffer,
      t.dUpdate.buffer,
      log?.losses.buffer ?? null,
      log?.taskOf.buffer ?? null,
      bound?.updates.buffer ?? null,
    ],
    workgroups: [Math.ceil(C / 64)],
  });
}
