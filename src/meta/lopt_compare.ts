/**
 * The learned optimizer against the hand-designed ones (SGD, RMSprop, Adam), each at its best: a baseline's
 * learning rate is tuned first, the best final loss over BASELINE_LRS on training tasks (stream 0, another
 * seed, at most TUNING_TASKS of them), then every optimizer runs on the same held-out tasks from the same initial weights.
 */
import { COORD_OPTIMIZERS, type CoordOptimizer } from '../layout/coord_map';

/** Learning rates tried for each hand-designed optimizer (log grid); the best on training tasks is used. */
export const BASELINE_LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1];

/**
 * Training tasks each learning rate is tried on: at most this many (a grid point's final loss is settled well
 * before the 256 held-out tasks a comparison may run on, and tuning is 27 runs).
 */
export const TUNING_TASKS = 64;

/** Offset of the tuning runs' seed from the comparison's: tuning never sees the held-out tasks. */
const TUNING_SEED_OFFSET = 7919;

/** Mean task loss at each inner step 0..steps for the learned optimizer and each tuned baseline. */
export interface OptimizerComparison {
  steps: number;
  tasks: number;
  curves: Record<'lopt' | CoordOptimizer, number[]>;
  /** Final loss per held-out task, per optimizer. */
  final: Record<'lopt' | CoordOptimizer, number[]>;
  /** The learning rate each baseline was tuned to (on training tasks). */
  lr: Record<CoordOptimizer, number>;
}

/** Per-task loss curves [steps + 1][tasks] of one optimizer on the runs `r` describes. */
export interface CurveSource {
  lossCurve(tasks: number, seed: number, steps: number): Promise<number[][]>;
  baselineCurve(
    kind: CoordOptimizer,
    lr: number,
    r: { tasks: number; seed: number; stream: number; steps: number },
  ): Promise<number[][]>;
}

export async function compareOptimizers(
  src: CurveSource,
  tasks: number,
  seed: number,
  steps: number,
): Promise<OptimizerComparison> {
  const mean = (rows: number[][]) => rows.map((r) => r.reduce((a, v) => a + v, 0) / r.length);
  const finite = (x: number) => (Number.isFinite(x) ? x : Infinity);
  const lr = {} as Record<CoordOptimizer, number>;
  for (const kind of COORD_OPTIMIZERS) {
    let best = Infinity;
    for (const candidate of BASELINE_LRS) {
      const tuning = {
        tasks: Math.min(tasks, TUNING_TASKS),
        seed: seed + TUNING_SEED_OFFSET,
        stream: 0,
        steps,
      };
      const c = mean(await src.baselineCurve(kind, candidate, tuning));
      const f = finite(c[c.length - 1]);
      if (f < best || lr[kind] === undefined) [best, lr[kind]] = [f, candidate];
    }
  }
  const lopt = await src.lossCurve(tasks, seed, steps);
  const curves = { lopt: mean(lopt) } as OptimizerComparison['curves'];
  const final = { lopt: lopt[steps] } as OptimizerComparison['final'];
  for (const kind of COORD_OPTIMIZERS) {
    const c = await src.baselineCurve(kind, lr[kind], { tasks, seed, stream: 1, steps });
    curves[kind] = mean(c);
    final[kind] = c[steps];
  }
  return { steps, tasks, curves, final, lr };
}

/** A mean and its 95% interval (1.96 standard errors over tasks). */
export interface Interval {
  mean: number;
  ci95: number;
}

/** What a comparison says, task by task: each optimizer's final loss, and the learned one's paired edge. */
export interface ComparisonStats {
  steps: number;
  tasks: number;
  final: Record<'lopt' | CoordOptimizer, Interval>;
  /** Final loss of the learned optimizer minus tuned Adam's, on the same task from the same weights. */
  diff: Interval;
  /** Tasks where the learned optimizer ends below tuned Adam. */
  wins: number;
}

function interval(v: number[]): Interval {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1);
  return { mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n) };
}

export function comparisonStats(c: OptimizerComparison): ComparisonStats {
  const final = Object.fromEntries(
    Object.entries(c.final).map(([k, v]) => [k, interval(v)]),
  ) as ComparisonStats['final'];
  const d = c.final.lopt.map((v, i) => v - c.final.adam[i]);
  return { steps: c.steps, tasks: c.tasks, final, diff: interval(d), wins: d.filter((x) => x < 0).length };
}
