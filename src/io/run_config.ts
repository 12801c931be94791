/**
 * A run's configuration as config.json and checkpoint metadata hold it: one table of fields, each value
 * checked the same way wherever it comes from (a --config file, a run directory, a file imported into the
 * page). Pure TypeScript, shared by the CLI (src/cli/config_options.ts adds files and options) and the page.
 */
import { OMNIGLOT_MAX_SHIFT } from '../layout/omniglot_codes';
import { LOSS_WEIGHTS, type LossWeight } from '../data/series_windows';
import { LEARNERS, TASKS, type MetaConfig } from './meta_config';
import { InputError } from '../runtime/errors';
import { parseChannels } from '../layout/encoder_channels';

/**
 * MetaConfig plus task-specific settings that learners read when they need them (omniglot data); without
 * `scoring`, which the harness sets and no file holds.
 */
export interface RunConfig extends Omit<MetaConfig, 'scoring'> {
  /** Dataset path (omniglot, series). */
  data?: string;
  /** Series: test and validation series, comma-separated names (test: never trained or chosen on). */
  testSeries?: string;
  valSeries?: string;
  /** Series: the value column, and the column naming each row's series (long layout). */
  value?: string;
  seriesColumn?: string;
  /** Series: the seasonal-naive baseline's period (default 12, monthly data). */
  season?: number;
  /** Series: how training windows weigh in the loss, 'window' (default) or 'series' (data/series_windows.ts). */
  lossWeight?: LossWeight;
  /** Regression: test and validation tasks (CSV file stems), comma-separated. */
  testTasks?: string;
  valTasks?: string;
  /** Regression: the model reads (x − xShift) / xScale and predicts (y − yShift) / yScale (training tasks' stats). */
  xShift?: number;
  xScale?: number;
  yShift?: number;
  yScale?: number;
  /** Test alphabets (omniglot), comma-separated as given: never trained on, never chosen on. */
  alphabets?: string;
  /** Validation alphabets (omniglot), comma-separated: where a run's choices are made. */
  valAlphabets?: string;
  /**
   * Omniglot-task data layout: 'omniglot' (absent), the original zips; 'tree', your own image classes
   * (`train --task images`: `<group>/<class>/<image>` or `<class>/<image>`, PNG or JPEG, any size).
   */
  layout?: 'omniglot' | 'tree';
  /** Omniglot image encoder: 'conv' or 'mlp' (blackbox_classifier.ts ENCODERS). */
  encoder?: 'mlp' | 'conv';
  /** Omniglot conv encoder: its channels, comma-separated (default 16,32,32; classifier_config.ts). */
  channels?: string;
  /** Omniglot image encoder: the embedding's width (default 16). */
  embed?: number;
  /** Omniglot augmentation: training images move by up to this many pixels at random (0: none). */
  shift?: number;
  /** Omniglot black-box learner: support labels 'paired' with their image or 'delayed' one step. */
  labels?: 'paired' | 'delayed';
  /** Omniglot black-box learner: 'attention' reads the GRU's earlier outputs beside its state. */
  memory?: 'none' | 'attention';
}

type Field =
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'number'; above: number }
  | { kind: 'real' }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string' };

const posInt: Field = { kind: 'int', min: 1 };

export const FIELDS: Record<keyof RunConfig, Field> = {
  task: { kind: 'enum', values: TASKS },
  learner: { kind: 'enum', values: LEARNERS },
  shots: posInt,
  queries: posInt,
  ways: { kind: 'int', min: 2 },
  metaBatch: posInt,
  steps: posInt,
  // Seeds go to the GPU as u32, and evaluation adds offsets to them: keep headroom.
  seed: { kind: 'int', min: 0, max: 2 ** 31 - 1 },
  layers: posInt,
  hidden: posInt,
  lr: { kind: 'number', above: 0 },
  clip: { kind: 'number', above: 0 },
  logEvery: posInt,
  evalEvery: posInt,
  evalTasks: { kind: 'int', min: 2 }, // a 95% interval needs two values
  maxBadSteps: posInt,
  innerSteps: posInt,
  innerLr: { kind: 'number', above: 0 },
  contextSize: posInt,
  unroll: posInt,
  hvp: { kind: 'enum', values: ['exact', 'fd'] },
  cellSteps: posInt,
  readSupport: { kind: 'bool' },
  secondOrder: { kind: 'bool' },
  features: { kind: 'enum', values: ['v1', 'v2'] },
  maxRunSteps: { kind: 'int', min: 0 },
  taskHidden: posInt,
  maxUpdate: { kind: 'number', above: 0 },
  pretrainSteps: { kind: 'int', min: 0 },
  encoderLr: { kind: 'number', above: 0 },
  pretrainWarmup: { kind: 'int', min: 0 },
  data: { kind: 'string' },
  alphabets: { kind: 'string' },
  valAlphabets: { kind: 'string' },
  testSeries: { kind: 'string' },
  valSeries: { kind: 'string' },
  value: { kind: 'string' },
  seriesColumn: { kind: 'string' },
  season: posInt,
  lossWeight: { kind: 'enum', values: LOSS_WEIGHTS },
  testTasks: { kind: 'string' },
  valTasks: { kind: 'string' },
  xShift: { kind: 'real' },
  xScale: { kind: 'number', above: 0 },
  yShift: { kind: 'real' },
  yScale: { kind: 'number', above: 0 },
  layout: { kind: 'enum', values: ['omniglot', 'tree'] },
  encoder: { kind: 'enum', values: ['mlp', 'conv'] },
  channels: { kind: 'string' },
  embed: { kind: 'int', min: 1, max: 4096 },
  shift: { kind: 'int', min: 0, max: OMNIGLOT_MAX_SHIFT },
  labels: { kind: 'enum', values: ['paired', 'delayed'] },
  memory: { kind: 'enum', values: ['none', 'attention'] },
  lrDecay: { kind: 'enum', values: ['none', 'cosine'] },
};

/** Config keys as command-line options (--meta-batch for metaBatch). */
export const optionName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function allowed(f: Field): string {
  switch (f.kind) {
    case 'int':
      return f.max === undefined ? `an integer >= ${f.min}` : `an integer from ${f.min} to ${f.max}`;
    case 'number':
      return `a number > ${f.above}`;
    case 'real':
      return 'a finite number';
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${f.values.join(', ')}`;
    case 'string':
      return 'a string';
  }
}

export function fits(f: Field, v: unknown): boolean {
  switch (f.kind) {
    case 'int':
      return (
        Number.isSafeInteger(v) && (v as number) >= f.min && (f.max === undefined || (v as number) <= f.max)
      );
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v > f.above;
    case 'real':
      return typeof v === 'number' && Number.isFinite(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'enum':
      return typeof v === 'string' && f.values.includes(v);
    case 'string':
      return typeof v === 'string' && v.length > 0;
  }
}

const describe = (v: unknown) => {
  const t =
    v === null
      ? 'null'
      : Array.isArray(v)
        ? 'an array'
        : typeof v === 'object'
          ? 'an object'
          : `a ${typeof v}`;
  return `${JSON.stringify(v)} (${t})`;
};

/** Checks a parsed JSON object (a --config file or a run's config.json); messages start with `source`. */
export function checkConfigObject(raw: unknown, source: string): Partial<RunConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(`${source}: expected a JSON object of settings, got ${describe(raw)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(raw)) {
    const f = FIELDS[key as keyof RunConfig];
    if (!f) {
      throw new InputError(
        `${source}: unknown key '${key}'; allowed keys are ${Object.keys(FIELDS).join(', ')}`,
      );
    }
    if (!fits(f, v)) throw new InputError(`${source}: '${key}' is ${describe(v)}, expected ${allowed(f)}`);
    out[key] = v;
  }
  return out as Partial<RunConfig>;
}

/** The learned optimizer's own defaults (DEFAULT_LOPT in src/meta/lopt.ts), for configs that leave them out. */
export interface LoptDefaults {
  runSteps: number;
  unroll: number;
}

/**
 * Checks that a complete config's settings agree with each other, so that no phase takes the whole run:
 * Omniglot's encoder pretraining must leave steps to meta-train the GRU, and the learned optimizer's
 * truncations must tile its optimisation runs, with at least one whole run in `steps`. `name` spells a key
 * as the caller's user knows it (command-line options by default). Evaluation needs no check: train()
 * evaluates and checkpoints at the last step whatever `evalEvery` is.
 */
export function checkRunConfig(
  c: RunConfig,
  o: { name?: (key: keyof RunConfig) => string; lopt?: LoptDefaults } = {},
): void {
  const name = o.name ?? optionName;
  const pretrain = c.pretrainSteps ?? 0;
  if (c.task === 'omniglot' && pretrain > 0 && pretrain >= c.steps) {
    throw new InputError(
      `${name('pretrainSteps')} ${pretrain} is not below ${name('steps')} ${c.steps}: every step would pretrain ` +
        `the encoder and the GRU would never meta-train (the result is chance). Pretraining is part of ` +
        `${name('steps')}: give ${name('steps')} greater than ${pretrain}, or fewer ${name('pretrainSteps')}`,
    );
  }
  if (c.task === 'omniglot' && (c.pretrainWarmup ?? 0) > pretrain) {
    throw new InputError(
      `${name('pretrainWarmup')} ${c.pretrainWarmup} is longer than the pretraining it warms up ` +
        `(${name('pretrainSteps')} ${pretrain}): give at most ${pretrain}` +
        (pretrain ? '' : `, or pretrain the encoder with ${name('pretrainSteps')}`),
    );
  }
  if (c.channels !== undefined) {
    if (!parseChannels(c.channels)) {
      throw new InputError(
        `${name('channels')} '${c.channels}' is not a list of channel counts: give comma-separated integers ` +
          `from 1 to 4096, one per stride-2 convolution (e.g. 32,64,64)`,
      );
    }
    if (c.encoder === 'mlp') {
      throw new InputError(
        `${name('channels')} sets the conv encoder's widths, but ${name('encoder')} is mlp: drop ` +
          `${name('channels')} or use ${name('encoder')} conv`,
      );
    }
  }
  checkSecondOrderKeys(c, name);
  if (c.learner === 'lopt') {
    // As BUILDERS in src/meta/trainer.ts fills them in: the run length, then a truncation no longer than it.
    const run = c.innerSteps ?? o.lopt?.runSteps;
    const unroll = c.unroll ?? (run === undefined || !o.lopt ? undefined : Math.min(run, o.lopt.unroll));
    if (run === undefined || unroll === undefined) return;
    if (run % unroll !== 0) {
      throw new InputError(
        `${name('unroll')} ${unroll} does not divide ${name('innerSteps')} ${run}: each optimisation run of ` +
          `${run} inner steps is cut into truncations of ${unroll}; choose ${name('unroll')} among ` +
          `${divisors(run)}`,
      );
    }
    if (c.maxRunSteps && c.maxRunSteps % unroll !== 0) {
      throw new InputError(
        `${name('maxRunSteps')} ${c.maxRunSteps} is not a multiple of ${name('unroll')} ${unroll}: run lengths ` +
          `are drawn in whole truncations; give 0 (fixed runs) or a multiple of ${unroll}`,
      );
    }
    const perRun = run / unroll;
    if (c.steps < perRun) {
      throw new InputError(
        `${name('steps')} ${c.steps} is less than one optimisation run (${name('innerSteps')} ${run} in ` +
          `truncations of ${name('unroll')} ${unroll}: ${perRun} meta-steps): the learned optimizer would never ` +
          `see inner steps past ${c.steps * unroll}; give ${name('steps')} of at least ${perRun}`,
      );
    }
  }
}

/**
 * Refuses second-order settings on learners they mean nothing to: --hvp (only second-order MAML takes
 * Hessian-vector products), --cell-steps and --read-support (the MAML family's task model; --read-support
 * reads sinusoid support pairs and sets the steps itself), --second-order (context adaptation; MAML is
 * second order by its name, fomaml and reptile are first order by theirs).
 */
function checkSecondOrderKeys(c: RunConfig, name: (key: keyof RunConfig) => string): void {
  if (c.hvp !== undefined && c.learner !== 'maml') {
    throw new InputError(
      `${name('hvp')} ${c.hvp} applies to second-order MAML only (--learner maml), not '${c.learner}': ` +
        `no other learner takes Hessian-vector products; leave ${name('hvp')} out`,
    );
  }
  const family = ['maml', 'fomaml', 'reptile', 'metasgd'];
  if (c.cellSteps !== undefined && !family.includes(c.learner)) {
    throw new InputError(
      `${name('cellSteps')} ${c.cellSteps} sets the task model of ${family.join(', ')}, not of '${c.learner}'; ` +
        `leave it out`,
    );
  }
  if (c.readSupport) {
    const flag = name('readSupport');
    if (!family.includes(c.learner))
      throw new InputError(
        `${flag} sets the task model of ${family.join(', ')} (it reads the support pairs), not of ` +
          `'${c.learner}'; leave it out`,
      );
    if (c.task !== 'sinusoid')
      throw new InputError(
        `${flag} reads the support pairs of sinusoid tasks, not of '${c.task}' tasks; leave it out or use ` +
          `--task sinusoid`,
      );
    if (c.cellSteps !== undefined)
      throw new InputError(
        `${name('cellSteps')} ${c.cellSteps} with ${flag}: each row is then ${name('shots')} + 1 = ${c.shots + 1} ` +
          `steps long (the support pairs, then the point to predict); leave ${name('cellSteps')} out`,
      );
  }
  const window = c.cellSteps ?? 1;
  if (c.task === 'forecast' && family.includes(c.learner) && window >= c.shots) {
    throw new InputError(
      `${name('cellSteps')} ${window} does not fit in ${name('shots')} ${c.shots}: the task model reads windows of ` +
        `${name('cellSteps')} observed values, and the ${c.shots} observed values must hold at least one window ` +
        `and its next value; give ${name('cellSteps')} below ${c.shots}`,
    );
  }
  for (const key of ['features', 'maxRunSteps', 'taskHidden', 'maxUpdate'] as const) {
    if (c[key] !== undefined && c.learner !== 'lopt')
      throw new InputError(
        `${name(key)} ${String(c[key])} sets the learned optimizer (--learner lopt), not '${c.learner}'; leave it out`,
      );
  }
  if (c.secondOrder && c.learner !== 'context') {
    const why =
      c.learner === 'maml'
        ? 'maml is second order already (choose how with --hvp)'
        : c.learner === 'fomaml'
          ? 'fomaml is first-order MAML: use --learner maml for second order'
          : `'${c.learner}' has no inner loop to differentiate through`;
    throw new InputError(`${name('secondOrder')} applies to --learner context only: ${why}`);
  }
}

/** The divisors of n, in order; a long list keeps its first eight and n. */
function divisors(n: number): string {
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    small.push(d);
    if (d * d !== n) large.unshift(n / d);
  }
  const all = [...small, ...large];
  return (all.length <= 10 ? all : [...all.slice(0, 8), '…', n]).join(', ');
}
