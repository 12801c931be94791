/**
 * Host-side bookkeeping of the black-box classifier's episodes: accuracy by presentation over evaluated
 * episodes (Santoro et al. 2016), and the checks and packing of episodes a caller gives to predict().
 */
import { InputError } from '../runtime/errors';
import type { ClassifierEpisode, EpisodeClassifier } from './classifier_config';
import type { OmniglotDataset } from '../data/omniglot';
import type { EvalSplit, OmniglotSplit } from '../data/omniglot_split';
import { splitEpisode } from './omniglot_episode';

/**
 * Accuracy by presentation: a step showing its class for the i-th time (after i − 1 labelled examples) counts
 * towards instance i; every query is instance K + 1, since query labels are never revealed.
 */
export class InstanceTally {
  readonly #hits: number[];
  readonly #counts: number[];

  constructor(
    readonly ways: number,
    readonly shots: number,
  ) {
    this.#hits = new Array<number>(shots + 1).fill(0);
    this.#counts = new Array<number>(shots + 1).fill(0);
  }

  /** Adds the first `take` episodes of `steps` steps each: their labels and 0/1 correctness per step. */
  add(labels: ArrayLike<number>, correct: ArrayLike<number>, take: number, steps: number): void {
    const { ways: N, shots: K } = this;
    for (let b = 0; b < take; b++) {
      const seen = new Array<number>(N).fill(0);
      for (let t = 0; t < steps; t++) {
        const label = labels[b * steps + t];
        if (label < 0) continue; // a paired support step: its label was shown
        const instance = t < N * K ? seen[label]++ : K; // 0-based
        this.#hits[instance] += correct[b * steps + t];
        this.#counts[instance]++;
      }
    }
  }

  result(): { instance: number; accuracy: number; count: number }[] {
    return this.#counts
      .map((count, i) => ({ instance: i + 1, accuracy: this.#hits[i] / count, count }))
      .filter((b) => b.count > 0);
  }
}

/** Checks episodes for a `ways`-way model on images of `pixels` values; returns their common support size. */
export function checkEpisodes(episodes: ClassifierEpisode[], ways: number, pixels: number): number {
  const S = episodes[0]?.support.length ?? 0;
  for (const e of episodes) {
    if (e.support.length !== S)
      throw new InputError(`predict: support sizes differ (${S} and ${e.support.length})`);
    for (const s of e.support) {
      if (!(Number.isInteger(s.label) && s.label >= 0 && s.label < ways)) {
        throw new InputError(
          `predict: label ${s.label} is outside this ${ways}-way model's labels 0..${ways - 1}`,
        );
      }
    }
    for (const img of [...e.support.map((s) => s.image), ...e.queries]) {
      if (img.length !== pixels)
        throw new InputError(`predict: an image has ${img.length} pixels, expected ${pixels}`);
    }
  }
  return S;
}

/**
 * One sequence per (episode, query): the support steps, then the query. Each image is given once — `pixels`
 * [images, pixels]: every episode's support images, then its queries — and `index` [rows · T] names the image
 * each sequence step shows (the encoder embeds each image once; row_gather places it). `episode` is the buffer
 * the recorded pass reads: labels [rows · T] (−1: not predicted), then the GRU input [rows · T, width] with each
 * support label's slot (at `embed` + label) set. Rows come episode by episode, queries in order.
 */
export function packQueryRows(
  episodes: ClassifierEpisode[],
  g: { support: number; pixels: number; width: number; embed: number; paired: boolean },
): { pixels: Float32Array; index: Uint32Array; episode: Float32Array; images: number } {
  const { support: S, pixels: px, width: I, embed: E, paired } = g;
  const T = S + 1;
  const rows = episodes.reduce((n, e) => n + e.queries.length, 0);
  const images = episodes.reduce((n, e) => n + S + e.queries.length, 0);
  const R = rows * T;
  const pixels = new Float32Array(images * px);
  const index = new Uint32Array(R);
  const episode = new Float32Array(R + R * I);
  let b = 0;
  let base = 0;
  for (const e of episodes) {
    e.support.forEach((s, t) => pixels.set(s.image, (base + t) * px));
    e.queries.forEach((q, j) => pixels.set(q, (base + S + j) * px));
    for (let j = 0; j < e.queries.length; j++, b++) {
      e.support.forEach((s, t) => {
        index[b * T + t] = base + t;
        // Paired: the label comes with its image (and is not predicted); delayed: one step later.
        episode[b * T + t] = paired ? -1 : s.label;
        episode[R + (b * T + t + (paired ? 0 : 1)) * I + E + s.label] = 1;
      });
      index[b * T + S] = base + S + j;
      episode[b * T + S] = -1; // unknown: no loss
    }
    base += S + e.queries.length;
  }
  return { pixels, index, episode, images };
}

/** Index of the largest value. */
const argmax = (v: number[]) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

/**
 * Inductive query accuracy of the first `take` episodes of evaluation chunk `step` on split `which` (the
 * episodes the GPU's evaluation pass draws, see splitEpisode): each query alone after the support set.
 */
export async function inductiveAccuracy(
  l: Pick<EpisodeClassifier, 'predict' | 'config'> & { dataset: OmniglotDataset; split: OmniglotSplit },
  which: EvalSplit,
  at: { seed: number; step: number; take: number },
): Promise<number[]> {
  const episodes = Array.from({ length: at.take }, (_, task) =>
    splitEpisode(l.dataset, l.split, which, l.config, { seed: at.seed, step: at.step, task }),
  );
  const logits = await l.predict(
    episodes.map((e) => ({ support: e.support, queries: e.queries.map((q) => q.image) })),
  );
  return episodes.map((e, i) => {
    const hits = e.queries.filter((q, j) => argmax(logits[i][j]) === q.label).length;
    return hits / e.queries.length;
  });
}
