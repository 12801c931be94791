/**
 * `metarnn eval`: the mean metric and its 95% interval over held-out test tasks for a run's checkpoint. Test
 * tasks come from the held-out stream with seed + EVAL_SEED_OFFSET.test, so they differ from the validation tasks
 * that the run reported while training.
 */
import type { Command } from 'commander';
import type { EvalResult } from '../meta/learner';
import type { MetaConfig } from '../io/meta_config';
import { InputError } from '../runtime/errors';
import { withRunner } from './runner';
import { checkOmniglotData, loadTaskData } from './task_data';
import { evalWithinAlphabets, type WithinAlphabetResult } from './eval_within';
import { checkEvalOptions, evalConfig, splitWarnings } from './eval_split';
import { readDataFile } from '../data/omniglot_file';
import { PUBLISHED_RUNS_ERROR } from '../meta/omniglot_runs';
import { readRun, WHICH_CHECKPOINTS, type SavedRun, type WhichCheckpoint } from './run_dir';
import type { EvalSplit } from '../data/omniglot_split';
import { compareProgressLine, formatComparison } from './train_command';
import { EVAL_SEED_OFFSET } from '../meta/learner';
import { DEFAULT_LOPT, type LoptConfig } from '../meta/lopt';
import { OPTIMIZEES, type Optimizee } from '../meta/lopt_tasks';
import { checkBaselines, comparisonStats, type ComparisonStats } from '../meta/lopt_compare';
import type { CoordOptimizer } from '../layout/coord_map';

export interface EvalSummary {
  task: MetaConfig['task'];
  learner: MetaConfig['learner'];
  ways: number;
  shots: number;
  episodes: number;
  metric: 'mse' | 'accuracy';
  mean: number;
  ci95: number;
  /**
   * Learned optimizer only: the final mean task loss of each optimizer after `steps` inner steps on `tasks`
   * of the held-out tasks, with the learning rate each hand-designed one was tuned to.
   */
  optimizers?: { steps: number; tasks: number; final: Record<string, number>; lr: Record<string, number> };
  /**
   * Learned optimizer only: for each run length compared (--run-steps), each optimizer's final loss as mean
   * and 95% interval over the tasks, the paired difference learned − tuned Adam, the tuned learning rates, the
   * run's bound on its steps (maxUpdate, when it has one), and each optimizer's final loss task by task.
   */
  comparisons?: (ComparisonStats & {
    lr: Record<string, number>;
    taskHidden?: number;
    optimizee?: Optimizee;
    maxUpdate?: number;
    perTask: Record<string, number[]>;
  })[];
  /**
   * Omniglot only: Santoro et al. 2016's accuracy at a class's 1st, 2nd, 5th and 10th instance (a step
   * predicted after 0, 1, 4, 9 labelled examples of its class), null where the episode has no such instance:
   * support steps are instances 1…shots and every query is instance shots + 1 (query labels are never shown).
   */
  perPresentation?: Record<string, number | null>;
  /** How many predictions each perPresentation figure pools (0 where absent). */
  perPresentationCount?: Record<string, number>;
  /**
   * Omniglot only: how `mean` scores a query — 'inductive', alone after the support set, as the literature
   * does — the split and alphabets the episodes came from, and the same episodes scored transductively (all
   * queries in one sequence, each seeing the earlier ones), for comparison only.
   */
  protocol?: 'inductive';
  split?: EvalSplit;
  alphabets?: string[];
  transductiveAccuracy?: number;
  transductiveCi95?: number;
  /**
   * Series only: the scored series, the model and the baselines on the same windows (MSE standardised by each
   * window's context, and per series in its own units), under `forecasters`.
   */
  forecast?: EvalResult['forecast'];
  /** --within-alphabet: each test alphabet's share, and those with too few characters for the ways. */
  withinAlphabet?: boolean;
  perAlphabet?: { alphabet: string; episodes: number; mean: number }[];
  skipped?: string[];
}

/** The learned optimizer's eval options, checked: run lengths, comparison tasks, another task-model width. */
function loptEvalOptions(
  opts: EvalOptions,
  learner: string,
  episodes: number,
): { runSteps?: number[]; tasks: number; config: LoptConfig; baselines?: CoordOptimizer[] } {
  const keys = ['runSteps', 'compareTasks', 'taskHidden', 'optimizee', 'baselines'] as const;
  const given = keys.filter((k) => opts[k] !== undefined);
  if (given.length && learner !== 'lopt') {
    const flag = {
      runSteps: '--run-steps',
      compareTasks: '--compare-tasks',
      taskHidden: '--task-hidden',
      optimizee: '--optimizee',
      baselines: '--baselines',
    };
    throw new InputError(
      `${flag[given[0]]} applies to learned optimizers (lopt); this run’s learner is ${learner}`,
    );
  }
  const int = (flag: string, text: string, min: number) => {
    const v = Number(text);
    if (!(text.trim() !== '' && Number.isSafeInteger(v) && v >= min))
      throw new InputError(`${flag} ${JSON.stringify(text)}: expected an integer >= ${min}`);
    return v;
  };
  const runSteps = opts.runSteps?.split(',').map((t) => int('--run-steps', t, 1));
  const tasks =
    opts.compareTasks === undefined ? Math.min(episodes, 64) : int('--compare-tasks', opts.compareTasks, 2);
  const config: LoptConfig = {};
  if (opts.taskHidden !== undefined) config.taskHidden = int('--task-hidden', opts.taskHidden, 1);
  if (opts.optimizee !== undefined) {
    if (!(OPTIMIZEES as readonly string[]).includes(opts.optimizee))
      throw new InputError(
        `--optimizee ${JSON.stringify(opts.optimizee)}: expected ${OPTIMIZEES.join(' or ')} (the task family ` +
          `the learned optimizer trains models of)`,
      );
    config.optimizee = opts.optimizee as Optimizee;
  }
  const baselines =
    opts.baselines === undefined ? undefined : checkBaselines(opts.baselines.split(',').map((s) => s.trim()));
  return { runSteps, tasks, config, baselines };
}

/** The instances Santoro et al. 2016 report. */
const SANTORO_INSTANCES = [1, 2, 5, 10] as const;

/** Santoro et al.'s instances from an evaluation's accuracy by instance; absent ones are null. */
export function perPresentation(byInstance: NonNullable<EvalResult['byInstance']>) {
  const at = (i: number) => byInstance.find((b) => b.instance === i);
  return {
    perPresentation: Object.fromEntries(SANTORO_INSTANCES.map((i) => [i, at(i)?.accuracy ?? null])),
    perPresentationCount: Object.fromEntries(SANTORO_INSTANCES.map((i) => [i, at(i)?.count ?? 0])),
  };
}

/** One line for the text output, naming the instances this episode shape does not have. */
function formatPresentation(p: Record<string, number | null>, shots: number): string {
  const nth = (i: string) => `${i}${i === '1' ? 'st' : i === '2' ? 'nd' : 'th'}`;
  const have = Object.entries(p).filter((e): e is [string, number] => e[1] !== null);
  const absent = Object.keys(p).filter((k) => p[k] === null);
  return (
    `accuracy by presentation (Santoro et al. 2016): ` +
    have.map(([i, a]) => `${nth(i)} ${a.toPrecision(3)}`).join(', ') +
    (absent.length
      ? `; ${absent.map(nth).join(', ')} absent (queries of ${shots}-shot episodes are instance ${shots + 1}; ` +
        `support steps are ${shots === 1 ? 'instance 1' : `instances 1–${shots}`} only with delayed labels)`
      : '')
  );
}

interface EvalOptions {
  checkpoint: string;
  which: string;
  episodes: string;
  json?: boolean;
  data?: string;
  task?: string;
  alphabets?: string;
  split: string;
  transductive?: boolean;
  withinAlphabet?: boolean;
  scratchSteps?: string;
  runSteps?: string;
  compareTasks?: string;
  taskHidden?: string;
  optimizee?: string;
  baselines?: string;
}

const EVAL_SPLITS: readonly EvalSplit[] = ['test', 'validation'];

export function register(program: Command): void {
  program
    .command('eval')
    .description("evaluate a run's checkpoint on held-out test tasks: mean and 95% interval")
    .requiredOption('--checkpoint <dir>', 'run directory (holds config.json and checkpoint.safetensors)')
    .option(
      '--which <checkpoint>',
      'last (checkpoint.safetensors, the latest) or best (checkpoints/best.safetensors, the best ' +
        'validation figure while training)',
      'last',
    )
    .option('--episodes <n>', 'held-out tasks to evaluate', '600')
    .option(
      '--data <path>',
      'dataset path, when it has moved since training (omniglot: zips or folders, comma-separated; ' +
        'with --task omniglot-runs: all_runs.zip)',
    )
    .option(
      '--task <name>',
      'omniglot-runs: Lake et al. 2015 20-way one-shot runs (needs --data all_runs.zip)',
    )
    .option(
      '--alphabets <list>',
      "omniglot: comma-separated test alphabets to score on (default: the run's test alphabets)",
    )
    .option(
      '--split <name>',
      'test or validation: the alphabets (omniglot), series (series) or task stream (sinusoid, forecast) scored',
      'test',
    )
    .option(
      '--within-alphabet',
      "omniglot: each episode's classes from one test alphabet (as Lake et al.'s runs); needs --alphabets or a run that named them",
    )
    .option(
      '--transductive',
      'omniglot: also print the transductive figure (all queries in one sequence; not comparable with the literature)',
    )
    .option(
      '--scratch-steps <n>',
      "series: also train the same GRU from scratch on each scored series' own history for n steps, a baseline",
    )
    .option(
      '--run-steps <list>',
      'lopt: inner-step counts to compare at, comma-separated (default: as trained)',
    )
    .option(
      '--compare-tasks <n>',
      'lopt: held-out tasks for the comparison with tuned optimizers (default 64)',
    )
    .option('--task-hidden <n>', "lopt: optimise task models of this GRU width instead of the run's")
    .option(
      '--baselines <list>',
      'lopt: the tuned optimizers to compare with, comma-separated subset of sgd,rmsprop,adam that includes adam ' +
        '(default: all three; adam alone takes a third of the time)',
    )
    .option(
      '--optimizee <family>',
      'lopt: the task models to optimise: sinusoid (as trained) or forecast (a GRU reading windows of 8 ' +
        'values of a forecasting series: another optimizee)',
    )
    .option('--json', 'print one JSON object')
    .action(async (opts: EvalOptions) => {
      const episodes = Number(opts.episodes);
      if (!Number.isSafeInteger(episodes) || episodes < 2) {
        throw new InputError(`--episodes ${JSON.stringify(opts.episodes)}: expected an integer >= 2`);
      }
      if (!(WHICH_CHECKPOINTS as readonly string[]).includes(opts.which)) {
        throw new InputError(
          `--which ${JSON.stringify(opts.which)}: expected ${WHICH_CHECKPOINTS.join(' or ')}`,
        );
      }
      if (!(EVAL_SPLITS as readonly string[]).includes(opts.split)) {
        throw new InputError(`--split ${JSON.stringify(opts.split)}: expected ${EVAL_SPLITS.join(' or ')}`);
      }
      const split = opts.split as EvalSplit;
      const scratchSteps = opts.scratchSteps === undefined ? undefined : Number(opts.scratchSteps);
      if (scratchSteps !== undefined && !(Number.isSafeInteger(scratchSteps) && scratchSteps >= 1)) {
        throw new InputError(
          `--scratch-steps ${JSON.stringify(opts.scratchSteps)}: expected an integer >= 1`,
        );
      }
      const run = readRun(opts.checkpoint, opts.which as WhichCheckpoint);
      if (scratchSteps !== undefined && run.config.task !== 'series') {
        throw new InputError(
          `--scratch-steps applies to series runs; ${opts.checkpoint} holds ${run.config.task}`,
        );
      }
      if (opts.task !== undefined) return evalRuns(opts, run);
      checkEvalOptions(run, opts, split);
      const lopt = loptEvalOptions(opts, run.config.learner, episodes);
      const config: MetaConfig & LoptConfig = { ...evalConfig(run, opts, split), ...lopt.config };
      const seed = config.seed + EVAL_SEED_OFFSET[split];
      checkOmniglotData(config, { split, withinAlphabet: opts.withinAlphabet }); // before the browser starts
      const [r, cmps] = await withRunner(async (runner) => {
        const data = await loadTaskData(runner, config);
        for (const line of splitWarnings(run, opts, data)) console.error(line);
        const r: EvalResult & Partial<WithinAlphabetResult> = opts.withinAlphabet
          ? await evalWithinAlphabets(runner, config, run.resume, episodes, seed)
          : await runner.call('evalRun', config, run.resume, episodes, seed, split, { scratchSteps });
        if (config.learner !== 'lopt') return [r, null] as const;
        // Tuning three baselines over a grid is ~30 runs: on at most 64 of the tasks unless asked.
        const tasks = lopt.tasks;
        const steps = lopt.runSteps ?? [config.innerSteps ?? DEFAULT_LOPT.runSteps];
        await runner.onTrainEvent(async (e) => {
          if (e.type === 'work') console.error(compareProgressLine(e, started));
        });
        const started = performance.now();
        const cmps = await runner.call('compareRun', config, run.resume, tasks, seed, steps, lopt.baselines);
        return [r, cmps] as const;
      });
      const { task, learner, ways, shots } = config;
      const summary: EvalSummary = {
        task,
        learner,
        ways,
        shots,
        episodes,
        metric: r.metric,
        mean: r.mean,
        ci95: r.ci95,
      };
      if (cmps) {
        const [c] = cmps;
        const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
        const final = Object.fromEntries(Object.entries(c.final).map(([k, v]) => [k, mean(v)]));
        summary.optimizers = { steps: c.steps, tasks: c.tasks, final, lr: c.lr };
        const { taskHidden, optimizee } = lopt.config;
        const { maxUpdate } = run.config;
        const other = {
          ...(taskHidden === undefined ? {} : { taskHidden }),
          ...(optimizee === undefined ? {} : { optimizee }),
          ...(maxUpdate === undefined ? {} : { maxUpdate }),
        };
        // perTask: each optimizer's final loss on each held-out task (the same tasks, in the same order).
        summary.comparisons = cmps.map((x) => ({
          ...comparisonStats(x),
          lr: x.lr,
          ...other,
          perTask: x.final,
        }));
      }
      if (split !== 'test') summary.split = split; // synthetic tasks: the validation stream
      if (task === 'omniglot' && r.byInstance) Object.assign(summary, perPresentation(r.byInstance));
      if (r.perAlphabet && r.skipped) {
        Object.assign(summary, {
          protocol: 'inductive',
          split,
          withinAlphabet: true,
          alphabets: r.alphabets,
          perAlphabet: r.perAlphabet,
          skipped: r.skipped,
          episodes: r.values.length,
        });
      }
      if (r.transductive) {
        Object.assign(summary, {
          protocol: 'inductive',
          split,
          alphabets: r.alphabets,
          transductiveAccuracy: r.transductive.mean,
          transductiveCi95: r.transductive.ci95,
        });
      }
      if (r.forecast) Object.assign(summary, { split, episodes: r.values.length, forecast: r.forecast });
      if (r.lastValue) Object.assign(summary, { lastValue: r.lastValue, values: r.values });
      if (opts.json) {
        console.log(JSON.stringify(summary));
        return;
      }
      const what = task === 'omniglot' ? `${ways}-way ${shots}-shot` : `${shots}-shot`;
      const within = r.perAlphabet ? ' (classes within one alphabet)' : '';
      const where = r.alphabets?.length
        ? `${split} episodes of ${r.alphabets.join(', ')}${within}`
        : r.forecast
          ? `${split} windows of ${r.forecast.series.join(', ')}, standardised by each window's context`
          : 'held-out tasks';
      const how = r.transductive ? ', each query alone after the support set' : '';
      console.log(
        `${task} / ${learner}, ${what}, step ${run.resume.step}${opts.which === 'best' ? ' (best)' : ''}: ${r.metric} ${r.mean.toPrecision(4)} ± ` +
          `${r.ci95.toPrecision(2)} (95% interval over ${r.values.length} ${where}${how})`,
      );
      if (r.perAlphabet && r.skipped) {
        console.log(r.perAlphabet.map((p) => `${p.alphabet} ${p.mean.toPrecision(3)}`).join(', '));
        if (r.skipped.length) console.log(`left out: ${r.skipped.join('; ')}`);
      }
      if (r.lastValue) {
        const { mean, ci95, diff } = r.lastValue;
        console.log(
          `last value on the same windows: ${mean.toPrecision(4)} ± ${ci95.toPrecision(2)}; ` +
            `model − last value per task ${diff.mean.toPrecision(3)} ± ${diff.ci95.toPrecision(2)}`,
        );
      }
      if (opts.transductive && r.transductive) {
        console.log(
          `transductive (all queries in one sequence, each seeing the earlier ones): ` +
            `${r.transductive.mean.toPrecision(4)} ± ${r.transductive.ci95.toPrecision(2)}`,
        );
      }
      for (const [i, c] of (cmps ?? []).entries()) {
        const { diff, wins } = summary.comparisons![i];
        const { optimizee, taskHidden } = lopt.config;
        const on = [
          `${c.tasks} tasks`,
          ...(optimizee ? [`${optimizee} optimizee`] : []),
          ...(taskHidden ? [`task GRU ${taskHidden} units`] : []),
          ...(run.config.maxUpdate ? [`steps bounded by ${run.config.maxUpdate}`] : []),
        ];
        console.log(`${formatComparison(c)} (${on.join(', ')})`);
        console.log(
          `  lopt − adam per task: ${diff.mean.toPrecision(3)} ± ${diff.ci95.toPrecision(2)} (95% interval); ` +
            `lopt lower on ${wins} of ${c.tasks} tasks`,
        );
      }
      if (r.forecast) console.log(formatForecasters(r.forecast));
      if (summary.perPresentation) console.log(formatPresentation(summary.perPresentation, shots));
    });
}

/** `--task omniglot-runs`: error rate over the runs' trials, next to Lake et al.'s published figures. */
async function evalRuns(opts: EvalOptions, run: SavedRun): Promise<void> {
  if (opts.task !== 'omniglot-runs') {
    throw new InputError(
      `--task ${opts.task}: eval takes only omniglot-runs here (other tasks come from the run)`,
    );
  }
  if (run.config.task !== 'omniglot') {
    throw new InputError(
      `--task omniglot-runs needs a model trained on omniglot; ${opts.checkpoint} holds ${run.config.task}`,
    );
  }
  if (!opts.data)
    throw new InputError('--task omniglot-runs needs --data PATH to all_runs.zip (Lake et al. 2015)');
  const zip = readDataFile(opts.data);
  const r = await withRunner(async (runner) => {
    await loadTaskData(runner, run.config);
    return runner.call('runsEvalRun', run.config, run.resume, Buffer.from(zip).toString('base64'));
  });
  const accuracy = 1 - r.errors / r.trials;
  if (opts.json) {
    console.log(
      JSON.stringify({
        task: 'omniglot-runs',
        learner: run.config.learner,
        ways: run.config.ways,
        shots: 1,
        episodes: r.trials,
        metric: 'accuracy',
        mean: accuracy,
        ci95: 1.96 * Math.sqrt((accuracy * (1 - accuracy)) / r.trials),
        errorRate: r.errorRate,
      }),
    );
    return;
  }
  const p = PUBLISHED_RUNS_ERROR;
  console.log(
    `omniglot one-shot runs: error ${r.errorRate.toFixed(1)}% over ${r.trials} trials ` +
      `(people ${p.people}%, Bayesian program learning ${p.bpl}%, Siamese convnet ${p.siameseConvnet}%)`,
  );
}

/**
 * The model and the baselines on the same windows: standardised MSE in all, and per series in its units —
 * each with its 95% interval over overlapping windows (Diebold–Mariano, lags up to the horizon − 1; pooled
 * over series of one table, their windows paired by date too), a baseline's also minus the model's, window by
 * window (positive: the model is better).
 */
export function formatForecasters(f: NonNullable<EvalResult['forecast']>): string {
  const pm = (x: { mean: number; ci95: number }, digits: number) =>
    `${x.mean.toPrecision(digits)} ± ${x.ci95.toPrecision(2)}`;
  const lines = f.forecasters.map(
    (x) =>
      `  ${x.name.padEnd(14)} ${pm(x.mse, 4)}` +
      (x.minusModel ? `   (minus the model's, window by window: ${pm(x.minusModel, 3)})` : ''),
  );
  const perSeries = f.series.map(
    (s, k) =>
      `  ${s}: ` +
      f.forecasters
        .map((x) => {
          const p = x.perSeries[k];
          const own = `${x.name} ${pm({ mean: p.rawMse, ci95: p.rawCi95 }, 3)}`;
          return p.rawMinusModel ? `${own} (minus the model's ${pm(p.rawMinusModel, 3)})` : own;
        })
        .join(', ') +
      ` (${f.forecasters[0].perSeries[k].windows} windows)`,
  );
  return [
    `standardised MSE (the same windows; 95% intervals over windows that overlap, ${f.horizon}-step horizon` +
      `${f.acrossSeries ? ', the series paired by date' : ''}):`,
    ...lines,
    "MSE in each series' own units:",
    ...perSeries,
  ].join('\n');
}
