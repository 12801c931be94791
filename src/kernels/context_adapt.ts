import { InputError } from '../runtime/errors';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import source from '../../shaders/context_adapt.wgsl?raw';
import type { ContextShape } from '../layout/context_shape';

function uniforms(s: ContextShape, o: number[], reset: boolean, scale: number, alpha: number): Uint32Array {
  for (const [name, v] of Object.entries(s)) {
    if (!(Number.isInteger(v) && v >= 1))
      throw new InputError(`context_adapt: ${name} must be an integer ≥ 1, got ${v}`);
  }
  const u = new Uint32Array([s.tasks, s.points, s.steps, s.ctx, ...o, reset ? 1 : 0, 0, 0]);
  const f = new Float32Array(u.buffer);
  f[10] = scale;
  f[11] = alpha;
  return u;
}

/**
 * Builds the task model's input rows seq [tasks·points, steps, 1+ctx] = (x · scale, c[task]) and the targets
 * target [tasks·points] = y · scale (see shaders/context_adapt.wgsl). `x`/`y` are views of one buffer (an
 * episode), `seq`/`target` of another. With `reset`, c is zeroed first (the start of each task's inner loop).
 */
export function contextRows(
  rec: Recorder,
  s: ContextShape,
  t: { x: Tensor; y: Tensor; c: Tensor; seq: Tensor; target: Tensor; reset: boolean; scale: number },
): void {
  if (t.x.buffer !== t.y.buffer || t.seq.buffer !== t.target.buffer) {
    throw new InputError('contextRows: x and y must share one buffer, and seq and target another');
  }
  rec.dispatch({
    kernel: 'context_adapt',
    source,
    defines: { STEP: false },
    uniforms: uniforms(
      s,
      [t.x.offset, t.y.offset, t.c.offset, t.seq.offset, t.target.offset],
      t.reset,
      t.scale,
      0,
    ),
    buffers: [t.x.buffer, t.c.buffer, t.seq.buffer],
    workgroups: [Math.ceil((s.tasks * s.points * s.steps) / 64)],
  });
}

/**
 * One inner-loop step on the contexts: c[b] ← c[b] − α Σ_{rows of b, t} dx[row, t, 1..], where dx
 * [tasks·points, steps, 1+ctx] is the task model's input gradient (gruBackward's dx).
 */
export function contextStep(
  rec: Recorder,
  s: ContextShape,
  t: { dx: Tensor; c: Tensor; alpha: number },
): void {
  rec.dispatch({
    kernel: 'context_adapt',
    source,
    defines: { STEP: true },
    uniforms: uniforms(s, [0, 0, t.c.offset, t.dx.offset, 0], false, 1, t.alpha),
    buffers: [t.dx.buffer, t.c.buffer],
    workgroups: [Math.ceil((s.tasks * s.ctx) / 64)],
  });
}
