/**
 * The settings the Train view shows, each with what it does: the text is the field's tooltip and what a
 * screen reader reads, so it says what the value changes rather than repeating its name.
 */
import type { RunConfig } from '../../src/io/run_config';

/** A setting on the form: a number, or a choice among `options` (the first when the config has none). */
export interface Param {
  key: keyof RunConfig;
  label: string;
  help: string;
  step?: string;
  options?: string[];
}

/** The hyper-parameters shown for every task. */
export const PARAMS: Param[] = [
  { key: 'ways', label: 'Ways', help: 'Classes per Omniglot episode (N-way).' },
  {
    key: 'shots',
    label: 'Shots',
    help: 'Support examples per task: the (x, y) pairs the learner sees before predicting.',
  },
  {
    key: 'queries',
    label: 'Queries',
    help: 'Query points per task on which the meta-training loss is measured.',
  },
  {
    key: 'metaBatch',
    label: 'Meta-batch',
    help: 'Tasks per meta-training step (averaged into one gradient).',
  },
  { key: 'steps', label: 'Steps', help: 'Meta-training steps to run (one GPU submit each).' },
  { key: 'layers', label: 'GRU layers', help: 'Stacked GRU layers in the learner.' },
  { key: 'hidden', label: 'Hidden size', help: 'Units per GRU layer: the capacity of the learned learner.' },
  { key: 'lr', label: 'Meta learning rate', help: 'Adam step size for the meta-parameters.', step: 'any' },
  {
    key: 'clip',
    label: 'Gradient clip',
    help: 'Gradients with a larger global norm are scaled down to it.',
    step: 'any',
  },
  {
    key: 'lrDecay',
    label: 'LR schedule',
    help: 'cosine: the meta learning rate falls to 0 along a half cosine over the meta-training steps; none: it stays.',
    options: ['none', 'cosine'],
  },
  {
    key: 'seed',
    label: 'Seed',
    help: 'Seeds weights and tasks: the tasks at step s depend on (seed, s) only.',
  },
  {
    key: 'logEvery',
    label: 'Log every',
    help: 'Read the loss back (and allow pausing) every this many steps.',
  },
  { key: 'evalEvery', label: 'Evaluate every', help: 'Measure the held-out metric every this many steps.' },
  { key: 'evalTasks', label: 'Held-out tasks', help: 'Tasks (never trained on) per held-out evaluation.' },
];

/** Omniglot-only settings, shown when the task is omniglot. */
export const OMNIGLOT_PARAMS: Param[] = [
  {
    key: 'pretrainSteps',
    label: 'Pretraining steps',
    help: 'The first steps train the image encoder alone as a classifier over the training classes.',
  },
  {
    key: 'shift',
    label: 'Image shift (px)',
    help: 'Training images move by up to this many pixels at random (0: off); held-out images never move.',
  },
  {
    key: 'labels',
    label: 'Support labels',
    help: 'paired: a support step shows its image and label together; delayed: the label comes one step later (Santoro et al. 2016).',
    options: ['paired', 'delayed'],
  },
  {
    key: 'encoder',
    label: 'Image encoder',
    help: 'conv: a small convnet; mlp: two dense layers, about 3× faster per step and less accurate.',
    options: ['conv', 'mlp'],
  },
];

/** What each task family asks of the learner, for the Task field's tooltip. */
export const TASK_HELP =
  'sinusoid: regress a sine wave of random amplitude and phase from a few points. ' +
  'forecast: continue a damped oscillator or AR(2) series from its context (Shots = context length, ' +
  'Queries = horizon). omniglot: N-way K-shot classification of handwritten characters (load a zip below).';

export const LEARNER_HELP =
  'blackbox: a GRU reads the support set and predicts; maml/fomaml/reptile: gradient-based adaptation.';

/** The held-out metric a task reports (EvalResult.metric), as the readout and plot name it. */
export const metricName = (task: string) => (task === 'omniglot' ? 'validation accuracy' : 'validation MSE');
