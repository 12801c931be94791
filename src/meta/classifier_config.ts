/**
 * The Omniglot black-box classifier's settings beyond MetaConfig (encoder, augmentation, label presentation,
 * held-out alphabets), its learning-rate schedules, and the shapes of what it takes and reports.
 */
import type { EvalResult, MetaConfig, MetaLearner } from './learner';
import type { EncoderSpec } from './image_encoder';
import { lrFactor } from './optimizer';
import { InputError } from '../runtime/errors';
import { parseChannels } from '../layout/encoder_channels';
export { heldOutAlphabets } from '../data/omniglot_split';

/**
 * The image encoders by name: a convnet (conv_encoder.ts) and an MLP 784 → 128 → 16 (mlp_encoder.ts). The
 * embedding is narrow because the GRU's state must hold one per class of the episode: N wide embeddings do
 * not fit beside each other in a 128-unit state (BENCHMARKS.md, "Omniglot", has the measurements).
 */
export const ENCODERS = {
  conv: { conv: [16, 32, 32], embed: 16 },
  mlp: { hidden: 128, embed: 16 },
} as const satisfies Record<string, EncoderSpec>;
/** The default: the convnet generalises to held-out alphabets better than the MLP (BENCHMARKS.md). */
export const ENCODER: EncoderSpec = ENCODERS.conv;

/** The encoder a config asks for: the named (or given) spec with `channels` and `embed` applied. */
export function encoderSpecOf(o: OmniglotConfig): EncoderSpec {
  const spec = o.encoder ?? ENCODER;
  const base: EncoderSpec = typeof spec === 'string' ? ENCODERS[spec] : spec;
  if (base === undefined)
    throw new InputError(
      `unknown encoder '${String(spec)}': valid encoders are ${Object.keys(ENCODERS).join(', ')}`,
    );
  let out: EncoderSpec = o.embed === undefined ? base : { ...base, embed: o.embed };
  if (o.channels !== undefined) {
    const conv = parseChannels(o.channels);
    if (!conv)
      throw new InputError(
        `channels must be 1 to 8 comma-separated integers from 1 to 4096 (e.g. 32,64,64), got '${String(o.channels)}'`,
      );
    if (!('conv' in out))
      throw new InputError(`channels sets the conv encoder's widths; this encoder is an MLP`);
    out = { ...out, conv };
  }
  return out;
}

/**
 * Omniglot settings a run's config may carry beyond MetaConfig (the CLI's RunConfig adds `data` and
 * `alphabets`; the bytes themselves come through TaskData, since a page cannot read paths).
 */
export interface OmniglotConfig {
  /** The zip the run was trained on, as the user named it (a record only). */
  data?: string;
  /** Test alphabets, as a list or comma-separated; default: see defaultHeldOut. */
  alphabets?: string | string[];
  /** Validation alphabets (choices, checkpoints), as a list or comma-separated; default: see defaultValidation. */
  valAlphabets?: string | string[];
  /** Split by whole alphabets (default, as Lake et al.) or by characters at random (seeded by `seed`). */
  split?: 'alphabet' | 'character';
  /** Add 90°, 180° and 270° turns of the training characters as extra classes (default true; false: none). */
  rotations?: boolean;
  /** The image encoder: one of ENCODERS by name, or any EncoderSpec (default ENCODER). */
  encoder?: EncoderSpec | keyof typeof ENCODERS;
  /** The conv encoder's channels in place of the named encoder's ("32,64,64" or [32, 64, 64]). */
  channels?: string | number[];
  /** The embedding's width in place of the named encoder's. */
  embed?: number;
  /**
   * Augmentation: every training image (pretraining and meta-training episodes; never held-out ones) moves
   * by a random whole number of pixels in [−shift, shift] on each axis (default 0: none).
   */
  shift?: number;
  /** How support labels are shown: 'delayed' (default; one step after the image) or 'paired' (with it). */
  labels?: 'delayed' | 'paired';
  /** 'attention': every step also reads the GRU's earlier outputs by attention (attention_memory.ts). */
  memory?: 'none' | 'attention';
}

/** Steps that pretrain the encoder (0: none) and its learning rate afterwards (default: the meta lr). */
export function encoderSchedule(config: MetaConfig): {
  pretrainSteps: number;
  encoderLr: number;
  pretrainWarmup: number;
} {
  return {
    pretrainSteps: config.pretrainSteps ?? 0,
    encoderLr: config.encoderLr ?? config.lr,
    pretrainWarmup: config.pretrainWarmup ?? 0,
  };
}

/**
 * Learning rates by 1-based step. gru: by meta-training step (its optimizer starts counting after the
 * pretraining); encoder: by overall step, lr while pretraining (rising linearly from lr/n over the first n =
 * pretrainWarmup steps), then encoderLr. Both decay over the meta-training steps as config.lrDecay says.
 */
export function classifierSchedules(config: MetaConfig): {
  gru: (metaStep: number) => number;
  encoder: (step: number) => number;
} {
  const { pretrainSteps, encoderLr, pretrainWarmup: warmup } = encoderSchedule(config);
  const metaSteps = Math.max(config.steps - pretrainSteps, 1);
  const f = (metaStep: number) => lrFactor(config.lrDecay, metaStep, metaSteps);
  const warm = (step: number) => (step < warmup ? step / warmup : 1);
  return {
    gru: (metaStep) => config.lr * f(metaStep),
    encoder: (step) => (step <= pretrainSteps ? config.lr * warm(step) : encoderLr * f(step - pretrainSteps)),
  };
}

export interface ClassifierEvalResult extends EvalResult {
  ways: number;
  shots: number;
  /**
   * Santoro et al.'s accuracy by presentation: instance i is a step showing its class for the i-th time
   * (after i − 1 labelled examples). Support steps give instances 1…K (1 is chance, 1/N); every query is
   * instance K + 1, since query labels are never revealed. Higher instances need more shots.
   */
  byInstance: { instance: number; accuracy: number; count: number }[];
}

/** One episode given by the caller (e.g. a Lake et al. run): images [size²] with ink = 1. */
export interface ClassifierEpisode {
  support: { image: ArrayLike<number>; label: number }[];
  queries: ArrayLike<number>[];
}

/** Per episode: the fraction of its query steps (steps ≥ support) predicted right, from `correct` [B·T]. */
export function queryAccuracy(correct: ArrayLike<number>, support: number, steps: number): number[] {
  const out: number[] = [];
  for (let b = 0; b * steps < correct.length; b++) {
    let hit = 0;
    for (let t = support; t < steps; t++) hit += correct[b * steps + t];
    out.push(hit / (steps - support));
  }
  return out;
}

/** A model adapted to one set of labelled images: class probabilities of any query image. */
export interface ClassificationPredictor {
  /** The labels the support set uses, in increasing order: the only ones a query can get. */
  readonly labels: number[];
  /** Per query: probabilities over the model's `ways` labels, 0 for the labels the support set lacks. */
  predict(queries: ArrayLike<number>[]): Promise<number[][]>;
}

/** A learner that classifies the queries of episodes it is given, each query alone after the support set. */
export interface EpisodeClassifier extends MetaLearner {
  predict(episodes: ClassifierEpisode[]): Promise<number[][][]>;
  /**
   * Adaptation to labelled images (size² pixels, ink = 1; labels below `ways`, fewer classes than ways is
   * fine) by reading them: the support set goes in as an episode's, the classes taking turns as in training.
   */
  adapt(support: ClassifierEpisode['support']): Promise<ClassificationPredictor>;
}

/** Softmax over the labels in `used` only (the others get 0): a support set with fewer classes than ways. */
export function maskedSoftmax(logits: number[], used: number[]): number[] {
  const top = Math.max(...used.map((l) => logits[l]));
  const out = new Array<number>(logits.length).fill(0);
  let sum = 0;
  for (const l of used) sum += out[l] = Math.exp(logits[l] - top);
  for (const l of used) out[l] /= sum;
  return out;
}

/**
 * A classifier's adapt(): the support reordered so that classes take turns (each class's first image, then
 * each one's second, …), as the training episodes present them; queries each alone after it.
 */
export function classificationPredictor(
  learner: EpisodeClassifier,
  support: ClassifierEpisode['support'],
): ClassificationPredictor {
  const labels = [...new Set(support.map((s) => s.label))].sort((a, b) => a - b);
  const byLabel = labels.map((l) => support.filter((s) => s.label === l));
  const turns: ClassifierEpisode['support'] = [];
  for (let i = 0; turns.length < support.length; i++)
    for (const c of byLabel) if (i < c.length) turns.push(c[i]);
  return {
    labels,
    async predict(queries) {
      if (!queries.length) return [];
      const [logits] = await learner.predict([{ support: turns, queries }]);
      return logits.map((row) => maskedSoftmax(row, labels));
    },
  };
}

export const isClassifier = (l: MetaLearner): l is EpisodeClassifier =>
  typeof (l as Partial<EpisodeClassifier>).predict === 'function' && l.config.task === 'omniglot';
