/**
 * Regression tasks of your own (`train --task regression --data DIR`): each CSV of DIR (`x,y`) is one task,
 * a function seen through its points; an episode draws `shots` support and `queries` query points of one
 * task without replacement. x and y enter the model shifted and scaled by the training tasks' own mean and
 * spread (stored in the run's config, so predict applies them too), as the sinusoid learner divides by 5.
 * Pure and seeded: the CLI, the page and the learner draw the same episodes.
 */
import { InputError } from '../runtime/errors';
import { rng } from '../layout/random';
import type { SplitNames } from './series_split';

export interface RegressionTask {
  name: string;
  x: number[];
  y: number[];
}

/** x̃ = (x − xShift) / xScale and ỹ = (y − yShift) / yScale: what the model reads and predicts. */
export interface TableScaling {
  xShift: number;
  xScale: number;
  yShift: number;
  yScale: number;
}

export const TASK_NAMES: SplitNames = {
  task: 'regression',
  noun: 'tasks',
  test: '--test-tasks',
  val: '--val-tasks',
  more: 'give more tasks (one CSV file each)',
};

/** The scaling a config holds, when it holds all four numbers. */
export function configScaling(c: Partial<TableScaling>): TableScaling | null {
  const { xShift, xScale, yShift, yScale } = c;
  return xShift !== undefined && xScale !== undefined && yShift !== undefined && yScale !== undefined
    ? { xShift, xScale, yShift, yScale }
    : null;
}

/** The mean and spread of all training points' x and y (a spread of 0 counts as 1). */
export function tableScaling(tasks: RegressionTask[]): TableScaling {
  const stats = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    return [m, sd > 0 ? sd : 1];
  };
  const [xShift, xScale] = stats(tasks.flatMap((t) => t.x));
  const [yShift, yScale] = stats(tasks.flatMap((t) => t.y));
  return { xShift, xScale, yShift, yScale };
}

/** Refuses tasks with fewer points than an episode takes, naming the first. */
export function checkTaskSizes(tasks: RegressionTask[], shots: number, queries: number): void {
  const small = tasks.find((t) => t.x.length < shots + queries);
  if (small) {
    throw new InputError(
      `task ${small.name} has ${small.x.length} points; an episode takes shots + queries = ${shots} + ` +
        `${queries}: give it more rows, or lower --shots or --queries`,
    );
  }
}

/**
 * `count` episodes from `tasks`, each of one task drawn uniformly: support steps (x̃, ỹ, 1), query steps
 * (x̃, 0, 0), targets ỹ of the queries. Seeded by (seed, step) alone.
 */
export function drawTableEpisodes(
  tasks: RegressionTask[],
  s: TableScaling,
  shape: { shots: number; queries: number },
  count: number,
  seed: number,
  step: number,
) {
  const { shots: K, queries: Q } = shape;
  const T = K + Q;
  const rand = rng((Math.imul(seed, 0x27d4eb2d) ^ Math.imul(step + 1, 0x165667b1)) >>> 0);
  const seq = new Float32Array(count * T * 3);
  const target = new Float32Array(count * Q);
  for (let b = 0; b < count; b++) {
    const t = tasks[Math.floor(rand() * tasks.length)];
    const idx = Array.from({ length: t.x.length }, (_, i) => i);
    for (let i = 0; i < T; i++) {
      const j = i + Math.floor(rand() * (idx.length - i)); // partial Fisher–Yates: T distinct points
      [idx[i], idx[j]] = [idx[j], idx[i]];
      const x = (t.x[idx[i]] - s.xShift) / s.xScale;
      const y = (t.y[idx[i]] - s.yShift) / s.yScale;
      seq.set(i < K ? [x, y, 1] : [x, 0, 0], (b * T + i) * 3);
      if (i >= K) target[b * Q + i - K] = y;
    }
  }
  return { seq, target };
}

/**
 * One row per query for one task, as a black-box regressor reads them at prediction time: the support steps
 * (x̃, ỹ, 1), then that query (x̃, 0, 0) — [queries, support + 1, 3] — so predictions do not depend on each other.
 */
export function queryRows(
  support: { x: number; y: number }[],
  queryX: number[],
  s: TableScaling,
): Float32Array {
  const T = support.length + 1;
  const seq = new Float32Array(queryX.length * T * 3);
  queryX.forEach((qx, b) => {
    support.forEach((p, i) =>
      seq.set([(p.x - s.xShift) / s.xScale, (p.y - s.yShift) / s.yScale, 1], (b * T + i) * 3),
    );
    seq.set([(qx - s.xShift) / s.xScale, 0, 0], (b * T + T - 1) * 3);
  });
  return seq;
}
