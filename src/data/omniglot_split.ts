/**
 * Which Omniglot classes train and which are held out (whole alphabets, as in Lake et al. 2015, or characters
 * at random), and the check that a class pool can supply the episodes asked of it.
 */
import { rng } from '../layout/random';
import { OmniglotError, type OmniglotIndex } from './omniglot';

export interface OmniglotSplitOptions {
  /** 'alphabet' (default): whole alphabets held out, as in Lake et al.; 'character': characters at random. */
  by?: 'alphabet' | 'character';
  /** Test alphabets; default: the last max(1, round(count / 5)) in sorted order (Latin for small1). */
  heldOut?: string[];
  /**
   * Validation alphabets, where every choice is made (steps, learning rates, checkpoints); default: as many as
   * the test alphabets, the last in sorted order before them, when at least three alphabets are left
   * (otherwise none: a run then has nothing to choose on, and training refuses to start).
   */
  validation?: string[];
  /** For by = 'character': fraction held out for test and again for validation (default 0.2), shuffle seed. */
  fraction?: number;
  seed?: number;
  /** 4 adds rotated classes to the training pool; evaluation keeps characters upright. Default 1. */
  rotations?: 1 | 4;
  /**
   * For scoring a trained model only (`eval`): no validation by default, and no training classes needed, so
   * that every alphabet of a zip (e.g. images_evaluation.zip) can be test.
   */
  scoring?: boolean;
}

export interface OmniglotSplit {
  /** Class ids (character · rotations + quarter turns) that training episodes draw from. */
  train: number[];
  /** Class ids of the validation characters, upright. */
  validation: number[];
  /** Class ids of the test characters, upright. */
  test: number[];
  /** Test alphabets (alphabet split) or [] (character split). */
  heldOut: string[];
  /** Validation alphabets (alphabet split) or [] (character split). */
  validationAlphabets: string[];
  rotations: 1 | 4;
}

/** An alphabet list as a config holds it (a list or comma-separated) as a list; undefined when empty. */
export function heldOutAlphabets(a: string | string[] | undefined): string[] | undefined {
  const list = (typeof a === 'string' ? a.split(',') : (a ?? [])).map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

/** The splits a class can be in, in the order the GPU sampler's pools hold them. */
export const SPLITS = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];
/** The splits evaluation draws from. */
export type EvalSplit = Exclude<SplitName, 'train'>;

/** The test alphabets by default: the last fifth (at least one) in sorted order — Latin for small1. */
export function defaultHeldOut(ds: Pick<OmniglotIndex, 'alphabets'>): string[] {
  const n = Math.max(1, Math.round(ds.alphabets.length / 5));
  return ds.alphabets.slice(-n);
}

/**
 * The validation alphabets by default: as many as the test ones, just before them in sorted order, but at most
 * half of those left, so that at least as many stay to train on; none when fewer than three are left.
 */
export function defaultValidation(ds: Pick<OmniglotIndex, 'alphabets'>, test: string[]): string[] {
  const rest = ds.alphabets.filter((a) => !test.includes(a));
  const n = Math.min(test.length, Math.floor(rest.length / 2));
  return rest.length >= 3 ? rest.slice(-n) : [];
}

export function splitOmniglot(ds: OmniglotIndex, o: OmniglotSplitOptions = {}): OmniglotSplit {
  const R = o.rotations ?? 1;
  const byAlphabet = (o.by ?? 'alphabet') === 'alphabet';
  const {
    test: testChars,
    validation: valChars,
    heldOut,
    validationAlphabets,
  } = byAlphabet ? alphabetSplit(ds, o) : characterSplit(ds, o);
  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  ds.characters.forEach((_, c) => {
    if (testChars.has(c)) test.push(c * R);
    else if (valChars.has(c)) validation.push(c * R);
    else for (let r = 0; r < R; r++) train.push(c * R + r);
  });
  if (train.length === 0 && !o.scoring) {
    throw new OmniglotError(
      `every alphabet is held out (test ${heldOut.join(', ')}` +
        `${validationAlphabets.length ? `; validation ${validationAlphabets.join(', ')}` : ''}): ` +
        `nothing is left to train on`,
    );
  }
  return { train, validation, test, heldOut, validationAlphabets, rotations: R };
}

/** Characters by alphabet, with the checks a user's lists need: known, not repeated, not in two splits. */
function alphabetSplit(ds: OmniglotIndex, o: OmniglotSplitOptions) {
  const heldOut = o.heldOut?.length ? checkAlphabets(ds, o.heldOut, 'test') : defaultHeldOut(ds);
  const validationAlphabets = o.validation?.length
    ? checkAlphabets(ds, o.validation, 'validation')
    : o.scoring
      ? []
      : defaultValidation(ds, heldOut);
  const both = validationAlphabets.filter((a) => heldOut.includes(a));
  if (both.length) {
    const test = o.heldOut?.length ? 'named for test too' : 'a test alphabet by default (the last fifth)';
    throw new OmniglotError(
      `validation alphabet ${both.map((a) => `'${a}'`).join(', ')} is ${test}: an alphabet belongs to one ` +
        `split (name the test alphabets with --alphabets, apart from --val-alphabets)`,
    );
  }
  const of = (names: string[]) =>
    new Set(ds.characters.flatMap((c, i) => (names.includes(c.alphabet) ? [i] : [])));
  return { test: of(heldOut), validation: of(validationAlphabets), heldOut, validationAlphabets };
}

function checkAlphabets(ds: OmniglotIndex, names: string[], what: string): string[] {
  const twice = names.find((a, i) => names.indexOf(a) !== i);
  if (twice) throw new OmniglotError(`${what} alphabet '${twice}' is named twice: name each alphabet once`);
  const unknown = names.filter((a) => !ds.alphabets.includes(a));
  if (unknown.length) {
    throw new OmniglotError(
      `unknown ${what} alphabet${unknown.length > 1 ? 's' : ''} ${unknown.map((a) => `'${a}'`).join(', ')}: ` +
        `this set has ${ds.alphabets.join(', ')}`,
    );
  }
  return names;
}

/** Characters at random: the first `fraction` of a seeded shuffle for test, the next for validation. */
function characterSplit(ds: OmniglotIndex, o: OmniglotSplitOptions) {
  const fraction = o.fraction ?? 0.2;
  if (!(fraction > 0 && fraction < 0.5))
    throw new OmniglotError(`held-out fraction must be in (0, 0.5), got ${fraction}`);
  const order = shuffled(ds.characters.length, o.seed ?? 1);
  const n = Math.max(1, Math.round(fraction * order.length));
  return {
    test: new Set(order.slice(0, n)),
    validation: new Set(order.slice(n, 2 * n)),
    heldOut: [] as string[],
    validationAlphabets: [] as string[],
  };
}

/** Refuses a split with no `which` classes, naming the option that gives it some. */
export function checkSplitClasses(split: OmniglotSplit, which: EvalSplit, alphabets: string[]): void {
  if (split[which].length) return;
  const option = which === 'test' ? '--alphabets' : '--val-alphabets';
  const left = alphabets.filter((a) => !split.heldOut.includes(a));
  throw new OmniglotError(
    `no ${which} alphabets: after the test alphabets (${split.heldOut.join(', ')}) this data leaves ` +
      `${left.length} (${left.join(', ')}), too few to set one aside for ${which} and still train on two; ` +
      `name them with ${option}`,
  );
}

/** A seeded permutation of 0..n-1 (mulberry32 + Fisher–Yates): the same split on every machine. */
function shuffled(n: number, seed: number): number[] {
  const rand = rng(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export interface EpisodeShape {
  ways: number;
  shots: number;
  /** Query images per class. */
  queries: number;
}

/** Refuses episodes a class pool cannot supply: too many ways, or more images per class than drawings. */
export function checkEpisodeShape(ds: OmniglotIndex, pool: number[], e: EpisodeShape, what: string): void {
  for (const [k, v] of Object.entries(e)) {
    if (!(Number.isInteger(v) && v >= 1)) throw new OmniglotError(`${k} must be an integer ≥ 1, got ${v}`);
  }
  if (e.ways > pool.length) {
    throw new OmniglotError(
      `${e.ways}-way episodes need ${e.ways} classes, but the ${what} has only ${pool.length}`,
    );
  }
  const fewest = Math.min(...ds.characters.map((c) => c.count));
  if (e.shots + e.queries > fewest) {
    throw new OmniglotError(
      `shots + queries = ${e.shots} + ${e.queries} = ${e.shots + e.queries} images per class, but a ` +
        `character has only ${fewest} drawings (one per drawer): lower shots or queries`,
    );
  }
}

/**
 * A classifier's split settings as its config holds them (MetaConfig & OmniglotConfig in the page, RunConfig in
 * the CLI): the episode shape, the seed, and the alphabets as a list or comma-separated.
 */
export interface ClassifierSplitConfig extends EpisodeShape {
  seed: number;
  alphabets?: string | string[];
  valAlphabets?: string | string[];
  split?: 'alphabet' | 'character';
  /** false: no rotated classes; default true (4). */
  rotations?: boolean;
  scoring?: boolean;
}

/**
 * The split a classifier with config `c` draws on, refused where it cannot supply the episodes asked of it.
 * Only classes and counts matter, so the page checks the loaded data set as it builds a learner, and the CLI
 * checks the zips' listings (an OmniglotIndex) with the same messages before a browser starts.
 */
export function classifierSplit(ds: OmniglotIndex, c: ClassifierSplitConfig): OmniglotSplit {
  const split = splitOmniglot(ds, {
    by: c.split,
    heldOut: heldOutAlphabets(c.alphabets),
    validation: heldOutAlphabets(c.valAlphabets),
    scoring: c.scoring,
    rotations: c.rotations === false ? 1 : 4,
    seed: c.seed,
  });
  const shape = { ways: c.ways, shots: c.shots, queries: c.queries };
  const named = (what: string, alphabets: string[]) =>
    alphabets.length ? `${what} alphabets ${alphabets.join(', ')}` : `${what} set`;
  checkEpisodeShape(ds, split.test, shape, named('test', split.heldOut));
  // Scoring needs only test classes; training refuses an empty validation split when it starts.
  if (!c.scoring) checkEpisodeShape(ds, split.train, shape, 'training set');
  if (!c.scoring && split.validation.length)
    checkEpisodeShape(ds, split.validation, shape, named('validation', split.validationAlphabets));
  return split;
}
