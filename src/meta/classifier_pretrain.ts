/**
 * The black-box classifier's first phase: the image encoder alone, trained as a classifier over every
 * training class (a linear head on the embedding, `pretrain_head.*`, dropped afterwards), so that embeddings of
 * one character are close before the GRU has to match them. One step: PRETRAIN_WAYS training classes × 2
 * drawings (stream 2; labels are pool positions) → encoder → head → cross-entropy → backward → the encoder's
 * Adam, recorded once as one program.
 */
import type { Gpu } from '../runtime/gpu';
import type { Tensor } from '../runtime/tensor';
import type { ParamEntry } from '../layout/gru_layout';
import { softmaxCrossEntropy } from '../kernels/softmax_cross_entropy';
import type { LinearHead } from './gru_head';
import type { ImageEncoder } from './image_encoder';
import type { Pass } from './learner_core';
import type { OmniglotSampler } from './omniglot_sampler';
import type { MetaOptimizer } from './optimizer';

/** Classes per pretraining batch (two drawings each). */
const PRETRAIN_WAYS = 32;

/** A recorded pass of the classifier, with the buffers its callers read back. */
export interface ClassifierPass extends Pass {
  rows: number;
  labels: Tensor;
  correct: Tensor;
  logits: Tensor;
  episode: Tensor;
  codes: Tensor;
  pixels: Tensor;
  /** predict()'s pass: the image each step row shows, when each image is given once (row_gather). */
  index?: Tensor;
}

export interface PretrainModel {
  gpu: Gpu;
  sampler: OmniglotSampler;
  encoder: ImageEncoder;
  encoderEntries: ParamEntry[];
  head: LinearHead;
  params: Tensor;
  grads: Tensor;
  optimizer: MetaOptimizer;
  /** The learner's step number (u32), which the draws depend on. */
  step: Tensor;
  seed: number;
  shift: number;
}

export async function recordPretrain(m: PretrainModel): Promise<ClassifierPass> {
  const { gpu } = m;
  const P = m.sampler.poolSize('train');
  const W = Math.min(PRETRAIN_WAYS, P);
  const R = 2 * W;
  const E = m.encoder.embed;
  const episode = gpu.tensor([R + R * W]);
  const labels = episode.view(0, [R]);
  const codes = gpu.tensor([R], undefined, 'u32');
  const pixels = gpu.tensor([R, m.sampler.size ** 2]);
  const enc = m.encoder.alloc(gpu, R, true);
  const emb = gpu.tensor([R, E]);
  const dEmb = gpu.tensor([R, E]);
  const logits = gpu.tensor([R, P]);
  const dLogits = gpu.tensor([R, P]);
  const loss = gpu.tensor([1]);
  const correct = gpu.tensor([R]);
  const tensors = [episode, codes, pixels, ...enc.tensors, emb, dEmb, logits, dLogits, loss, correct];
  const encT = { params: m.params, entries: m.encoderEntries, pixels, bufs: enc };
  const rec = gpu.recorder();
  m.sampler.record(rec, {
    tasks: 1,
    ways: W,
    shots: 1,
    queries: 1,
    step: m.step,
    pool: 'train',
    seed: m.seed,
    stream: 2,
    shift: m.shift,
    codes,
    labels,
    slots: episode.view(R, [R, W]),
    slotStride: W,
    pixels,
    poolLabels: true,
  });
  m.encoder.forward(rec, R, { ...encT, out: emb, outStride: E });
  m.head.forward(rec, m.params, R, { tensor: emb }, logits);
  const ce = { groups: 1, rowsPerGroup: R, classes: P };
  softmaxCrossEntropy(rec, ce, { logits, labels, loss, grad: dLogits, correct });
  const dx = { tensor: dEmb };
  m.head.backward(rec, m.params, R, { x: { tensor: emb }, dy: dLogits, grads: m.grads, dx });
  m.encoder.backward(rec, R, { ...encT, grads: m.grads, dOut: dEmb, dOutStride: E });
  m.optimizer.record(rec);
  const program = await rec.finish('blackbox_classifier.pretrain');
  return { program, rows: R, labels, loss, correct, logits, episode, codes, pixels, tensors };
}
