/**
 * Data a task family needs beyond its config, sent into the page before a learner is built: Omniglot's zips
 * or folders are read here (the page cannot read paths) and decoded in the page, once, into GPU-ready images.
 */
import { resolve } from 'node:path';
import { readOmniglotSource } from '../data/omniglot_file';
import type { RunConfig } from '../io/run_config';
import { InputError } from '../runtime/errors';
import type { Runner } from './runner';
import type { OmniglotSummary } from '../protocol/harness';
import {
  checkSplitClasses,
  classifierSplit,
  defaultHeldOut,
  defaultValidation,
  heldOutAlphabets,
  type EvalSplit,
} from '../data/omniglot_split';
import { indexOmniglotSources } from '../data/omniglot_merge';
import { tooFewForWays } from './eval_within';
import { readRegressionTasks, readSeriesPath } from '../data/series_file';
import {
  checkTaskSizes,
  configScaling,
  tableScaling,
  TASK_NAMES,
  type RegressionTask,
} from '../data/regression_tasks';
import { seriesSplit } from '../data/series_split';
import type { NamedSeries } from '../data/series_windows';

/** Omniglot sources read from disk, as zip bytes, in the order given. */
export interface TaskDataFiles {
  names: string[];
  zips: Uint8Array[];
}

/**
 * The paths in `--data` (config.data stays one string in config.json): comma-separated, trimmed, empties
 * dropped. A path named twice is refused rather than merged with itself, since it is most likely a typo.
 */
export function dataPaths(data: string): string[] {
  const paths = data
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (!paths.length) {
    throw new InputError(
      `--data ${JSON.stringify(data)} names no path: give a zip or folder, or several separated by commas`,
    );
  }
  const seen = new Map<string, string>(); // resolved → as given, so that a.zip and ./a.zip are one path
  for (const p of paths) {
    const first = seen.get(resolve(p));
    if (first !== undefined) {
      const twice = first === p ? `${p} twice` : `${first} and ${p}, one path`;
      throw new InputError(`--data names ${twice}: give each zip or folder once`);
    }
    seen.set(resolve(p), p);
  }
  return paths;
}

/**
 * Real series for `--task series`, read and checked here (before any browser starts), with the split
 * resolved into the config: a new run writes the test and validation series it used into config.json, and
 * later `eval`s and resumes keep them whatever the defaults become.
 */
export function readSeriesData(c: RunConfig): NamedSeries[] | null {
  if (c.task !== 'series') return null;
  if (!c.data) {
    throw new InputError(
      '--task series needs --data PATH: a CSV or JSON file of series (a column each, or a column naming ' +
        'the series of each row), or a folder of them',
    );
  }
  const series = readSeriesPath(c.data, { value: c.value, series: c.seriesColumn });
  const split = seriesSplit(
    series.map((s) => s.name),
    c.testSeries,
    c.valSeries,
  );
  c.testSeries = split.test.join(',');
  c.valSeries = split.validation.join(',');
  return series;
}

/**
 * Regression tasks of your own (`--task regression --data DIR`), read and checked here, with the split and
 * the input scaling (the training tasks' statistics) resolved into the config, which predict reads later.
 */
export function readRegressionData(c: RunConfig): RegressionTask[] | null {
  if (c.task !== 'regression') return null;
  if (!c.data) {
    throw new InputError('--task regression needs --data DIR: a folder of CSV files (x,y), one task each');
  }
  const tasks = readRegressionTasks(c.data);
  checkTaskSizes(tasks, c.shots, c.queries);
  const split = seriesSplit(
    tasks.map((t) => t.name),
    c.testTasks,
    c.valTasks,
    TASK_NAMES,
  );
  c.testTasks = split.test.join(',');
  c.valTasks = split.validation.join(',');
  const train = new Set(split.train);
  if (configScaling(c) === null) Object.assign(c, tableScaling(tasks.filter((t) => train.has(t.name))));
  return tasks;
}

/** Reads and checks a run's data before any browser starts; for Omniglot, returns the zips to send. */
export function checkTaskData(c: RunConfig): TaskDataFiles | null {
  if (c.task === 'series') readSeriesData(c);
  if (c.task === 'regression') readRegressionData(c);
  return checkOmniglotData(c);
}

/** How `eval` uses a run's Omniglot data (absent: training), for the checks made before the browser starts. */
export interface Scoring {
  split: EvalSplit;
  withinAlphabet?: boolean;
}

/**
 * The Omniglot zips of an omniglot run, read, with the split and episodes checked on their listings as the
 * page checks them on the loaded images (classifierSplit; training also needs validation classes to choose
 * on): a bad split is refused here in milliseconds rather than after a browser has decoded every image.
 * Copies of a character in two zips that differ only in pixels are still refused by the page, which sees them.
 */
export function checkOmniglotData(c: RunConfig, scoring?: Scoring): TaskDataFiles | null {
  const files = readOmniglotData(c);
  if (!files) return null;
  const sources = files.names.map((name, i) => ({ name, zip: files.zips[i] }));
  const index = indexOmniglotSources(sources, { layout: c.layout });
  if (!scoring) {
    checkSplitClasses(classifierSplit(index, c), 'validation', index.alphabets);
  } else if (!scoring.withinAlphabet) {
    classifierSplit(index, { ...c, scoring: true });
  } else {
    // Each named alphabet is scored as the test split on its own; those too small for the ways are left out.
    for (const alphabets of heldOutAlphabets(c.alphabets) ?? []) {
      try {
        classifierSplit(index, { ...c, alphabets, scoring: true });
      } catch (e) {
        if (!tooFewForWays(e)) throw e;
      }
    }
  }
  return files;
}

/** The zips or folders `--data` names, read (folders packed as zips), for a task that takes them. */
function readOmniglotData(c: RunConfig): TaskDataFiles | null {
  if (c.task !== 'omniglot') return null;
  if (!c.data && c.layout === 'tree') {
    throw new InputError(
      '--task images needs --data PATH: a folder or zip of <class>/<image> or <group>/<class>/<image> ' +
        '(PNG or JPEG), or several separated by commas',
    );
  }
  if (!c.data) {
    throw new InputError(
      '--task omniglot needs --data PATH: an Omniglot zip or folder such as images_background.zip or ' +
        'images_background_small1.zip, or several separated by commas',
    );
  }
  const names = dataPaths(c.data);
  return { names, zips: names.map((n) => readOmniglotSource(n, c.layout)) };
}

/** Sends the run's data into the page; for Omniglot, returns what was loaded (alphabets, counts). */
export async function loadTaskData(runner: Runner, c: RunConfig): Promise<OmniglotSummary | null> {
  const tasks = readRegressionData(c);
  if (tasks) {
    await runner.call('tablesLoad', tasks);
    return null;
  }
  const series = readSeriesData(c);
  if (series) {
    await runner.call('seriesLoad', series);
    return null;
  }
  const files = readOmniglotData(c);
  if (!files) return null;
  const base64 = files.zips.map((z) => Buffer.from(z).toString('base64'));
  return runner.call('omniglotLoad', base64, files.names, c.layout);
}

/**
 * Writes the split a new Omniglot run will use into its config (test and validation alphabets, defaults
 * resolved on the loaded data), so that config.json says which alphabets the run may never train or choose
 * on, and later `eval`s and resumes use that split whatever the defaults become.
 */
export function resolveSplit(c: RunConfig, data: OmniglotSummary): void {
  const test = heldOutAlphabets(c.alphabets) ?? defaultHeldOut(data);
  c.alphabets = test.join(',');
  c.valAlphabets ??= defaultValidation(data, test).join(',');
}
