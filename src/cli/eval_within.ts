/**
 * `eval --within-alphabet`: episodes whose classes all come from one alphabet, as in Lake et al.'s one-shot
 * runs (20 characters of one alphabet per run) — harder than episodes mixing alphabets, whose characters
 * differ more. Each test alphabet with at least `ways` characters gets an equal share of the episodes; the
 * figure pools them. Alphabets with too few characters are left out, and said so.
 */
import type { RunConfig } from '../io/run_config';
import type { EvalResult } from '../meta/learner';
import type { Resume } from '../protocol/training';
import { InputError } from '../runtime/errors';
import { heldOutAlphabets } from '../data/omniglot_split';
import type { Runner } from './runner';

export interface WithinAlphabetResult extends EvalResult {
  perAlphabet: { alphabet: string; episodes: number; mean: number }[];
  skipped: string[];
}

/** The page's refusal of an alphabet with fewer characters than the ways: that alphabet is left out. */
export const tooFewForWays = (e: unknown): boolean =>
  /-way episodes need \d+ classes, but the test alphabets/.test((e as Error).message);

export async function evalWithinAlphabets(
  runner: Runner,
  config: RunConfig,
  resume: Resume,
  episodes: number,
  seed: number,
): Promise<WithinAlphabetResult> {
  const alphabets = heldOutAlphabets(config.alphabets);
  if (!alphabets) {
    throw new InputError('--within-alphabet needs the test alphabets by name: pass --alphabets');
  }
  const share = Math.max(2, Math.ceil(episodes / alphabets.length));
  const values: number[] = [];
  const perAlphabet: WithinAlphabetResult['perAlphabet'] = [];
  const skipped: string[] = [];
  for (const alphabet of alphabets) {
    let r: EvalResult;
    try {
      const one: RunConfig = { ...config, alphabets: alphabet };
      r = await runner.call('evalRun', one, resume, share, seed, 'test');
    } catch (e) {
      // Too few characters for the episode's ways (scoring checks only the test split, this one alphabet).
      if (tooFewForWays(e)) {
        skipped.push(`${alphabet} (${(e as Error).message.replace(/^.*has only /, 'has only ')})`);
        continue;
      }
      throw e;
    }
    values.push(...r.values);
    perAlphabet.push({ alphabet, episodes: r.values.length, mean: r.mean });
  }
  if (!values.length) {
    throw new InputError(
      `--within-alphabet: no test alphabet has ${config.ways} characters for ${config.ways}-way episodes: ${skipped.join('; ')}`,
    );
  }
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return {
    metric: 'accuracy',
    values,
    mean,
    ci95: (1.96 * sd) / Math.sqrt(n),
    alphabets: perAlphabet.map((p) => p.alphabet),
    perAlphabet,
    skipped,
  };
}
