/** The shape context adaptation works on (no shader import, so that the float64 reference can use it). */

/** `tasks` tasks of `points` rows each; every row is a sequence of `steps` inputs (x, c[0..ctx)). */
export interface ContextShape {
  tasks: number;
  points: number;
  steps: number;
  ctx: number;
}
