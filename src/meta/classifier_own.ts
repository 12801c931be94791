/**
 * A trained classifier on the user's own images (`metarnn predict`, the page's drawings): the classifier is
 * built around a data set, for its samplers and splits, which predicting never reads. This stand-in gives it
 * one of the right shape, so that a model adapts to images that come with no data set at all.
 */
import type { OmniglotDataset } from '../data/omniglot';
import type { MetaConfig } from './learner';

/** The stand-in's one alphabet: the test split a classifier built to score needs. */
export const OWN_ALPHABET = 'your images';

/** `ways` blank classes of shots + queries blank 28×28 images each, in one alphabet (OWN_ALPHABET). */
export function placeholderDataset(config: MetaConfig, size = 28): OmniglotDataset {
  const per = config.shots + config.queries;
  const n = config.ways;
  return {
    size,
    images: new Float32Array(n * per * size * size),
    imageCount: n * per,
    drawers: Uint16Array.from({ length: n * per }, (_, i) => (i % per) + 1),
    alphabets: [OWN_ALPHABET],
    characters: Array.from({ length: n }, (_, i) => ({
      alphabet: OWN_ALPHABET,
      name: `class${i}`,
      start: i * per,
      count: per,
    })),
  };
}

/**
 * What a classifier needs to be built for the user's images alone: its config marked to score only, with the
 * stand-in's alphabet as its test split, and the stand-in data set.
 */
export function ownImagesBuild<C extends MetaConfig>(
  config: C,
): { config: C; data: { omniglot: OmniglotDataset } } {
  return {
    config: { ...config, scoring: true, alphabets: OWN_ALPHABET, valAlphabets: undefined },
    data: { omniglot: placeholderDataset(config) },
  };
}
