/**
 * One held-out Omniglot episode drawn on the CPU, for showing adaptation (the page's Adapt view): the same
 * Philox draws as the GPU sampler (omniglotEpisodeCodes, src/layout/omniglot_codes.ts), from the held-out pool
 * on stream 1, with the images copied out so they can be drawn and handed to BlackBoxClassifier.predict.
 */
import { omniglotImage } from '../data/omniglot_image';
import type { OmniglotDataset } from '../data/omniglot';
import type { EvalSplit, OmniglotSplit } from '../data/omniglot_split';
import { InputError } from '../runtime/errors';
import { omniglotEpisodeCodes } from '../layout/omniglot_codes';

export interface EpisodeImage {
  /** [size²], ink = 1. */
  image: Float32Array;
  /** Episode label 0..ways−1 (support labels are shown to the learner; query labels are the truth). */
  label: number;
  /** 'Alphabet/characterNN', plus the turn when rotated: what the label stands for. */
  character: string;
}

export interface OmniglotEpisode {
  /** In the order the learner reads them (shuffled, as in training). */
  support: EpisodeImage[];
  queries: EpisodeImage[];
}

/**
 * Held-out episode `index` for `seed` (the learner's evaluation seed): N-way K-shot with `queries` per class.
 * Every class comes from `split.test`, so the learner has never trained on these characters.
 */
export function heldOutEpisode(
  ds: OmniglotDataset,
  split: OmniglotSplit,
  shape: EpisodeShape,
  seed: number,
  index: number,
): OmniglotEpisode {
  if (!(Number.isInteger(index) && index >= 0))
    throw new InputError(`episode index must be an integer ≥ 0, got ${index}`);
  return splitEpisode(ds, split, 'test', shape, { seed, step: index, task: 0 });
}

interface EpisodeShape {
  ways: number;
  shots: number;
  queries: number;
}

/**
 * The episode the GPU sampler draws for evaluation on `which` split (stream 1) at (step, task): the same classes,
 * labels, order and drawings, upright and unshifted, with every label known (also a paired support step's).
 */
export function splitEpisode(
  ds: OmniglotDataset,
  split: OmniglotSplit,
  which: EvalSplit,
  shape: EpisodeShape,
  at: { seed: number; step: number; task: number },
): OmniglotEpisode {
  const pool = split[which];
  if (shape.ways > pool.length) {
    throw new InputError(
      `${shape.ways}-way episodes need ${shape.ways} ${which} classes, but there are ${pool.length}`,
    );
  }
  const R = split.rotations;
  const ep = omniglotEpisodeCodes(
    { ...at, stream: 1 },
    // Only the shape: a run's config may carry a training shift, which held-out episodes never have.
    { ways: shape.ways, shots: shape.shots, queries: shape.queries, rotations: R },
    { pool, starts: ds.characters.map((c) => c.start), counts: ds.characters.map((c) => c.count) },
  );
  const items = ep.codes.map((code, t) => {
    const classId = ep.classes[ep.labels[t]];
    const ch = ds.characters[Math.floor(classId / R)];
    const turns = classId % R;
    return {
      image: omniglotImage(ds, classId, (code >> 2) - ch.start, R),
      label: ep.labels[t],
      character: `${ch.alphabet}/${ch.name}${turns ? ` turned ${turns * 90}°` : ''}`,
    };
  });
  const S = shape.ways * shape.shots;
  return { support: items.slice(0, S), queries: items.slice(S) };
}
