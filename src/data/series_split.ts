/**
 * Real series split by name into train / validation / test, as Omniglot is split by alphabet: a run trains
 * on the training series, chooses its checkpoint on the validation series and is scored once on the test
 * series, which it never reads while training. The default split is a fixed shuffle of the sorted names
 * (the same for every seed, so runs are comparable); a new run writes the names it used into config.json.
 */
import { InputError } from '../runtime/errors';
import { rng } from '../layout/random';

export interface SeriesSplit {
  train: string[];
  validation: string[];
  test: string[];
}

/** Names in a comma-separated list as given (trimmed, empties dropped); undefined when absent. */
export function seriesList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length ? names : undefined;
}

/** How a task family names what it splits, for messages: series (default) or regression tasks. */
export interface SplitNames {
  task: string;
  noun: string;
  test: string;
  val: string;
  more: string;
}

export const SERIES_NAMES: SplitNames = {
  task: 'series',
  noun: 'series',
  test: '--test-series',
  val: '--val-series',
  more: 'give more series (columns, groups or files)',
};

/** About a quarter of the series for test and a fifth for validation, one each at least. */
export function defaultSeriesSplit(
  names: string[],
  o: SplitNames = SERIES_NAMES,
): { test: string[]; validation: string[] } {
  if (names.length < 3) {
    throw new InputError(
      `--task ${o.task} needs at least 3 ${o.noun} (train, validation, test) and the data holds ${names.length}` +
        `${names.length ? ` (${names.join(', ')})` : ''}: ${o.more}`,
    );
  }
  const order = [...names].sort();
  const rand = rng(0x5e41e5);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTest = Math.max(1, Math.round(names.length / 4));
  const nVal = Math.max(1, Math.round(names.length / 5));
  return { test: order.slice(0, nTest), validation: order.slice(nTest, nTest + nVal) };
}

/**
 * The split of `names` given test and validation lists (comma-separated; absent: the default split). Names
 * must exist, appear once, and leave at least one training series.
 */
export function seriesSplit(
  names: string[],
  test?: string,
  validation?: string,
  o: SplitNames = SERIES_NAMES,
): SeriesSplit {
  const known = new Set(names);
  const dflt = defaultSeriesSplit(names, o);
  const pick = (list: string | undefined, option: string, fallback: string[]) => {
    const chosen = seriesList(list) ?? fallback;
    for (const n of chosen) {
      if (!known.has(n)) {
        throw new InputError(
          `${option}: no ${o.noun} named ${JSON.stringify(n)} in the data; ${o.noun} are: ${names.join(', ')}`,
        );
      }
    }
    if (new Set(chosen).size !== chosen.length) {
      throw new InputError(`${option} ${list}: names one of the ${o.noun} twice`);
    }
    return chosen;
  };
  const t = pick(test, o.test, dflt.test);
  const v = pick(
    validation,
    o.val,
    dflt.validation.filter((n) => !t.includes(n)),
  );
  const both = v.filter((n) => t.includes(n));
  if (both.length) {
    throw new InputError(
      `${both.join(', ')} both in ${o.test} and ${o.val}: each of the ${o.noun} belongs to one split`,
    );
  }
  if (!v.length) {
    throw new InputError(`no validation ${o.noun} left: name one with ${o.val}`);
  }
  const train = names.filter((n) => !t.includes(n) && !v.includes(n));
  if (!train.length) {
    throw new InputError(
      `no ${o.noun} left to train on (test: ${t.join(', ')}; validation: ${v.join(', ')}): name fewer`,
    );
  }
  return { train, validation: v, test: t };
}
