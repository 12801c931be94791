// The API speaks in WebGPU's types (GPUDevice, GPUBuffer…): kept in the emitted index.d.ts (TypeScript drops
// reference directives there unless marked preserve), so a consumer gets them from the dependency.
/// <reference types="@webgpu/types" preserve="true" />

/**
 * The public API of `metarnn`: what users get, grouped. Anything not named here is internal and may change.
 * README.md, "Library API", shows it in use; ARCHITECTURE.md, where each part lives.
 */

// ── Runtime: a WebGPU device, buffers, recorded programs, typed errors ──────────────────────────────────────
export { acquireGpu, Gpu, type AcquireOptions, type AdapterSummary } from './runtime/gpu';
export { Recorder, Program } from './runtime/recorder';
export { Tensor, type DType } from './runtime/tensor';
export { BufferPool } from './runtime/pool';
export {
  MetarnnError,
  WebGpuUnavailableError,
  LimitError,
  ShaderCompileError,
  GpuError,
  DeviceLostError,
  NonFiniteStepsError,
  InputError,
} from './runtime/errors';

// ── Kernels: the fused GRU (PyTorch nn.GRU semantics), dense layers, losses, optimizers ──────────────────────
export { gruParamLayout, gruForwardFlops, type GruShape, type ParamEntry } from './layout/gru_layout';
export {
  allocGruBuffers,
  gruForward,
  gruOutput,
  type GruRun,
  type GruForwardTensors,
} from './kernels/gru_forward';
export { gruBackward, type GruBackwardTensors } from './kernels/gru_backward';
export { defaultGruTiles, gruTiles, setGruTiles, type GruTiles } from './kernels/gru_tuning';
export { probeGruTiles, probeCandidates, tuneGpu, gruProbeOf, type GruProbe } from './kernels/gru_probe';
export { gruForwardTangent, type GruForwardTangentTensors } from './kernels/gru_forward_tangent';
export { gruBackwardTangent, type GruBackwardTangentTensors } from './kernels/gru_backward_tangent';
export { linearForward } from './kernels/linear_forward';
export { linearBackwardInput } from './kernels/linear_backward_input';
export { linearBackwardWeight } from './kernels/linear_backward_weight';
export { mseLoss, type MseShape } from './kernels/mse_loss';
export { softmaxCrossEntropy, type CrossEntropyShape } from './kernels/softmax_cross_entropy';
export { adamStep, adamHyper, ADAM_SLOT, type AdamOptions } from './kernels/adam';
export { sgdStep, sgdHyper, SGD_SLOT } from './kernels/sgd';
export { gradNorm } from './kernels/grad_norm';

// ── Learners: create, train, evaluate, recover from a lost device ───────────────────────────────────────────
export {
  EVAL_SEED_OFFSET,
  LEARNERS,
  TASKS,
  isForecaster,
  isRegressor,
  summarize,
  type EvalResult,
  type ForecastPredictor,
  type ForecastScores,
  type Point,
  type RegressionPredictor,
  type Forecaster,
  type LearnerName,
  type MetaConfig,
  type MetaLearner,
  type Regressor,
  type TaskData,
  type TaskName,
} from './meta/learner';
export {
  DEFAULT_CONFIG,
  PAIR_DEFAULTS,
  createLearner,
  defaultsFor,
  loadLearner,
  supportedPairs,
  train,
  type TrainCallbacks,
  type TrainProgress,
} from './meta/trainer';
export { trainWithRecovery, type DeviceRecovery, type RecoveryOptions } from './meta/recovery';
export { MetaOptimizer, lrFactor } from './meta/optimizer';
export { BlackBoxRegressor } from './meta/blackbox';
export { BlackBoxForecaster } from './meta/blackbox_forecast';
export { BlackBoxSeriesForecaster, scoreForecasts, type SeriesConfig } from './meta/blackbox_series';
export { BlackBoxClassifier } from './meta/blackbox_classifier';
export { ContextLearner, DEFAULT_CONTEXT_OPTIONS, type ContextOptions } from './meta/context';
export { MamlLearner } from './meta/maml';
export { ReptileLearner } from './meta/reptile';
export { MetaSgdLearner } from './meta/meta_sgd';
export { DEFAULT_INNER_LOOP, type InnerLoopOptions } from './meta/inner_loop';
export { LearnedOptimizer, DEFAULT_LOPT, type LoptOptions } from './meta/lopt';
export { BASELINE_LRS, type OptimizerComparison } from './meta/lopt_compare';
export { FORECAST_OPTIMIZEE, OPTIMIZEES, type Optimizee } from './meta/lopt_tasks';

// ── Tasks: episodes sampled on the GPU (the tasks at step s depend only on seed and s) ──────────────────────
export { sinusoidTasks, sinusoidEpisodeLayout, type SinusoidEpisodeShape } from './kernels/sinusoid_tasks';
export { forecastTasks, forecastEpisodeLayout, type ForecastEpisodeShape } from './kernels/forecast_tasks';

// ── Data: Omniglot from its original zips, Lake et al.'s one-shot runs ─────────────────────────────────────
export {
  loadOmniglot,
  OmniglotError,
  type OmniglotCharacter,
  type OmniglotDataset,
  type OmniglotLoadOptions,
} from './data/omniglot';
export { splitOmniglot, type OmniglotSplit } from './data/omniglot_split';

// ── Data: your own tables — x,y sets and time series from CSV/JSON text (the CLI reads paths) ──────────────
export { parseCsv, readXY, numberColumn, type CsvTable, type XY } from './data/csv';
export { parseSeries, type Series, type SeriesOptions } from './data/series';
export { seriesSplit, defaultSeriesSplit, type SeriesSplit } from './data/series_split';
export {
  encodeWindows,
  evalWindows,
  drawWindows,
  windowsOf,
  standardiser,
  EVAL_FROM,
  type NamedSeries,
  type Window,
} from './data/series_windows';
export { lastValue, seasonalNaive } from './data/forecast_baselines';
export {
  ENCODERS,
  isClassifier,
  queryAccuracy,
  type EpisodeClassifier,
  type ClassifierEpisode,
  type ClassifierEvalResult,
  type OmniglotConfig,
} from './meta/classifier_config';
export {
  parseOmniglotRuns,
  evaluateOmniglotRuns,
  learnerClassifier,
  nearestNeighbour,
  type EpisodePredictor,
  type OmniglotRun,
  type RunsResult,
} from './meta/omniglot_runs';
export { heldOutEpisode, splitEpisode, type OmniglotEpisode } from './meta/omniglot_episode';

// ── Checkpoints: the CLI's and the page's one format; safetensors that load into PyTorch by name ────────────
export {
  encodeCheckpoint,
  decodeCheckpoint,
  encodeConfig,
  decodeConfig,
  CHECKPOINT_FILE,
  CONFIG_FILE,
  type Checkpoint,
  type CheckpointTensor,
  type CheckpointValidation,
} from './io/checkpoint';
export {
  parse as parseSafetensors,
  serialize as serializeSafetensors,
  SafetensorsError,
} from './io/safetensors';
export type { RunConfig } from './io/run_config';
