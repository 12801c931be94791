/**
 * What Node calls in the harness page (`window.harness`, through src/cli/page.ts's callHarness): each
 * function's arguments and result, which cross page.evaluate as structured data. app/harness.ts implements
 * it and is checked against it; tests reach further into the page (the library, tensors) and are not
 * bound by this list.
 */
import type { MetaConfig } from '../io/meta_config';
import type { EvalResult } from '../meta/learner';
import type { OptimizerComparison } from '../meta/lopt_compare';
import type { CoordOptimizer } from '../layout/coord_map';
import type { RunsResult } from '../meta/omniglot_runs';
import type { AdapterSummary } from '../runtime/gpu';
import type { Resume, TrainRunArgs, TrainRunResult } from './training';
import type { EvalSplit } from '../data/omniglot_split';
import type { NamedSeries } from '../data/series_windows';
import type { RegressionTask } from '../data/regression_tasks';
import type { ImageLayout } from '../data/omniglot_merge';

/** The limits that decide which model and batch sizes fit (see `metarnn doctor`). */
export const DOCTOR_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

/** What `metarnn doctor` shows: the adapter, the features on our device, key limits. */
export interface DoctorReport {
  adapter: AdapterSummary;
  features: string[];
  limits: Record<(typeof DOCTOR_LIMITS)[number], number>;
  userAgent: string;
  /** The GRU recurrences' tiles on this adapter and how they were chosen (src/kernels/gru_probe.ts). */
  gruTiles: {
    rows: number;
    units: number;
    backwardUnits?: number;
    weights: string;
    source: string;
    error?: string;
    /** Whether hidden sizes 4 … broadcastMaxHidden in 4s run the broadcast recurrences instead (useBroadcastGru). */
    broadcast?: boolean;
    broadcastMaxHidden?: number;
  };
  /** Kernel variants forced for this run, `key=value` (METARNN_VARIANTS, src/kernels/forced_variants.ts). */
  forced?: string[];
}

/** One GRU forward (and backward, given a gradient) on your data: what `metarnn gru` runs. groups 1. */
export interface GruRunArgs {
  layers: number;
  inputSize: number;
  hiddenSize: number;
  batch: number;
  steps: number;
  /** Flat parameters laid out by gruParamLayout (groups 1). */
  params: ArrayLike<number>;
  /** [B, T, I] batch-first. */
  x: ArrayLike<number>;
  /** [L, B, H]; zeros when absent. */
  h0?: ArrayLike<number> | null;
  /** dL/d(output) [B, T, H]. With gradOutput or gradHN, the backward pass runs too. */
  gradOutput?: ArrayLike<number> | null;
  /** dL/dh_n [L, B, H]. */
  gradHN?: ArrayLike<number> | null;
}

/** output [B, T, H] and h_n [L, B, H]; with a backward pass, flat grads (params layout), dx and dh0 too. */
export interface GruRunResult {
  output: Float32Array;
  hN: Float32Array;
  grads: Float32Array | null;
  /** [B, T, I] */
  gradX: Float32Array | null;
  /** [L, B, H] */
  gradH0: Float32Array | null;
}

/** What the loaded Omniglot zips hold, a character found in several counted once. */
export interface OmniglotSummary {
  alphabets: string[];
  characters: number;
  images: number;
}

/** What `metarnn predict` asks of a checkpoint: one task's examples and its queries (see src/cli/predict.ts). */
export type PredictInput =
  | { kind: 'regression'; support: { x: number; y: number }[]; query: number[] }
  | { kind: 'forecast'; history: number[]; horizon: number }
  | {
      kind: 'classification';
      /** Images 28×28, ink = 1; labels 0… below the model's ways. */
      support: { label: number; image: number[] }[];
      queries: number[][];
    };

export type PredictOutput =
  | { kind: 'regression'; y: number[] }
  | { kind: 'forecast'; context: number[]; values: number[] }
  | { kind: 'classification'; probabilities: number[][] };

/** What an evaluation adds to a learner's own figure. */
export interface EvalOptions {
  /** Series: also train the same GRU from scratch on each scored series' history for this many steps. */
  scratchSteps?: number;
}

export interface HarnessCalls {
  /** Adapts a checkpoint's model to the examples in `input` (no weight is trained) and answers its queries. */
  predictRun(config: MetaConfig, resume: Resume, input: PredictInput): Promise<PredictOutput>;
  /** Meta-trains in the page, reporting through TRAIN_EVENT_FUNCTION (see training.ts). */
  trainRun(a: TrainRunArgs): Promise<TrainRunResult>;
  /** Adapts to `tasks` held-out tasks drawn with `seed`: the metric per task and summarised. */
  evalRun(
    config: MetaConfig,
    resume: Resume,
    tasks: number,
    seed: number,
    split?: EvalSplit,
    options?: EvalOptions,
  ): Promise<EvalResult>;
  /** A learned optimizer against tuned SGD, RMSprop and Adam (or `baselines`), for each run length in `steps`. */
  compareRun(
    config: MetaConfig,
    resume: Resume,
    tasks: number,
    seed: number,
    steps: number[],
    baselines?: CoordOptimizer[],
  ): Promise<OptimizerComparison[]>;
  /** Lake et al.'s 20-way one-shot runs (all_runs.zip, as base64) through a trained classifier. */
  runsEvalRun(config: MetaConfig, resume: Resume, runsZipBase64: string): Promise<RunsResult>;
  /**
   * Loads Omniglot zips (as base64: a page cannot read paths; `names` for messages, one per zip) for the
   * learners built after it, merged into one data set when there are several.
   */
  omniglotLoad(zipsBase64: string[], names: string[], layout?: ImageLayout): Promise<OmniglotSummary>;
  /** Hands real series (read and checked in Node) to the learners built after it (task 'series'). */
  seriesLoad(series: NamedSeries[]): Promise<{ series: number; values: number }>;
  /** Hands regression tasks of your own (read and checked in Node) to the learners built after it. */
  tablesLoad(tasks: RegressionTask[]): Promise<{ tasks: number; points: number }>;
  doctor(): Promise<DoctorReport>;
  gruRun(a: GruRunArgs): Promise<GruRunResult>;
}
