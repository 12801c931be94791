/**
 * What every meta-learner offers the trainer, the CLI and the page. A learner owns its GPU buffers and its
 * recorded programs; the trainer only decides when to step, log, evaluate and checkpoint.
 */
import type { OmniglotDataset } from '../data/omniglot';
import type { EvalSplit } from '../data/omniglot_split';
import type { ParamEntry } from '../layout/gru_layout';
import type { Gpu } from '../runtime/gpu';

// The run's settings live with the files that carry them (io/meta_config.ts); learners read them.
export { LEARNERS, TASKS, type LearnerName, type MetaConfig, type TaskName } from '../io/meta_config';
import type { MetaConfig } from '../io/meta_config';
import { InputError } from '../runtime/errors';
import type { NamedSeries } from '../data/series_windows';
import type { RegressionTask } from '../data/regression_tasks';

/**
 * Held-out tasks are drawn with the run's seed plus these offsets: `validation` at every evaluation during
 * training (what checkpoints are chosen on), `test` for the figures reported at the end, so the two never share
 * tasks and training (seed + 0, stream 0) shares neither.
 */
export const EVAL_SEED_OFFSET = { validation: 1000, test: 2000 } as const;

/** Data a task family needs beyond its config, handed to createLearner (loaded by the CLI or the page). */
export interface TaskData {
  omniglot?: OmniglotDataset;
  /** Real series (task 'series'), split by name into train / validation / test by the learner. */
  series?: NamedSeries[];
  /** Regression tasks of your own (task 'regression'), one per CSV file, split by name as series are. */
  regression?: RegressionTask[];
}

/** A forecaster's figures per series and in all, beside the baselines scored on the same windows. */
export interface ForecastScores {
  /** The series scored and how many windows (forecast origins) in all. */
  series: string[];
  windows: number;
  /**
   * Forecast steps per window. Windows start at every origin, so neighbours share up to horizon − 1 target
   * values: every interval here is Diebold–Mariano's with lags up to horizon − 1 (data/forecast_intervals.ts).
   */
  horizon: number;
  /** Whether the pooled intervals pair windows across series (series of one length: taken as the same dates). */
  acrossSeries: boolean;
  /** The model first, then the baselines: MSE standardised by each window's context, and per series raw. */
  forecasters: {
    name: string;
    mse: { mean: number; ci95: number };
    /**
     * Baselines: this forecaster's standardised MSE minus the model's, window by window (positive: the model
     * is better), with its 95% interval — paired, so the windows' shared difficulty cancels.
     */
    minusModel?: { mean: number; ci95: number };
    /**
     * Per series: standardised and raw (own-unit) MSE, the raw one's 95% interval and, for baselines, the raw
     * MSE minus the model's, paired window by window (positive: the model is better).
     */
    perSeries: {
      series: string;
      windows: number;
      mse: number;
      rawMse: number;
      rawCi95: number;
      rawMinusModel?: { mean: number; ci95: number };
    }[];
  }[];
}

export interface EvalResult {
  metric: 'mse' | 'accuracy';
  /** Per held-out task. */
  values: number[];
  mean: number;
  ci95: number;
  /**
   * Classifiers only: accuracy by presentation (Santoro et al. 2016), instance i being a step predicted
   * after i − 1 labelled examples of its class; `count` is how many predictions it pools.
   */
  byInstance?: { instance: number; accuracy: number; count: number }[];
  /**
   * Classifiers only: the same episodes scored transductively (all queries in one sequence after the support
   * set, each seeing the earlier ones); `mean` above scores each query alone, as the literature does.
   */
  transductive?: { mean: number; ci95: number };
  /** Classifiers split by alphabet: the alphabets the episodes came from. */
  alphabets?: string[];
  /** Forecasters on real series: per series and against the baselines (see ForecastScores). */
  forecast?: ForecastScores;
  /**
   * Gradient-based learners on forecast tasks: the last-value forecast's MSE on the same query windows, and
   * the paired difference (model − last value) per task.
   */
  lastValue?: { mean: number; ci95: number; diff: { mean: number; ci95: number } };
}

export interface MetaLearner {
  readonly config: MetaConfig;
  /** The device the learner's buffers and programs live on. */
  readonly gpu: Gpu;
  /** Where each named weight lives in the flat parameter buffer (PyTorch names and shapes). */
  readonly entries: ParamEntry[];
  /** Dispatches and submits in one meta-training step. */
  readonly dispatchesPerStep: number;
  /** Steps taken so far (a resumed learner starts at its checkpoint's step). */
  readonly stepCount: number;
  /** What the next step does when it is not meta-training (e.g. 'pretraining the encoder'); else undefined. */
  readonly phase: string | undefined;
  /** The meta learning rate of the last step submitted (of the next one, before any); kept on the host. */
  readonly lr: number;
  /** One meta-training step: one submit, no readback. */
  step(): void;
  /** Mean meta-training loss of the last step (reads back). */
  lastLoss(): Promise<number>;
  /** Optimizer steps skipped for a NaN/Inf gradient, in all and in a row (one small readback). */
  badSteps(): Promise<{ skipped: number; inARow: number }>;
  /**
   * The metric on `tasks` held-out tasks drawn with `seed`, from the validation or test split where the task
   * family has split classes (Omniglot's alphabets; default 'test'); other families split by seed alone.
   */
  evaluate(tasks: number, seed: number, split?: EvalSplit): Promise<EvalResult>;
  /** Weights and optimizer state by name (safetensors names; weights load into PyTorch by name). */
  state(): Promise<Record<string, Float32Array>>;
  load(state: Record<string, Float32Array>, step: number): void;
  /** The flat weights (tests, checkpoints). */
  getParams(): Promise<Float32Array>;
  setParams(flat: ArrayLike<number>): void;
  destroy(): void;
}

export interface Point {
  x: number;
  y: number;
}

/** A model adapted to one regression task: y at any x, given the support points it adapted to. */
export interface RegressionPredictor {
  readonly support: Point[];
  predict(x: number[]): Promise<number[]>;
}

/** A model adapted to one series: the next values after the context it read. */
export interface ForecastPredictor {
  /** The values the model read (a series learner reads the last `shots` values of the history). */
  readonly context: number[];
  /** The next `horizon` values (default and at most the `queries` the model was trained to forecast). */
  predict(horizon?: number): Promise<number[]>;
}

/** A learner that adapts to one regression task's support points and predicts y at new x. */
export interface Regressor extends MetaLearner {
  /** Each query is its own row after the support set: predictions do not depend on each other. */
  predict(support: Point[], queryX: number[]): Promise<number[]>;
  /** Adaptation to `support` (black-box learners by reading it, the others by their inner loop). */
  adapt(support: Point[]): Promise<RegressionPredictor>;
}

/** A learner that forecasts a series' next `config.queries` values after reading its context. */
export interface Forecaster extends MetaLearner {
  forecast(context: number[]): Promise<number[]>;
  /** Adaptation to a series' history: what it read, and its forecasts. */
  adapt(history: number[]): Promise<ForecastPredictor>;
}

/** A regressor's adapt(): the support is kept and read again with every query batch. */
export function regressionPredictor(learner: Regressor, support: Point[]): RegressionPredictor {
  const kept = support.map((p) => ({ x: p.x, y: p.y }));
  return { support: kept, predict: (x) => learner.predict(kept, x) };
}

/** A forecaster's adapt(): `context` is what `forecast` reads of the history; horizons are checked. */
export function forecastPredictor(learner: Forecaster, context: number[]): ForecastPredictor {
  const P = learner.config.queries;
  const kept = [...context];
  return {
    context: kept,
    async predict(horizon = P) {
      if (!Number.isSafeInteger(horizon) || horizon < 1 || horizon > P) {
        throw new InputError(
          `horizon ${horizon}: this model forecasts 1 to ${P} steps ahead (its training horizon, --queries)`,
        );
      }
      return (await learner.forecast(kept)).slice(0, horizon);
    },
  };
}

export const isRegressor = (l: MetaLearner): l is Regressor =>
  typeof (l as Partial<Regressor>).predict === 'function' &&
  (l.config.task === 'sinusoid' || l.config.task === 'regression');

export const isForecaster = (l: MetaLearner): l is Forecaster =>
  typeof (l as Partial<Forecaster>).forecast === 'function';

export function summarize(metric: EvalResult['metric'], values: number[]): EvalResult {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1);
  return { metric, values, mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n) };
}
