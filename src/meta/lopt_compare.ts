/**
 * The learned optimizer against the hand-designed ones (SGD, RMSprop, Adam), each at its best: a baseline's
 * learning rate is tuned first, the best final loss over BASELINE_LRS on training tasks (stream 0, another
 * seed), then every optimizer runs on the same held-out tasks from the same initial weights.
 */
import { COORD_OPTIMIZERS, type CoordOptimizer } from '../layout/coord_map';

/** Learning rates tried for each hand-designed optimizer (log grid); the best on training tasks is used. */
export const BASELINE_LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1];

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
      const tuning = { tasks, seed: seed + TUNING_SEED_OFFSET, stream: 0, steps };
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
