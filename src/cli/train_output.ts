/**
 * What `metarnn train` says besides its progress: the defaults in `--help` (they depend on the task/learner
 * pair, so the help points at `--print-config`, which prints them resolved), and the one JSON object of
 * `--json` (the final figures, where the run's files are, how long it took).
 */
import type { Command } from 'commander';
import { FIELDS, type RunConfig } from '../io/run_config';
import type { EvalLine, TestResult } from '../report/report';
import type { RunWriter } from './run_dir';

/** Config keys with no default value: the data path, and which alphabets (the split decides by itself). */
const NO_DEFAULT: Partial<Record<keyof RunConfig, string>> = {
  data: '(required for omniglot, images, series and regression)',
  testSeries: '(default: a fixed quarter of the series by name)',
  testTasks: '(default: a fixed quarter of the tasks by name)',
  xShift: "(default: the training tasks' mean x)",
  xScale: "(default: the training tasks' spread of x)",
  yShift: "(default: the training tasks' mean y)",
  yScale: "(default: the training tasks' spread of y)",
  layout: '(default: omniglot; tree with --task images)',
  valTasks: '(default: a fixed fifth of the others)',
  valSeries: '(default: a fixed fifth of the others)',
  value: '(default: the column named value, or the only numeric one)',
  seriesColumn: '(default: series, symbol, name or id when present)',
  alphabets: "(default: the last fifth of the data's alphabets, in sorted order)",
  valAlphabets: '(default: as many as the test ones, just before them in sorted order)',
  task: '(default: sinusoid)',
  learner: '(default: blackbox)',
  secondOrder: '(default: off)',
  readSupport: '(default: off)',
};

/**
 * Appends its default to the help of every option of `cmd` that sets a config key: pair-dependent ones
 * point at --print-config, which shows the values a given --task/--learner resolves to.
 */
export function describeDefaults(cmd: Command): void {
  for (const o of cmd.options) {
    const key = o.attributeName() as keyof RunConfig;
    if (!(key in FIELDS)) continue;
    o.description += ` ${NO_DEFAULT[key] ?? '(default: per task/learner)'}`;
  }
  cmd.addHelpText(
    'after',
    [
      '',
      'Defaults depend on the task and learner: `metarnn train --task T --learner L --print-config` prints',
      'every setting of that run as JSON (the config.json it would write) and exits without training.',
    ].join('\n'),
  );
}

/** `train --json`: one object on stdout once the run is over (progress and logs stay on stderr). */
export interface TrainSummary {
  task: RunConfig['task'];
  learner: RunConfig['learner'];
  ways: number;
  shots: number;
  /** The step reached, the steps asked for, and whether the run stopped early (--minutes). */
  step: number;
  steps: number;
  stopped: boolean;
  /** The last held-out evaluation while training (validation tasks: seed + the validation offset). */
  validation: {
    step: number;
    metric: EvalLine['metric'];
    mean: number;
    ci95: number;
    episodes: number;
  } | null;
  /** The final weights on test tasks (as `metarnn eval` draws them), with --test-episodes; else null. */
  test: TestResult | null;
  dir: string;
  files: { checkpoint: string; config: string; metrics: string; report: string };
  seconds: number;
}

export function trainSummary(
  c: RunConfig,
  r: { step: number; stopped: boolean; writer: RunWriter; test: TestResult | null },
  seconds: number,
): TrainSummary {
  const evals = r.writer.metrics.filter((l): l is EvalLine => 'metric' in l);
  const last = evals.at(-1);
  return {
    task: c.task,
    learner: c.learner,
    ways: c.ways,
    shots: c.shots,
    step: r.step,
    steps: c.steps,
    stopped: r.stopped,
    validation: last
      ? { step: last.step, metric: last.metric, mean: last.mean, ci95: last.ci95, episodes: last.tasks }
      : null,
    test: r.test,
    dir: r.writer.dir,
    files: {
      checkpoint: r.writer.path('checkpoint'),
      config: r.writer.path('config'),
      metrics: r.writer.path('metrics'),
      report: r.writer.path('report'),
    },
    seconds: Math.round(seconds * 10) / 10,
  };
}
