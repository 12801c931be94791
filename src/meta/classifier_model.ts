/**
 * The Omniglot black-box classifier's model as a plan, before any GPU buffer exists: the split of the
 * characters, the image encoder, the GRU's shape, the named entries of the flat parameter buffer
 * (gru.*, head.*, encoder.*, pretrain_head.*) and their initial values.
 */
import { InputError } from '../runtime/errors';
import { gruParamLayout, type GruShape, type ParamEntry } from '../layout/gru_layout';
import { labelBindWidth } from '../kernels/label_bind';
import type { OmniglotDataset } from '../data/omniglot';
import { classifierSplit, type OmniglotSplit } from '../data/omniglot_split';
import { encoderSchedule, encoderSpecOf, type OmniglotConfig } from './classifier_config';
import { gruHeadEntries } from './gru_head';
import { AttentionMemory, attentionMemoryEntries, MEMORY } from './attention_memory';
import { imageEncoder, type ImageEncoder } from './image_encoder';
import { initUniform } from './init';
import type { MetaConfig } from './learner';

/** Seeds of the per-entry initial draws: entry i of a run with seed s draws from s · INIT_SEED_STRIDE + i. */
const INIT_SEED_STRIDE = 1000;

export interface ClassifierModel {
  split: OmniglotSplit;
  encoder: ImageEncoder;
  shape: GruShape;
  entries: ParamEntry[];
  encoderEntries: ParamEntry[];
  /**
   * Elements of the GRU, its head and the memory (if any), the first part of the buffer (the rest: encoder,
   * pretraining head).
   */
  metaSize: number;
  /** memory: 'attention' only. */
  memory: AttentionMemory | null;
  init: Float32Array;
}

export function classifierModel(config: MetaConfig, dataset: OmniglotDataset): ClassifierModel {
  const { ways: N, hidden: H } = config;
  const o = config as MetaConfig & OmniglotConfig;
  const split = classifierSplit(dataset, o);
  const { pretrainSteps, encoderLr, pretrainWarmup } = encoderSchedule(config);
  if (!(Number.isInteger(pretrainSteps) && pretrainSteps >= 0))
    throw new InputError(`pretrainSteps must be an integer ≥ 0, got ${pretrainSteps}`);
  if (!(encoderLr >= 0)) throw new InputError(`encoderLr must be ≥ 0, got ${encoderLr}`);
  if (!(Number.isInteger(pretrainWarmup) && pretrainWarmup >= 0 && pretrainWarmup <= pretrainSteps)) {
    throw new InputError(
      `pretrainWarmup must be an integer from 0 to pretrainSteps (${pretrainSteps}), got ${pretrainWarmup}`,
    );
  }
  const encoder = imageEncoder(encoderSpecOf(o), dataset.size);
  const gru = {
    layers: config.layers,
    inputSize: labelBindWidth({ embed: encoder.embed, ways: N }),
    hiddenSize: H,
    groups: 1,
  };
  const headEnd = gruParamLayout(gru).size + N * H + N;
  const memoryEntries = o.memory === 'attention' ? attentionMemoryEntries(H, N, headEnd) : [];
  const metaSize = headEnd + memoryEntries.reduce((n, e) => n + e.size, 0);
  const encoderEntries = encoder.entries(metaSize);
  const E = encoder.embed;
  const P = Math.max(split.train.length, 1); // a model built to score may have no training classes
  const last = encoderEntries[encoderEntries.length - 1];
  const end = last.offset + last.size;
  const entries = [
    ...gruHeadEntries(gru, N),
    ...memoryEntries,
    ...encoderEntries,
    { name: 'pretrain_head.weight', offset: end, shape: [P, E], size: P * E },
    { name: 'pretrain_head.bias', offset: end + P * E, shape: [P], size: P },
  ];
  const size = entries.reduce((n, e) => n + e.size, 0);
  // GRU and head: PyTorch's default, U(±1/√H). Encoder: He init (ReLU layers keep E[a²] ≈ 1), with the first
  // layer scaled by the data's mean squared pixel m2 (strokes cover few pixels), so that embeddings start at
  // RMS ≈ 1 like the one-hot label slots beside them; much smaller embeddings leave the GRU reading mostly
  // labels, and it does not learn to match images.
  let m2 = 0;
  for (let i = 0; i < dataset.images.length; i++) m2 += dataset.images[i] ** 2;
  m2 = Math.max(m2 / dataset.images.length, 1e-3);
  const init = new Float32Array(size);
  entries.forEach((e, i) => {
    const bound = e.name.startsWith('encoder.')
      ? encoder.initBound(e.name, m2)
      : e.name.startsWith('pretrain_head')
        ? 1 / Math.sqrt(E)
        : e.name.startsWith('memory.head')
          ? 1 / Math.sqrt(MEMORY.value)
          : 1 / Math.sqrt(H);
    init.set(initUniform(e.size, bound, config.seed * INIT_SEED_STRIDE + i), e.offset);
  });
  const memory = memoryEntries.length ? new AttentionMemory(entries) : null;
  return { split, encoder, shape: gru, entries, encoderEntries, metaSize, memory, init };
}
