/**
 * `metarnn train`: meta-trains a learner in the harness page and keeps a run directory up to date (see
 * run_dir.ts). Every input is checked before the browser starts, and the directory is only created once the
 * page has built the learner, so a refused run leaves nothing behind. The page sends progress, eval and
 * checkpoint events through one exposed function; Node answers progress events with "stop" once the time
 * budget is spent.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { PlotTask, TrainEvent } from '../../app/harness_train';
import { LEARNERS, TASKS } from '../meta/learner';
import { sinusoidTaskRef } from '../reference/sinusoid';
import { forecastTaskRef } from '../reference/forecast';
import { renderReport, type ForecastPanel, type SinusoidPanel, type TestResult } from '../report/report';
import { DEFAULT_LOPT, type OptimizerComparison } from '../meta/lopt';
import { InputError } from '../runtime/errors';
import { callHarness, withSession } from './page';
import { checkTaskData, loadTaskData } from './task_data';
import {
  checkPair,
  configFromOptions,
  library,
  optionName,
  readConfigFile,
  type RunConfig,
} from './run_config';
import { holdsRun, readRun, RESUMABLE_FIELDS, RunWriter, type SavedRun } from './run_dir';
import { formatDuration, TrainProgressBar } from './train_progress';

/** Held-out tasks for evaluation are drawn with the run's seed plus these (train.ts uses +1000 itself). */
export const VALIDATION_SEED_OFFSET = 1000;
export const TEST_SEED_OFFSET = 2000;

/** What may change when a run is resumed: nothing that changes the model or the tasks it trains on. */
const RESUMABLE = RESUMABLE_FIELDS;

export interface TrainPlan {
  config: RunConfig;
  out: string;
  resumed: SavedRun | null;
  /** Stop training (then evaluate and checkpoint) after this many minutes. */
  minutes: number | null;
}

export interface TrainOptions extends Record<string, unknown> {
  out?: string;
  config?: string;
  resume?: string;
  minutes?: string;
}

function checkMinutes(text: string | undefined): number | null {
  if (text === undefined) return null;
  const m = Number(text);
  if (!(m > 0) || !Number.isFinite(m))
    throw new InputError(`--minutes ${JSON.stringify(text)}: expected a number > 0`);
  return m;
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** Checks everything a train run needs and decides its directory; creates nothing. */
export async function planTrain(opts: TrainOptions): Promise<TrainPlan> {
  const minutes = checkMinutes(opts.minutes);
  const given = configFromOptions(opts);
  const { defaults, pairs, defaultsFor } = await library();
  if (opts.resume) {
    if (opts.config)
      throw new InputError('--config and --resume cannot be combined: a resumed run keeps its config');
    const saved = readRun(opts.resume);
    for (const [key, v] of Object.entries(given)) {
      const k = key as keyof RunConfig;
      if (!RESUMABLE.includes(k) && saved.config[k] !== v) {
        throw new InputError(
          `${optionName(k)} ${v} conflicts with the run in ${opts.resume} (${k} ${JSON.stringify(saved.config[k])}); ` +
            `a resumed run may change only ${RESUMABLE.map(optionName).join(', ')}`,
        );
      }
    }
    const config = { ...saved.config, ...given };
    if (config.steps <= saved.resume.step) {
      throw new InputError(
        `the run in ${opts.resume} is already at step ${saved.resume.step}: pass --steps greater than that to continue`,
      );
    }
    checkPair(config, pairs);
    const out = resolve(opts.out ?? opts.resume);
    if (out !== resolve(opts.resume) && holdsRun(out)) throw alreadyRun(opts.out!);
    return { config, out, resumed: saved, minutes };
  }
  const fromFile = opts.config ? readConfigFile(opts.config) : {};
  const chosen = { ...defaults, ...fromFile, ...given };
  const config: RunConfig = { ...defaultsFor(chosen.task, chosen.learner), ...fromFile, ...given };
  checkPair(config, pairs);
  checkTaskData(config); // a missing or unreadable dataset fails before the browser starts
  const out = resolve(opts.out ?? `runs/${config.task}-${config.learner}-${stamp()}`);
  if (holdsRun(out)) throw alreadyRun(opts.out ?? out);
  return { config, out, resumed: null, minutes };
}

const alreadyRun = (dir: string) =>
  new InputError(
    `--out ${dir} already holds a run: use --resume ${dir} to continue it, or choose another --out`,
  );

/** Sinusoid tasks from the validation stream (never trained on), drawn on the CPU for the report's plots. */
function sinusoidPlots(c: RunConfig): { tasks: PlotTask[]; truth: { amp: number; phase: number }[] } | null {
  if (c.task !== 'sinusoid') return null;
  const grid = Array.from({ length: 100 }, (_, i) => -5 + (10 * i) / 99);
  const draws = [0, 1, 2, 3].map((i) => sinusoidTaskRef(c.seed + VALIDATION_SEED_OFFSET, 1, 0, i, c.shots));
  return {
    tasks: draws.map((t) => ({ support: t.xs.map((x, j) => ({ x, y: t.ys[j] })), grid })),
    truth: draws.map((t) => ({ amp: t.amp, phase: t.phase })),
  };
}

/**
 * Forecasting tasks from the validation stream (as evaluate() draws them: stream 1, step 0), drawn on the
 * CPU twin of the sampler for the report's plots: the context the learner reads and the true continuation.
 */
function forecastPlots(c: RunConfig): Omit<ForecastPanel, 'forecast'>[] | null {
  if (c.task !== 'forecast') return null;
  return [0, 1, 2, 3].map((i) => {
    const t = forecastTaskRef(c.seed + VALIDATION_SEED_OFFSET, 1, 0, i, c.shots + c.queries);
    return {
      kind: t.kind === 0 ? 'damped oscillator' : 'AR(2)',
      context: t.xs.slice(0, c.shots),
      truth: t.xs.slice(c.shots),
    };
  });
}

export interface TrainResult {
  step: number;
  stopped: boolean;
  writer: RunWriter;
  test: TestResult | null;
}

/**
 * Runs a plan in a browser session; with `testEpisodes`, also evaluates the final weights on that many test
 * tasks in the same session and adds the figure to the report.
 */
export async function runTraining(
  plan: TrainPlan,
  o: { testEpisodes?: number; replace?: boolean } = {},
): Promise<TrainResult> {
  const t0 = performance.now();
  const deadline = plan.minutes === null ? Infinity : t0 + plan.minutes * 60_000;
  const c = plan.config;
  const writer = new RunWriter(plan.out, c, plan.resumed?.metrics);
  const bar = new TrainProgressBar();
  const plots = sinusoidPlots(c);
  let panels: SinusoidPanel[] | null = null;
  const series = forecastPlots(c);
  let forecastPanels: ForecastPanel[] | null = null;
  let test: TestResult | null = null;
  let optimizers: OptimizerComparison[] | null = null;
  let status = '';
  let failure: unknown = null;
  let stopping = false;
  let last: { step: number; tensors: Extract<TrainEvent, { type: 'checkpoint' }>['tensors'] } | null = null;

  const title = `${c.task} / ${c.learner}, ${c.shots}-shot${c.task === 'omniglot' ? ` ${c.ways}-way` : ''}`;
  const report = () =>
    writer.writeReport(
      renderReport({
        title,
        status,
        config: { ...c },
        metrics: writer.metrics,
        sinusoid: panels,
        forecast: forecastPanels,
        optimizers,
        test,
        generated: new Date(),
      }),
    );

  const handle = async (e: TrainEvent): Promise<unknown> => {
    switch (e.type) {
      case 'ready':
        writer.begin(o.replace || !plan.resumed);
        bar.note(
          `${plan.resumed ? `resuming at step ${e.step}` : 'training'}: ${title}, ${c.layers}x${c.hidden}, meta-batch ` +
            `${c.metaBatch}, ${e.dispatchesPerStep} dispatches per step → ${plan.out}`,
        );
        bar.start(e.step, c.steps);
        return;
      case 'progress': {
        const p = e.progress;
        const now = performance.now();
        writer.addMetric({
          step: p.step,
          loss: p.loss,
          stepsPerSecond: p.stepsPerSecond,
          seconds: (now - t0) / 1000,
          ...(p.lr === undefined ? {} : { lr: p.lr }),
        });
        bar.update({ ...p, etaSeconds: Math.min(p.etaSeconds, (deadline - now) / 1000) });
        stopping = now >= deadline;
        return stopping;
      }
      case 'eval': {
        const r = e.result;
        writer.addMetric({ step: e.step, metric: r.metric, mean: r.mean, ci95: r.ci95, tasks: e.tasks });
        bar.note(
          `held-out ${r.metric} ${r.mean.toPrecision(4)} ± ${r.ci95.toPrecision(2)} (${e.tasks} tasks)`,
        );
        return;
      }
      case 'recovered':
        // Progress and evals after the restored checkpoint will come again: drop the first copies.
        writer.rewind(e.step);
        bar.note(
          `device lost at step ${e.lostAt} (${e.reason}): recovered from the checkpoint at step ${e.step}`,
        );
        return;
      case 'checkpoint':
        writer.writeCheckpoint(e.step, e.tensors);
        last = { step: e.step, tensors: e.tensors };
        if (plots && e.plots) {
          panels = e.plots.map((p, i) => ({ ...plots.truth[i], ...plots.tasks[i], ...p }));
        }
        if (series && e.forecasts) {
          forecastPanels = e.forecasts.map((forecast, i) => ({ ...series[i], forecast }));
        }
        status =
          e.step >= c.steps
            ? `finished: ${e.step} steps`
            : stopping
              ? `stopped at step ${e.step} of ${c.steps}: the ${plan.minutes}-minute time budget was reached`
              : `running: checkpoint at step ${e.step} of ${c.steps}`;
        report();
        return;
    }
  };

  const r = await withSession(async (s) => {
    await s.page.exposeFunction('metarnnTrainEvent', async (e: TrainEvent) => {
      try {
        return await handle(e);
      } catch (err) {
        failure ??= err; // rethrown below as itself: the page would only pass on its message
        throw err;
      }
    });
    let result: { step: number; stopped: boolean };
    try {
      const resume = plan.resumed?.resume ?? null;
      await loadTaskData(s.page, c);
      result = await callHarness(s.page, 'trainRun', {
        config: c,
        resume,
        plots: plots?.tasks ?? [],
        forecasts: series?.map((s) => s.context) ?? [],
        loseDeviceAt: loseDeviceAt(),
      });
    } catch (err) {
      throw failure ?? err;
    } finally {
      bar.stop();
    }
    if (c.learner === 'lopt' && last) {
      // The learned optimizer's figure of merit: its loss curves against tuned hand-designed optimizers, at
      // the run length it was trained for and at twice that.
      const n = c.innerSteps ?? DEFAULT_LOPT.runSteps;
      console.error(
        `comparing with SGD, RMSprop and Adam (learning rates tuned) on ${c.evalTasks} held-out tasks…`,
      );
      optimizers = await callHarness(
        s.page,
        'compareRun',
        c,
        { tensors: tensorRecord(last.tensors), step: last.step },
        c.evalTasks,
        c.seed + TEST_SEED_OFFSET,
        [n, 2 * n],
      );
      for (const cmp of optimizers) console.error(formatComparison(cmp));
      report();
    }
    if (o.testEpisodes && last) {
      const episodes = o.testEpisodes;
      const seed = c.seed + TEST_SEED_OFFSET;
      const t = await callHarness(
        s.page,
        'evalRun',
        c,
        { tensors: tensorRecord(last.tensors), step: last.step },
        episodes,
        seed,
      );
      test = { episodes, metric: t.metric, mean: t.mean, ci95: t.ci95 };
      report();
    }
    return result;
  });
  const took = formatDuration((performance.now() - t0) / 1000);
  console.error(
    `${r.stopped ? 'stopped' : 'finished'} at step ${r.step} after ${took}; report: ${writer.path('report')}`,
  );
  return { ...r, writer, test };
}

/** One line per optimizer: final mean task loss after `steps` inner steps, and the tuned learning rate. */
export function formatComparison(c: OptimizerComparison): string {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const parts = (['lopt', 'adam', 'rmsprop', 'sgd'] as const).map(
    (k) => `${k} ${mean(c.final[k]).toPrecision(3)}${k === 'lopt' ? '' : ` (lr ${c.lr[k]})`}`,
  );
  return `after ${c.steps} inner steps, mean task loss: ${parts.join(', ')}`;
}

/** Test hook: METARNN_TEST_LOSE_DEVICE_AT=N destroys the page's device at step N (see test/train-cli.test.ts). */
function loseDeviceAt(): number | null {
  const v = process.env.METARNN_TEST_LOSE_DEVICE_AT;
  return v ? Number(v) : null;
}

const tensorRecord = (tensors: { name: string; data: Float32Array }[]) =>
  Object.fromEntries(tensors.map((t) => [t.name, t.data]));

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('meta-train a learner; writes checkpoint, config, metrics and an HTML report to --out')
    .option('--task <name>', `task family: ${TASKS.join(', ')}`)
    .option('--learner <name>', `meta-learner: ${LEARNERS.join(', ')}`)
    .option('--ways <n>', 'classes per task (classification)')
    .option('--shots <k>', 'support examples per class (regression: per task)')
    .option('--queries <n>', 'query examples per task')
    .option('--steps <n>', 'meta-training steps (with --resume: the step to continue to)')
    .option('--meta-batch <n>', 'tasks per meta-training step')
    .option('--seed <n>', 'seed for weights and tasks: the tasks at step s depend on (seed, s) only')
    .option('--layers <n>', 'GRU layers')
    .option('--hidden <n>', 'GRU hidden size')
    .option('--lr <x>', 'meta learning rate (Adam)')
    .option('--clip <x>', 'gradient-norm clip')
    .option(
      '--lr-decay <how>',
      'meta learning-rate schedule: none, or cosine to 0 over the meta-training steps',
    )
    .option('--inner-steps <n>', 'inner-loop steps (maml, fomaml, reptile, context; lopt: steps per run)')
    .option('--inner-lr <x>', 'inner-loop step size α (maml, fomaml, reptile, context)')
    .option('--context-size <n>', 'context vector length (context)')
    .option('--unroll <n>', 'truncation length, inner steps per meta-step (lopt; divides --inner-steps)')
    .option('--pretrain-steps <n>', 'omniglot: first n steps pretrain the image encoder as a classifier')
    .option('--encoder-lr <x>', 'omniglot: the encoder’s learning rate after pretraining')
    .option('--encoder <kind>', 'omniglot: image encoder, conv or mlp')
    .option('--shift <px>', 'omniglot: move training images by up to px pixels at random (0: off)')
    .option('--labels <how>', 'omniglot: support labels paired with their image, or delayed one step')
    .option('--eval-every <n>', 'evaluate on held-out tasks and checkpoint every n steps')
    .option('--eval-tasks <n>', 'held-out tasks per evaluation')
    .option('--log-every <n>', 'read the loss back and log every n steps')
    .option(
      '--max-bad-steps <n>',
      'stop once n steps in a row had a NaN/Inf gradient (each is skipped; checked when logging)',
    )
    .option('--data <path>', 'dataset path (omniglot, forecast)')
    .option(
      '--alphabets <list>',
      'omniglot: comma-separated alphabets held out for evaluation (never trained on)',
    )
    .option('--config <file>', 'JSON file of settings (keys as in config.json); options given here win')
    .option('--out <dir>', 'run directory (default runs/<task>-<learner>-<time>)')
    .option(
      '--resume <dir>',
      'continue the run in <dir> to --steps (writes there unless --out says otherwise)',
    )
    .option('--minutes <m>', 'time budget: stop after m minutes, then evaluate and checkpoint');
  cmd.action(async (opts: TrainOptions) => {
    await runTraining(await planTrain(opts));
  });
}
