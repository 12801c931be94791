import type { ContextShape } from '../layout/context_shape';

/** float64 twin of contextRows: input rows [tasks·points, steps, 1+ctx] and targets [tasks·points]. */
export function contextRowsRef(s: ContextShape, x: number[], y: number[], c: number[], scale: number) {
  const seq: number[] = [];
  for (let r = 0; r < s.tasks * s.points; r++) {
    const b = Math.floor(r / s.points);
    for (let t = 0; t < s.steps; t++) seq.push(x[r] * scale, ...c.slice(b * s.ctx, (b + 1) * s.ctx));
  }
  return { seq, target: y.map((v) => v * scale) };
}

/** float64 twin of contextStep: c − α · (dx's context columns summed over each task's rows and time). */
export function contextStepRef(s: ContextShape, dx: number[], c: number[], alpha: number): number[] {
  const out = c.slice();
  const width = 1 + s.ctx;
  for (let b = 0; b < s.tasks; b++) {
    for (let j = 0; j < s.ctx; j++) {
      let g = 0;
      for (let i = 0; i < s.points; i++) {
        for (let t = 0; t < s.steps; t++) g += dx[((b * s.points + i) * s.steps + t) * width + 1 + j];
      }
      out[b * s.ctx + j] -= alpha * g;
    }
  }
  return out;
}
