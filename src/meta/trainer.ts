/**
 * The meta-training loop shared by the CLI, the page and library users: step (one submit each, no readback),
 * read the loss back only every `logEvery` steps, evaluate and hand a checkpoint to the caller every
 * `evalEvery` steps. Yields to the event loop at each log point so a page stays responsive; a caller that
 * gives `control` is asked after every step, to checkpoint by wall-clock time or stop at once. Stops with a
 * NonFiniteStepsError when `maxBadSteps` optimizer steps in a row were skipped for NaN/Inf gradients;
 * recovery from a lost device is a layer above (recovery.ts).
 */
import type { Gpu } from '../runtime/gpu';
import { InputError, NonFiniteStepsError } from '../runtime/errors';
import { BlackBoxRegressor } from './blackbox';
import { BlackBoxForecaster } from './blackbox_forecast';
import { BlackBoxSeriesForecaster } from './blackbox_series';
import type { LossWeight } from '../data/series_windows';
import { BlackBoxTableRegressor } from './blackbox_tables';
import { ContextLearner, DEFAULT_CONTEXT_OPTIONS } from './context';
import { DEFAULT_INNER_LOOP } from './inner_loop';
import { MamlLearner } from './maml';
import { ReptileLearner } from './reptile';
import { MetaSgdLearner } from './meta_sgd';
import { BlackBoxClassifier } from './blackbox_classifier';
import { DEFAULT_LOPT, LearnedOptimizer } from './lopt';
import {
  EVAL_SEED_OFFSET,
  LEARNERS,
  TASKS,
  type EvalResult,
  type MetaConfig,
  type MetaLearner,
  type TaskData,
} from './learner';

export const DEFAULT_CONFIG: MetaConfig = {
  task: 'sinusoid',
  learner: 'blackbox',
  shots: 10,
  queries: 10,
  ways: 5,
  metaBatch: 32,
  steps: 2000,
  seed: 1,
  layers: 2,
  hidden: 64,
  lr: 0.001,
  clip: 10,
  logEvery: 25,
  evalEvery: 500,
  evalTasks: 200,
  maxBadSteps: 10,
};

/** Learners implemented for each task family; anything else is refused with the list of valid ones. */
const BUILDERS: Partial<Record<string, (gpu: Gpu, c: MetaConfig, data: TaskData) => Promise<MetaLearner>>> = {
  'sinusoid/blackbox': BlackBoxRegressor.create,
  'forecast/blackbox': BlackBoxForecaster.create,
  'series/blackbox': BlackBoxSeriesForecaster.create,
  'regression/blackbox': BlackBoxTableRegressor.create,
  'sinusoid/context': (gpu, c) => ContextLearner.create(gpu, c, innerOptions(c)),
  'sinusoid/maml': (gpu, c) => MamlLearner.create(gpu, c, 2, innerOptions(c)),
  'sinusoid/fomaml': (gpu, c) => MamlLearner.create(gpu, c, 1, innerOptions(c)),
  'sinusoid/reptile': (gpu, c) => ReptileLearner.create(gpu, c, innerOptions(c)),
  'sinusoid/metasgd': (gpu, c) => MetaSgdLearner.create(gpu, c, innerOptions(c)),
  'forecast/maml': (gpu, c) => MamlLearner.create(gpu, c, 2, innerOptions(c)),
  'forecast/fomaml': (gpu, c) => MamlLearner.create(gpu, c, 1, innerOptions(c)),
  'forecast/reptile': (gpu, c) => ReptileLearner.create(gpu, c, innerOptions(c)),
  'forecast/metasgd': (gpu, c) => MetaSgdLearner.create(gpu, c, innerOptions(c)),
  'omniglot/blackbox': BlackBoxClassifier.create,
  'sinusoid/lopt': (gpu, c) => {
    const runSteps = c.innerSteps ?? DEFAULT_LOPT.runSteps;
    return LearnedOptimizer.create(gpu, c, {
      runSteps,
      unroll: c.unroll ?? Math.min(runSteps, DEFAULT_LOPT.unroll),
    });
  },
};

/** The inner-loop settings a config gives (the rest stay at each learner's defaults). */
function innerOptions(c: MetaConfig) {
  const o: {
    innerSteps?: number;
    innerLr?: number;
    contextSize?: number;
    hvp?: 'exact' | 'fd';
    cellSteps?: number;
    readSupport?: boolean;
    secondOrder?: boolean;
  } = {};
  if (c.innerSteps !== undefined) o.innerSteps = c.innerSteps;
  if (c.innerLr !== undefined) o.innerLr = c.innerLr;
  if (c.contextSize !== undefined) o.contextSize = c.contextSize;
  if (c.hvp !== undefined) o.hvp = c.hvp;
  if (c.cellSteps !== undefined) o.cellSteps = c.cellSteps;
  if (c.readSupport !== undefined) o.readSupport = c.readSupport;
  if (c.secondOrder !== undefined) o.secondOrder = c.secondOrder;
  return o;
}

export function supportedPairs(): string[] {
  return Object.keys(BUILDERS);
}

const innerDefaults = { innerSteps: DEFAULT_INNER_LOOP.innerSteps, innerLr: DEFAULT_INNER_LOOP.innerLr };
const forecastInner = {
  ...{ layers: 1, hidden: 32, metaBatch: 25, lr: 0.01, shots: 24, queries: 8, cellSteps: 8 },
  ...innerDefaults,
};

/**
 * Settings that differ from DEFAULT_CONFIG per task/learner, as measured by each learner's author (see
 * BENCHMARKS.md): a config file or command-line options still override them.
 */
export const PAIR_DEFAULTS: Partial<
  Record<
    string,
    Partial<MetaConfig> & {
      encoder?: 'conv' | 'mlp';
      shift?: number;
      labels?: 'paired' | 'delayed';
      memory?: 'none' | 'attention';
      lossWeight?: LossWeight;
    }
  >
> = {
  'sinusoid/blackbox': { lr: 0.003 },
  // Your own regression tasks: 10 support and 10 query points per episode, as the sinusoid protocol.
  'regression/blackbox': { layers: 1, hidden: 32, lr: 0.003, steps: 2000, evalEvery: 200, evalTasks: 200 },
  'forecast/blackbox': { layers: 1, hidden: 32, shots: 16, queries: 4, lr: 0.003 },
  // Real series: two years of monthly context, half a year ahead; evaluation scores every window of the
  // held-out series' last third (all of them, whatever evalTasks says). Chosen on the validation series of
  // vega-datasets' unemployment data (BENCHMARKS.md, "Forecasting real series"): a few training series
  // are learnt by heart within ~1,000 steps, so runs are short and the best checkpoint is chosen often.
  // Windows weigh by their context's variance (lossWeight 'series'): better than each alike on validation
  // in standardised MSE and in each series' own units, with every seed (a config.json without the key, from
  // before, still means 'window').
  'series/blackbox': {
    layers: 1,
    hidden: 32,
    shots: 24,
    queries: 6,
    metaBatch: 32,
    lr: 0.003,
    steps: 1000,
    evalEvery: 100,
    lrDecay: 'cosine',
    lossWeight: 'series',
  },
  // The inner loops' own defaults are spelled out here too, so that config.json and --print-config show them.
  'sinusoid/context': {
    layers: 1,
    hidden: 32,
    shots: 5,
    metaBatch: 16,
    lr: 0.003,
    contextSize: DEFAULT_CONTEXT_OPTIONS.contextSize,
    innerSteps: DEFAULT_CONTEXT_OPTIONS.innerSteps,
    innerLr: DEFAULT_CONTEXT_OPTIONS.innerLr,
  },
  'sinusoid/maml': { layers: 1, hidden: 32, metaBatch: 25, lr: 0.05, ...innerDefaults, hvp: 'exact' },
  'sinusoid/fomaml': { layers: 1, hidden: 32, metaBatch: 25, lr: 0.05, ...innerDefaults },
  'sinusoid/reptile': { layers: 1, hidden: 32, metaBatch: 25, lr: 0.05, ...innerDefaults },
  // The gradient-based learners on forecast tasks: 24 observed values, 8 to forecast one step ahead; the task
  // model reads windows of 8 (16 support windows per task), so its recurrence is differentiated.
  'forecast/maml': { ...forecastInner, hvp: 'exact' },
  'forecast/fomaml': forecastInner,
  'forecast/reptile': forecastInner,
  'forecast/metasgd': { ...forecastInner, innerSteps: 1 },
  // Meta-SGD learns α per parameter: one inner step, as the paper; α starts at innerLr.
  'sinusoid/metasgd': { layers: 1, hidden: 32, metaBatch: 25, lr: 0.05, innerSteps: 1, innerLr: 0.05 },
  // The learned optimizer: a 2 × 20 GRU as Andrychowicz et al.; metaBatch task models per run; shots points
  // per task; one meta-step is one 20-step truncation, so 5 meta-steps per 100-step run.
  'sinusoid/lopt': {
    innerSteps: DEFAULT_LOPT.runSteps,
    unroll: DEFAULT_LOPT.unroll,
    layers: 2,
    hidden: 20,
    metaBatch: 8,
    shots: 20,
    lr: 0.003,
    clip: 1,
    evalTasks: 32,
    evalEvery: 100,
    logEvery: 5,
    // Momenta, RMS, θ and step count beside the gradient: in equal 12-minute runs (BENCHMARKS.md, "Learned
    // optimizer, features v2") it ended 8× lower than the log-gradient-and-sign inputs of v1 at 50 steps.
    features: 'v2',
  },
  // 5-way 1-shot, one query per class. lr stays at 0.005: much higher rates overflow the GRU's gate inputs.
  // 15,000 steps, of which the first 4,000 pretrain the encoder (blackbox_classifier.ts) and the other 11,000
  // meta-train: pretraining is part of `steps`, so DEFAULT_CONFIG's 2,000 would never reach meta-training
  // (checkRunConfig refuses that). Shifted training images, paired support labels, meta-batch 32 and a
  // cosine-decayed learning rate are each the better of the choices measured in BENCHMARKS.md, "Omniglot".
  'omniglot/blackbox': {
    steps: 15000,
    shots: 1,
    queries: 1,
    layers: 1,
    hidden: 128,
    metaBatch: 32,
    lr: 0.005,
    evalTasks: 100,
    pretrainSteps: 4000,
    encoderLr: 0.0005,
    encoder: 'conv',
    shift: 2,
    labels: 'paired',
    memory: 'none',
    lrDecay: 'cosine',
  },
};

/** DEFAULT_CONFIG with the task/learner pair's own defaults applied. */
export function defaultsFor(task: string, learner: string): MetaConfig {
  return { ...DEFAULT_CONFIG, task, learner, ...PAIR_DEFAULTS[`${task}/${learner}`] } as MetaConfig;
}

/** `data` carries what a task family cannot describe in its config: Omniglot's images (TaskData). */
export async function createLearner(gpu: Gpu, config: MetaConfig, data: TaskData = {}): Promise<MetaLearner> {
  if (!TASKS.includes(config.task))
    throw new InputError(`unknown task '${config.task}': valid tasks are ${TASKS.join(', ')}`);
  if (!LEARNERS.includes(config.learner)) {
    throw new InputError(`unknown learner '${config.learner}': valid learners are ${LEARNERS.join(', ')}`);
  }
  const build = BUILDERS[`${config.task}/${config.learner}`];
  if (!build) {
    throw new InputError(
      `learner '${config.learner}' is not available for task '${config.task}': available are ${supportedPairs().join(', ')}`,
    );
  }
  return build(gpu, config, data);
}

/**
 * createLearner, then the checkpoint `resume` loaded into it (when given). A checkpoint that does not fit the
 * model is an InputError naming the task/learner pair; the half-built learner is destroyed.
 */
export async function loadLearner(
  gpu: Gpu,
  config: MetaConfig,
  data: TaskData = {},
  resume?: { tensors: Record<string, Float32Array>; step: number } | null,
): Promise<MetaLearner> {
  const learner = await createLearner(gpu, config, data);
  if (!resume) return learner;
  try {
    learner.load(resume.tensors, resume.step);
  } catch (e) {
    learner.destroy();
    throw new InputError(
      `checkpoint does not fit this ${config.task}/${config.learner} model: ${(e as Error).message}`,
    );
  }
  return learner;
}

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  stepsPerSecond: number;
  etaSeconds: number;
  /** Optimizer steps skipped so far because their gradient was NaN/Inf (weights left as they were). */
  skipped: number;
  /** What the last step did when it was not meta-training, e.g. 'pretraining the encoder' (its loss is that). */
  phase?: string;
  /** The learning rate of the last step (see lrDecay): the meta one, or the encoder's on an Omniglot pretraining step. */
  lr: number;
}

/** What `control` may order at a step boundary: a checkpoint (without evaluating) and go on, or an end now. */
export type StepOrder = 'checkpoint' | 'stop' | undefined;

export interface TrainCallbacks {
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  onEval?: (step: number, result: EvalResult) => void | Promise<void>;
  /** Called at each eval point and at the end, with the learner to read state from. */
  onCheckpoint?: (step: number, learner: MetaLearner) => void | Promise<void>;
  /** Checked at each log point: return true to stop (pause/stop buttons). */
  shouldStop?: () => boolean;
  /**
   * Asked after every step (after onProgress at log points): 'checkpoint' hands a checkpoint to onCheckpoint
   * at this step without evaluating (an eval point checkpoints anyway); 'stop' ends train() at once, with no
   * evaluation or checkpoint. With it, train() keeps little work queued on the GPU (QUEUE_SECONDS), so that
   * the step it stops at is the one the GPU is running, not one a whole log interval later (Ctrl-C).
   */
  control?: (step: number) => StepOrder | Promise<StepOrder>;
}

/**
 * With `control`: how much GPU time of steps, at most, is submitted ahead of the GPU (by the rate measured
 * at log points; at least 2 steps, so the GPU never waits for the next submit). Without it, every step up to
 * the next log point is queued at once; a fast GPU, whose log interval is shorter than this, stays so.
 */
const QUEUE_SECONDS = 0.25;

/**
 * Refuses a learner that has nothing to choose on: a classifier whose split left no validation classes
 * (every evaluation while training, and the best checkpoint, are on validation).
 */
export function checkCanTrain(learner: MetaLearner): void {
  (learner as Partial<{ checkSplit(split: 'validation'): void }>).checkSplit?.('validation');
}

export async function train(learner: MetaLearner, steps: number, cb: TrainCallbacks = {}): Promise<void> {
  checkCanTrain(learner);
  const c = learner.config;
  const maxBad = c.maxBadSteps ?? DEFAULT_CONFIG.maxBadSteps!;
  let checked = { step: -1, skipped: 0 };
  // One 40-byte readback at log and eval points: stops a run stuck on NaN/Inf gradients before an eval
  // point could checkpoint it (skipped steps leave the weights as they were, so earlier checkpoints are good).
  const checkBadSteps = async (step: number): Promise<number> => {
    if (checked.step === step) return checked.skipped;
    const { skipped, inARow } = await learner.badSteps();
    checked = { step, skipped };
    if (inARow >= maxBad) throw new NonFiniteStepsError(step, inARow, maxBad, skipped);
    return skipped;
  };
  let t0 = performance.now();
  let s0 = learner.stepCount;
  let rate = 0; // steps/s at the last log point; 0 before the first
  let queued: Promise<unknown>[] = []; // with `control`: steps submitted and not known to be done
  const isEvalPoint = (step: number) => step % c.evalEvery === 0 || step === steps;
  while (learner.stepCount < steps) {
    const phase = learner.phase;
    learner.step();
    const step = learner.stepCount;
    const logPoint = step % c.logEvery === 0 || step === steps;
    if (cb.control && !logPoint) {
      const depth = Math.max(2, Math.ceil(rate * QUEUE_SECONDS));
      if (depth < c.logEvery) {
        // No readback: resolves once the GPU has finished this step (or the device is gone).
        queued.push(Promise.race([learner.gpu.sync(), learner.gpu.lost]).catch(() => {}));
        while (queued.length > depth) await queued.shift();
      }
    }
    if (logPoint) {
      const loss = await learner.lastLoss(); // paces the queue
      queued = [];
      const skipped = await checkBadSteps(step);
      const lr = learner.lr;
      const now = performance.now();
      rate = ((step - s0) * 1000) / Math.max(1, now - t0);
      await cb.onProgress?.({
        step,
        steps,
        loss,
        stepsPerSecond: rate,
        etaSeconds: (steps - step) / Math.max(rate, 1e-9),
        skipped,
        ...(phase === undefined ? {} : { phase }),
        lr,
      });
      learner.gpu.throwIfErrors();
      if (cb.shouldStop?.()) break;
      if (now - t0 > 5000) {
        t0 = now;
        s0 = step;
      }
    }
    const order = await cb.control?.(step);
    if (order === 'stop') break;
    if (order === 'checkpoint' && !isEvalPoint(step)) {
      await checkBadSteps(step); // a run stuck on NaN/Inf stops here rather than saving its stuck state
      await cb.onCheckpoint?.(step, learner);
    }
    if (isEvalPoint(step)) {
      await checkBadSteps(step);
      const seed = c.seed + EVAL_SEED_OFFSET.validation;
      if (cb.onEval) await cb.onEval(step, await learner.evaluate(c.evalTasks, seed, 'validation'));
      await cb.onCheckpoint?.(step, learner);
    }
  }
}
