/**
 * The learned optimizer against the hand-designed ones (SGD, RMSprop, Adam), each at its best: a baseline's
 * learning rate is tuned first, the best final loss over BASELINE_LRS on training tasks (stream 0, another
 * seed, at most TUNING_TASKS of them), then every optimizer runs on the same held-out tasks from the same initial weights.
 */
import { COORD_OPTIMIZERS, type CoordOptimizer } from '../layout/coord_map';
import { InputError } from '../runtime/errors';

/** Learning rates tried for each hand-designed optimizer (log grid); the best on training tasks is used. */
export const BASELINE_LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1];

/**
 * Training tasks each learning rate is tried on: at most this many (a grid point's final loss is settled well
 * before the 256 held-out tasks a comparison may run on, and tuning is 27 runs).
 */
export const TUNING_TASKS = 64;

/** Offset of the tuning runs' seed from the comparison's: tuning never sees the held-out tasks. */
const TUNING_SEED_OFFSET = 7919;

/**
 * Per optimizer: the learned one and tuned Adam always (the paired statistics are against Adam), SGD and
 * RMSprop when the comparison ran them (compareOptimizers' `baselines`).
 */
export type PerOptimizer<T> = Record<'lopt' | 'adam', T> & Partial<Record<CoordOptimizer, T>>;

/** Mean task loss at each inner step 0..steps for the learned optimizer and each tuned baseline. */
export interface OptimizerComparison {
  steps: number;
  tasks: number;
  curves: PerOptimizer<number[]>;
  /** Final loss per held-out task, per optimizer. */
  final: PerOptimizer<number[]>;
  /** The learning rate each baseline was tuned to (on training tasks). */
  lr: Record<'adam', number> & Partial<Record<CoordOptimizer, number>>;
}

/** The hand-designed optimizers a comparison runs (`--baselines`): a subset of COORD_OPTIMIZERS with Adam in it. */
export function checkBaselines(names: readonly string[]): CoordOptimizer[] {
  const allowed = COORD_OPTIMIZERS.join(', ');
  for (const n of names) {
    if (!(COORD_OPTIMIZERS as readonly string[]).includes(n))
      throw new InputError(`--baselines: unknown optimizer ${JSON.stringify(n)}; allowed: ${allowed}`);
  }
  if (new Set(names).size !== names.length) throw new InputError(`--baselines names an optimizer twice`);
  if (!names.includes('adam'))
    throw new InputError(
      `--baselines ${names.join(',')}: must include adam (the paired difference and the wins are against tuned Adam)`,
    );
  return COORD_OPTIMIZERS.filter((k) => names.includes(k));
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

/** Seed of batch k > 0 when a comparison's tasks run in batches (batch 0 keeps the comparison's seed). */
const BATCH_SEED_STEP = 13;

/**
 * `fn`'s per-task curves [steps + 1][tasks] over `tasks` tasks run in batches of at most `maxBatch`, side by
 * side: batch k draws its own tasks from seed + 13 k (batch 0 from `seed`, so that a comparison that fits in
 * one batch is the unbatched one). Every optimizer goes through the same batches, so each still meets the
 * same tasks from the same initial weights.
 */
async function inBatches(
  tasks: number,
  seed: number,
  maxBatch: number,
  fn: (tasks: number, seed: number) => Promise<number[][]>,
): Promise<number[][]> {
  let rows: number[][] | null = null;
  for (let k = 0, done = 0; done < tasks; k++) {
    const n = Math.min(maxBatch, tasks - done);
    const c = await fn(n, seed + BATCH_SEED_STEP * k);
    rows = rows ? rows.map((r, i) => r.concat(c[i])) : c;
    done += n;
  }
  return rows ?? [];
}

/** Called before each optimisation run of a comparison: what runs next, and how many of `total` are done. */
export type CompareProgress = (what: string, done: number, total: number) => unknown;

/** Optimisation runs in a comparison of `baselines`: each at every grid rate, then all on held-out tasks. */
export const compareRuns = (baselines = COORD_OPTIMIZERS.length) =>
  baselines * BASELINE_LRS.length + 1 + baselines;

/**
 * `maxBatch`: tasks one curve call may run at once (the learned optimizer's recurrence is one row per
 * coordinate, and a dispatch's workgroups are bounded); more run in batches (inBatches). `progress` hears of
 * each of the compareRuns() runs before it starts (a comparison on a software adapter takes minutes).
 * `baselines`: the hand-designed optimizers to run (checkBaselines; default all three).
 */
export async function compareOptimizers(
  src: CurveSource,
  tasks: number,
  seed: number,
  steps: number,
  maxBatch = Infinity,
  progress: CompareProgress = () => {},
  baselines: readonly CoordOptimizer[] = COORD_OPTIMIZERS,
): Promise<OptimizerComparison> {
  const kinds = checkBaselines(baselines);
  let done = 0;
  const total = compareRuns(kinds.length);
  const next = async (what: string) => progress(what, done++, total);
  const mean = (rows: number[][]) => rows.map((r) => r.reduce((a, v) => a + v, 0) / r.length);
  const finite = (x: number) => (Number.isFinite(x) ? x : Infinity);
  const batch = Math.max(1, Math.floor(maxBatch));
  const baseline = (kind: CoordOptimizer, lr: number, n: number, s: number, stream: number) =>
    inBatches(n, s, batch, (t, ts) => src.baselineCurve(kind, lr, { tasks: t, seed: ts, stream, steps }));
  const lr = {} as OptimizerComparison['lr'];
  for (const kind of kinds) {
    let best = Infinity;
    for (const candidate of BASELINE_LRS) {
      await next(`tuning ${kind} at lr ${candidate} on ${Math.min(tasks, TUNING_TASKS)} training tasks`);
      const tuning = mean(
        await baseline(kind, candidate, Math.min(tasks, TUNING_TASKS), seed + TUNING_SEED_OFFSET, 0),
      );
      const f = finite(tuning[tuning.length - 1]);
      if (f < best || lr[kind] === undefined) [best, lr[kind]] = [f, candidate];
    }
  }
  await next(`the learned optimizer on ${tasks} held-out tasks`);
  const lopt = await inBatches(tasks, seed, batch, (t, s) => src.lossCurve(t, s, steps));
  const curves = { lopt: mean(lopt) } as OptimizerComparison['curves'];
  const final = { lopt: lopt[steps] } as OptimizerComparison['final'];
  for (const kind of kinds) {
    await next(`${kind} at lr ${lr[kind]} on ${tasks} held-out tasks`);
    const c = await baseline(kind, lr[kind]!, tasks, seed, 1);
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
