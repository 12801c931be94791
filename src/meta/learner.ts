/**
 * What every meta-learner offers the trainer, the CLI and the page. A learner owns its GPU buffers and its
 * recorded programs; the trainer only decides when to step, log, evaluate and checkpoint.
 */
import type { OmniglotDataset } from '../data/omniglot';

export type TaskName = 'sinusoid' | 'forecast' | 'omniglot';
export type LearnerName = 'blackbox' | 'lopt' | 'context' | 'maml' | 'fomaml' | 'reptile';

export const TASKS: readonly TaskName[] = ['sinusoid', 'forecast', 'omniglot'];
export const LEARNERS: readonly LearnerName[] = ['blackbox', 'lopt', 'context', 'maml', 'fomaml', 'reptile'];

/** Everything needed to rebuild a run (written to config.json). */
export interface MetaConfig {
  task: TaskName;
  learner: LearnerName;
  shots: number;
  queries: number;
  ways: number;
  metaBatch: number;
  steps: number;
  seed: number;
  layers: number;
  hidden: number;
  lr: number;
  clip: number;
  /** Log (read back) the loss every this many steps. */
  logEvery: number;
  /** Evaluate on held-out tasks and checkpoint every this many steps. */
  evalEvery: number;
  evalTasks: number;
  /**
   * Stop with a NonFiniteStepsError once this many optimizer steps in a row were skipped for a NaN/Inf
   * gradient (checked at log and eval points). Absent in configs written before it existed: 10.
   */
  maxBadSteps?: number;
  /**
   * Inner-loop settings; absent means the learner's own default. innerSteps: SGD steps on the support set
   * (maml, fomaml, reptile: 5; context: 2) or inner steps of one optimisation run (lopt: 100). innerLr: the
   * inner step size α (maml family 0.05, context 1). contextSize: the context vector's length (context: 8).
   * unroll: the learned optimizer's truncation, inner steps per meta-step (lopt: 20; divides innerSteps).
   */
  innerSteps?: number;
  innerLr?: number;
  contextSize?: number;
  unroll?: number;
  /**
   * Omniglot black-box classifier: steps that first pretrain the image encoder as a classifier over the
   * training classes (part of `steps`; absent: 0), and the encoder's learning rate in meta-training
   * afterwards (absent: lr).
   */
  pretrainSteps?: number;
  encoderLr?: number;
  /**
   * Learning-rate schedule: 'cosine' lowers the meta learning rate (and the Omniglot encoder's) from its
   * value to 0 along a half cosine over the meta-training steps, those after any pretraining; 'none' (absent)
   * keeps it. The schedule follows `steps`: resuming with more steps stretches it.
   */
  lrDecay?: 'none' | 'cosine';
}

/** Data a task family needs beyond its config, handed to createLearner (loaded by the CLI or the page). */
export interface TaskData {
  omniglot?: OmniglotDataset;
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
}

export interface MetaLearner {
  readonly config: MetaConfig;
  /** Dispatches and submits in one meta-training step. */
  readonly dispatchesPerStep: number;
  /** One meta-training step: one submit, no readback. */
  step(): void;
  /** Mean meta-training loss of the last step (reads back). */
  lastLoss(): Promise<number>;
  evaluate(tasks: number, seed: number): Promise<EvalResult>;
  /** Weights and optimizer state by name (safetensors names; weights load into PyTorch by name). */
  state(): Promise<Record<string, Float32Array>>;
  load(state: Record<string, Float32Array>, step: number): void;
  readonly stepCount: number;
  destroy(): void;
}

export function summarize(metric: EvalResult['metric'], values: number[]): EvalResult {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1);
  return { metric, values, mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n) };
}
