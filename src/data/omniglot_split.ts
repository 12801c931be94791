/**
 * Which Omniglot classes train and which are held out (whole alphabets, as in Lake et al. 2015, or characters
 * at random), and the check that a class pool can supply the episodes asked of it.
 */
import { rng } from '../layout/random';
import { OmniglotError, type OmniglotDataset } from './omniglot';

export interface OmniglotSplitOptions {
  /** 'alphabet' (default): whole alphabets held out, as in Lake et al.; 'character': characters at random. */
  by?: 'alphabet' | 'character';
  /** Alphabets held out for evaluation; default: the last max(1, round(count / 5)) in sorted order. */
  heldOut?: string[];
  /** For by = 'character': fraction held out (default 0.2) and the shuffle seed. */
  fraction?: number;
  seed?: number;
  /** 4 adds rotated classes to the training pool; evaluation keeps characters upright. Default 1. */
  rotations?: 1 | 4;
}

export interface OmniglotSplit {
  /** Class ids (character · rotations + quarter turns) that training episodes draw from. */
  train: number[];
  /** Class ids of the held-out characters, upright. */
  test: number[];
  /** Held-out alphabets (alphabet split) or [] (character split). */
  heldOut: string[];
  rotations: 1 | 4;
}

/** The alphabets held out by default: the last fifth (at least one) in sorted order — Latin for small1. */
export function defaultHeldOut(ds: OmniglotDataset): string[] {
  const n = Math.max(1, Math.round(ds.alphabets.length / 5));
  return ds.alphabets.slice(-n);
}

export function splitOmniglot(ds: OmniglotDataset, o: OmniglotSplitOptions = {}): OmniglotSplit {
  const R = o.rotations ?? 1;
  let testChars: Set<number>;
  let heldOut: string[] = [];
  if ((o.by ?? 'alphabet') === 'alphabet') {
    heldOut = o.heldOut?.length ? o.heldOut : defaultHeldOut(ds);
    const unknown = heldOut.filter((a) => !ds.alphabets.includes(a));
    if (unknown.length) {
      throw new OmniglotError(
        `unknown alphabet${unknown.length > 1 ? 's' : ''} ${unknown.map((a) => `'${a}'`).join(', ')}: ` +
          `this set has ${ds.alphabets.join(', ')}`,
      );
    }
    testChars = new Set(ds.characters.flatMap((c, i) => (heldOut.includes(c.alphabet) ? [i] : [])));
  } else {
    const fraction = o.fraction ?? 0.2;
    if (!(fraction > 0 && fraction < 1))
      throw new OmniglotError(`held-out fraction must be in (0, 1), got ${fraction}`);
    const order = shuffled(ds.characters.length, o.seed ?? 1);
    testChars = new Set(order.slice(0, Math.max(1, Math.round(fraction * order.length))));
  }
  const train: number[] = [];
  const test: number[] = [];
  ds.characters.forEach((_, c) => {
    if (testChars.has(c)) test.push(c * R);
    else for (let r = 0; r < R; r++) train.push(c * R + r);
  });
  if (train.length === 0) {
    throw new OmniglotError(
      `every alphabet is held out (${heldOut.join(', ')}): nothing is left to train on`,
    );
  }
  return { train, test, heldOut, rotations: R };
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
export function checkEpisodeShape(ds: OmniglotDataset, pool: number[], e: EpisodeShape, what: string): void {
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
