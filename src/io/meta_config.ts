/**
 * What a run is, as config.json and the checkpoint's metadata hold it: the task, the learner and their
 * settings. It lives with the files that carry it (src/io/run_config.ts checks every field) so that io
 * needs nothing from meta; meta's learners read it.
 */
export type TaskName = 'sinusoid' | 'regression' | 'forecast' | 'series' | 'omniglot';
export type LearnerName = 'blackbox' | 'lopt' | 'context' | 'maml' | 'fomaml' | 'reptile' | 'metasgd';

export const TASKS: readonly TaskName[] = ['sinusoid', 'regression', 'forecast', 'series', 'omniglot'];
export const LEARNERS: readonly LearnerName[] = [
  'blackbox',
  'lopt',
  'context',
  'maml',
  'fomaml',
  'reptile',
  'metasgd',
];

/**
 * The x range a task family's learners see in training (shaders/sinusoid_tasks.wgsl draws x ~ U[−5, 5]):
 * predictions outside it are extrapolation, which `metarnn predict` warns about.
 */
export const TRAINED_X_RANGE: Partial<Record<TaskName, readonly [number, number]>> = { sinusoid: [-5, 5] };

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
   * Second-order MAML's Hessian-vector products: 'exact' (absent; forward over reverse through the GRU) or
   * 'fd' (central differences of gradients). cellSteps: time steps the MAML-family task model's GRU reads
   * each x for (absent: 1). secondOrder: context adaptation differentiates through its inner updates
   * (CAVIA; absent: false, first order). readSupport: the MAML family on sinusoids, the task model reads
   * the task's support pairs as a sequence, then the point to predict (absent: false; cellSteps is then
   * shots + 1).
   */
  hvp?: 'exact' | 'fd';
  cellSteps?: number;
  readSupport?: boolean;
  secondOrder?: boolean;
  /**
   * The learned optimizer (lopt) only: its per-coordinate inputs ('v1' Andrychowicz et al.'s, 'v2' with
   * momenta, RMS, parameter and step count; absent: 'v1', as configs written before it), a heavy-tailed run
   * length up to maxRunSteps inner steps (absent or 0: every run innerSteps long), and the task models' GRU
   * width (absent: 32); maxUpdate, a soft bound on each coordinate's step (absent: none).
   */
  features?: 'v1' | 'v2';
  maxRunSteps?: number;
  taskHidden?: number;
  maxUpdate?: number;
  /**
   * Omniglot black-box classifier: steps that first pretrain the image encoder as a classifier over the
   * training classes (part of `steps`; absent: 0), and the encoder's learning rate in meta-training
   * afterwards (absent: lr).
   */
  pretrainSteps?: number;
  encoderLr?: number;
  /**
   * Omniglot: the first pretrainWarmup pretraining steps raise the encoder's learning rate linearly, lr/n at
   * step 1 to lr at step n (absent: 0, none). Adam's first steps move every weight by about lr whatever its
   * gradient, which can switch off every unit of the ReLU before the embedding's LayerNorm for good.
   */
  pretrainWarmup?: number;
  /**
   * Learning-rate schedule: 'cosine' lowers the meta learning rate (and the Omniglot encoder's) from its
   * value to 0 along a half cosine over the meta-training steps, those after any pretraining; 'none' (absent)
   * keeps it. The schedule follows `steps`: resuming with more steps stretches it.
   */
  lrDecay?: 'none' | 'cosine';
  /**
   * Set by the harness for a learner built only to score or predict (eval, predict, the one-shot runs, a
   * learned optimizer's comparisons): nothing is recorded for training, so none of the training kernels is
   * compiled (seconds on a software adapter), and the data a run needs only for training may be absent.
   * Never stored in a config.
   */
  scoring?: boolean;
}
