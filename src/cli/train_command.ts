/**
 * `metarnn train`: meta-trains a learner in the harness page and keeps a run directory up to date (see
 * run_dir.ts). Every input is checked before the browser starts, and the directory is only created once the
 * page has built the learner, so a refused run leaves nothing behind. The page sends progress, eval and
 * checkpoint events through one exposed function to a TrainRecorder (train_recorder.ts), which writes them
 * down and answers progress events with "stop" once the time budget is spent.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { LEARNERS, TASKS } from '../io/meta_config';
import { EVAL_SEED_OFFSET } from '../meta/learner';
import { DEFAULT_LOPT } from '../meta/lopt';
import type { OptimizerComparison } from '../meta/lopt_compare';
import { type Resume, type TrainEvent, type TrainRunResult } from '../protocol/training';
import { InputError } from '../runtime/errors';
import type { TestResult } from '../report/report';
import {
  checkConfig,
  configFromOptions,
  library,
  optionName,
  readConfigFile,
  type RunConfig,
} from './config_options';
import { checkpointOptions, CHECKPOINT_OPTION_HELP, STOP_HELP } from './checkpoint_options';
import { withRunner, type Runner } from './runner';
import { signalExitCode, withStopSignals } from './stop_signals';
import { holdsRun, readRun, RESUMABLE_FIELDS, type RunWriter } from './run_dir';
import { checkTaskData, loadTaskData, resolveSplit } from './task_data';
import { heldOutAlphabets } from '../data/omniglot_split';
import { formatDuration } from './train_progress';
import { describeDefaults, trainSummary } from './train_output';
import { TrainRecorder, type TrainPlan } from './train_recorder';

/** What may change when a run is resumed: nothing that changes the model or the tasks it trains on. */
const RESUMABLE = RESUMABLE_FIELDS;

export interface TrainOptions extends Record<string, unknown> {
  out?: string;
  config?: string;
  resume?: string;
  initFrom?: string;
  minutes?: string;
  testEpisodes?: string;
  printConfig?: boolean;
  json?: boolean;
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
async function planTrain(opts: TrainOptions): Promise<TrainPlan> {
  if (opts.initFrom && opts.resume)
    throw new InputError('--init-from and --resume cannot be combined: --resume continues a run as it was');
  const minutes = checkMinutes(opts.minutes);
  const saving = checkpointOptions(opts);
  // `--task images`: the Omniglot task's learner on your own image classes (data/image_tree.ts).
  if (opts.task === 'images') Object.assign(opts, { task: 'omniglot', layout: 'tree' });
  const given = configFromOptions(opts);
  const lib = await library();
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
    checkConfig(config, lib);
    checkTaskData(config);
    const out = resolve(opts.out ?? opts.resume);
    if (out !== resolve(opts.resume) && holdsRun(out)) throw alreadyRun(opts.out!);
    return { config, out, resumed: saved, minutes, ...saving };
  }
  const fromFile = opts.config ? readConfigFile(opts.config) : {};
  const chosen = { ...lib.defaults, ...fromFile, ...given };
  const config: RunConfig = { ...lib.defaultsFor(chosen.task, chosen.learner), ...fromFile, ...given };
  checkConfig(config, lib);
  checkTaskData(config); // missing or unreadable data, or a bad split, fails before the browser starts
  const out = resolve(opts.out ?? `runs/${config.task}-${config.learner}-${stamp()}`);
  if (holdsRun(out)) throw alreadyRun(opts.out ?? out);
  return { config, out, resumed: null, minutes, init: initFrom(opts.initFrom, config), ...saving };
}

/** The weights `--init-from` names (a run directory or a shipped model), checked against the new run's task. */
function initFrom(dir: string | undefined, config: RunConfig): TrainPlan['init'] {
  if (!dir) return null;
  const saved = readRun(dir);
  if (saved.config.task !== config.task || saved.config.learner !== config.learner) {
    throw new InputError(
      `--init-from ${dir} holds a ${saved.config.task}/${saved.config.learner} model; this run is ` +
        `${config.task}/${config.learner}: start from a model of the same task and learner`,
    );
  }
  const [was, is] = [saved.config.alphabets, config.alphabets].map((a) => heldOutAlphabets(a)?.join(','));
  if (config.task === 'omniglot' && (was !== is || saved.config.data !== config.data)) {
    console.error(
      `note: ${dir} was trained with other data or test alphabets (${saved.config.data}; test ${was ?? 'default'}): ` +
        "alphabets it trained on may be in this run's test split",
    );
  }
  return { from: dir, tensors: saved.resume.tensors };
}

const alreadyRun = (dir: string) =>
  new InputError(
    `--out ${dir} already holds a run: use --resume ${dir} to continue it, or choose another --out`,
  );

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
  const c = plan.config;
  const recorder = new TrainRecorder(plan, Boolean(o.replace || !plan.resumed));
  // Ctrl-C or SIGTERM: stop after the current step with a checkpoint (stop_signals.ts); a second one exits.
  const r = await withStopSignals(recorder, () =>
    withRunner(async (runner) => {
      const result = await trainOn(runner, recorder);
      const last = recorder.lastCheckpoint;
      if (recorder.interrupted) return result; // asked to stop: no comparison or test figure
      if (c.learner === 'lopt' && last) recorder.addComparison(await compareOptimizers(runner, c, last));
      if (o.testEpisodes && last) recorder.addTest(await testFigure(runner, c, last, o.testEpisodes));
      return result;
    }),
  );
  if (recorder.interrupted) {
    console.error(recorder.interruptedLine(r.step));
    process.exitCode = signalExitCode(recorder.interrupted);
  } else {
    console.error(
      `${r.stopped ? 'stopped' : 'finished'} at step ${r.step} after ${formatDuration(recorder.seconds)}; ` +
        `report: ${recorder.writer.path('report')}`,
    );
  }
  return { ...r, writer: recorder.writer, test: recorder.test };
}

/** Meta-trains on the runner's device, which hands every event to `recorder` and waits for its answer. */
async function trainOn(runner: Runner, recorder: TrainRecorder): Promise<TrainRunResult> {
  const c = recorder.plan.config;
  let failure: unknown = null;
  await runner.onTrainEvent(async (e: TrainEvent) => {
    try {
      return recorder.handle(e);
    } catch (err) {
      failure ??= err; // rethrown below as itself: the page would only pass on its message
      throw err;
    }
  });
  try {
    const data = await loadTaskData(runner, c);
    if (data && !recorder.plan.resumed) resolveSplit(c, data);
    return await runner.call('trainRun', {
      config: c,
      resume: recorder.plan.resumed?.resume ?? null,
      init: recorder.plan.init?.tensors ?? null,
      plots: recorder.plotTasks,
      forecasts: recorder.forecastContexts,
    });
  } catch (err) {
    throw failure ?? err;
  } finally {
    recorder.end();
  }
}

/**
 * The learned optimizer's figure of merit: its loss curves against tuned hand-designed optimizers, at the
 * run length it was trained for and at twice that.
 */
async function compareOptimizers(runner: Runner, c: RunConfig, last: Resume): Promise<OptimizerComparison[]> {
  const n = c.innerSteps ?? DEFAULT_LOPT.runSteps;
  console.error(
    `comparing with SGD, RMSprop and Adam (learning rates tuned) on ${c.evalTasks} held-out tasks…`,
  );
  const seed = c.seed + EVAL_SEED_OFFSET.test;
  const started = performance.now();
  await runner.onTrainEvent(async (e) => {
    if (e.type === 'work') console.error(compareProgressLine(e, started));
  });
  const optimizers = await runner.call('compareRun', c, last, c.evalTasks, seed, [n, 2 * n]);
  for (const cmp of optimizers) console.error(formatComparison(cmp));
  return optimizers;
}

/** The final weights on `episodes` test tasks. */
async function testFigure(runner: Runner, c: RunConfig, last: Resume, episodes: number): Promise<TestResult> {
  const t = await runner.call('evalRun', c, last, episodes, c.seed + EVAL_SEED_OFFSET.test);
  return { episodes, metric: t.metric, mean: t.mean, ci95: t.ci95 };
}

/**
 * A comparison's progress on stderr, one line per optimisation run (31 per run length; minutes in all on a
 * software adapter): `compare: run 4/31, 0:12 elapsed: 50 inner steps: tuning sgd at lr 0.001 on 64 training tasks`.
 */
export function compareProgressLine(e: Extract<TrainEvent, { type: 'work' }>, started: number): string {
  const s = Math.round((performance.now() - started) / 1000);
  const clock = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `compare: run ${e.done + 1}/${e.total}, ${clock} elapsed: ${e.what}`;
}

/** One line per optimizer: final mean task loss after `steps` inner steps, and the tuned learning rate. */
export function formatComparison(c: OptimizerComparison): string {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const parts = (['lopt', 'adam', 'rmsprop', 'sgd'] as const).flatMap((k) => {
    const v = c.final[k];
    return v ? [`${k} ${mean(v).toPrecision(3)}${k === 'lopt' ? '' : ` (lr ${c.lr[k]})`}`] : [];
  });
  return `after ${c.steps} inner steps, mean task loss: ${parts.join(', ')}`;
}

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('meta-train a learner; writes checkpoint, config, metrics and an HTML report to --out')
    .option(
      '--task <name>',
      `task family: ${TASKS.join(', ')}, or images (the omniglot learner on your own image classes)`,
    )
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
    .option(
      '--second-order',
      'context: differentiate through the inner updates of c (CAVIA; off: first order)',
    )
    .option(
      '--hvp <how>',
      'maml: Hessian-vector products exact (default, through the GRU) or fd (central differences)',
    )
    .option(
      '--cell-steps <n>',
      'maml, fomaml, reptile: time steps the task model’s GRU reads each x for (default 1)',
    )
    .option(
      '--read-support',
      'maml, fomaml, reptile, metasgd on sinusoid: the task model reads the support pairs, then the point',
    )
    .option('--unroll <n>', 'truncation length, inner steps per meta-step (lopt; divides --inner-steps)')
    .option(
      '--features <set>',
      'lopt: the optimizer’s inputs, v1 (log-gradient and sign) or v2 (+ momenta, RMS, θ, t)',
    )
    .option(
      '--max-run-steps <n>',
      'lopt: draw each run’s length log-uniformly up to n inner steps (0: fixed)',
    )
    .option('--task-hidden <n>', 'lopt: GRU width of the task models it optimises (default 32)')
    .option(
      '--max-update <x>',
      'lopt: bound each coordinate’s step softly, x · tanh(step / x) (default: none)',
    )
    .option('--pretrain-steps <n>', 'omniglot: first n steps pretrain the image encoder as a classifier')
    .option('--encoder-lr <x>', 'omniglot: the encoder’s learning rate after pretraining')
    .option(
      '--pretrain-warmup <n>',
      'omniglot: raise the pretraining learning rate linearly over its first n steps (default 0: none)',
    )
    .option('--encoder <kind>', 'omniglot: image encoder, conv or mlp')
    .option('--channels <list>', 'omniglot: the conv encoder’s channels, e.g. 32,64,64 (default 16,32,32)')
    .option('--embed <n>', 'omniglot: the image embedding’s width (default 16)')
    .option('--shift <px>', 'omniglot: move training images by up to px pixels at random (0: off)')
    .option('--labels <how>', 'omniglot: support labels paired with their image, or delayed one step')
    .option(
      '--memory <kind>',
      "omniglot: none, or attention (each step also reads the GRU's earlier outputs by attention)",
    )
    .option('--eval-every <n>', 'evaluate on held-out tasks and checkpoint every n steps')
    .option('--eval-tasks <n>', 'held-out tasks per evaluation')
    .option('--log-every <n>', 'read the loss back and log every n steps')
    .option(
      '--max-bad-steps <n>',
      'stop once n steps in a row had a NaN/Inf gradient (each is skipped; checked when logging)',
    )
    .option(
      '--data <path>',
      'dataset path; omniglot: a zip or folder, or several comma-separated (a.zip,b.zip), ' +
        'characters found in several counted once; series: a CSV/JSON file of series or a folder of them',
    )
    .option('--alphabets <list>', 'omniglot: comma-separated test alphabets, never trained or chosen on')
    .option(
      '--val-alphabets <list>',
      'omniglot: comma-separated validation alphabets, where evaluations and the best checkpoint are chosen',
    )
    .option('--test-series <list>', 'series: comma-separated test series, never trained or chosen on')
    .option('--val-series <list>', 'series: comma-separated validation series (choices, best checkpoint)')
    .option(
      '--test-tasks <list>',
      'regression: comma-separated test tasks (CSV file stems), never trained or chosen on',
    )
    .option('--val-tasks <list>', 'regression: comma-separated validation tasks (choices, best checkpoint)')
    .option('--x-shift <x>', 'regression: the model reads (x − x-shift) / x-scale')
    .option('--x-scale <x>', 'regression: see --x-shift')
    .option('--y-shift <x>', 'regression: the model predicts (y − y-shift) / y-scale')
    .option('--y-scale <x>', 'regression: see --y-shift')
    .option(
      '--layout <kind>',
      'omniglot: omniglot (the original zips) or tree (your own classes; --task images sets it)',
    )
    .option('--value <column>', 'series: the column holding the values')
    .option('--series-column <column>', "series: the column naming each row's series (long layout)")
    .option('--season <n>', 'series: the seasonal-naive baseline’s period in steps (default 12)')
    .option(
      '--loss-weight <how>',
      'series: how windows count in the loss: series (by context variance: each series’ own units; ' +
        'the default) or window (alike, each in its context’s units)',
    )
    .option('--config <file>', 'JSON file of settings (keys as in config.json); options given here win')
    .option('--out <dir>', 'run directory (default: runs/<task>-<learner>-<time>)')
    .option(
      '--resume <dir>',
      'continue the run in <dir> to --steps (writes there unless --out says otherwise)',
    )
    .option(
      '--minutes <m>',
      'time budget: stop after m minutes, then evaluate and checkpoint (default: no limit)',
    )
    .option(
      '--init-from <dir>',
      'start a new run from the weights of a run or a shipped model (models/NAME; its latest checkpoint): ' +
        'tensors that fit are copied, the rest start fresh; no optimizer state, step 0 (omniglot: ' +
        'encoder pretraining runs again unless --pretrain-steps 0)',
    )
    .option('--checkpoint-minutes <m>', CHECKPOINT_OPTION_HELP.checkpointMinutes)
    .option('--keep <n>', CHECKPOINT_OPTION_HELP.keep)
    .option(
      '--test-episodes <n>',
      'then evaluate the final weights on n test tasks, as eval does (default: 0)',
    )
    .option('--print-config', 'print the resolved settings as JSON (config.json) and exit without training')
    .option('--json', 'print one JSON object when done: final figures, step, run directory and files');
  describeDefaults(cmd);
  cmd.addHelpText('after', STOP_HELP);
  cmd.action(async (opts: TrainOptions) => {
    const t0 = performance.now();
    const testEpisodes = checkEpisodes(opts.testEpisodes);
    const plan = await planTrain(opts);
    if (opts.printConfig) {
      console.log(JSON.stringify(plan.config, null, 2));
      return;
    }
    const r = await runTraining(plan, { testEpisodes });
    if (opts.json) console.log(JSON.stringify(trainSummary(plan.config, r, (performance.now() - t0) / 1000)));
  });
}

function checkEpisodes(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || (n !== 0 && n < 2))
    throw new InputError(`--test-episodes ${JSON.stringify(text)}: expected 0 (none) or an integer >= 2`);
  return n;
}
