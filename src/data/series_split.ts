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

/** About a quarter of the series for test and a fifth for validation, one each at least. */
export function defaultSeriesSplit(names: string[]): { test: string[]; validation: string[] } {
  if (names.length < 3) {
    throw new InputError(
      `--task series needs at least 3 series (train, validation, test) and the data holds ${names.length}` +
        `${names.length ? ` (${names.join(', ')})` : ''}: give more series (columns, groups or files)`,
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
export function seriesSplit(names: string[], test?: string, validation?: string): SeriesSplit {
  const known = new Set(names);
  const dflt = defaultSeriesSplit(names);
  const pick = (list: string | undefined, option: string, fallback: string[]) => {
    const chosen = seriesList(list) ?? fallback;
    for (const n of chosen) {
      if (!known.has(n)) {
        throw new InputError(
          `${option}: no series named ${JSON.stringify(n)} in the data; series are: ${names.join(', ')}`,
        );
      }
    }
    if (new Set(chosen).size !== chosen.length) {
      throw new InputError(`${option} ${list}: names a series twice`);
    }
    return chosen;
  };
  const t = pick(test, '--test-series', dflt.test);
  const v = pick(
    validation,
    '--val-series',
    dflt.validation.filter((n) => !t.includes(n)),
  );
  const both = v.filter((n) => t.includes(n));
  if (both.length) {
    throw new InputError(
      `series ${both.join(', ')} both in --test-series and --val-series: a series belongs to one split`,
    );
  }
  if (!v.length) {
    throw new InputError('no validation series left: name one with --val-series');
  }
  const train = names.filter((n) => !t.includes(n) && !v.includes(n));
  if (!train.length) {
    throw new InputError(
      `no series left to train on (test: ${t.join(', ')}; validation: ${v.join(', ')}): name fewer`,
    );
  }
  return { train, validation: v, test: t };
}
