/**
 * Node-only: reads series and x,y sets from paths the user gives (the page hands their text to series.ts
 * and csv.ts instead). Kept apart from those so that the page bundle never imports node:fs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileErrorReason, InputError } from '../runtime/errors';
import { readXY, type XY } from './csv';
import { fileStem, parseSeries, type Series, type SeriesOptions } from './series';
import type { RegressionTask } from './regression_tasks';

/** A table this big is not a few-shot data set but a mistake (a wrong path, a binary): refused unread. */
export const MAX_TABLE_BYTES = 64 << 20;

const TABLE_FILE = /\.(csv|tsv|json)$/i;

/** A file's text, after checking that it is a file and not over MAX_TABLE_BYTES. */
function readTable(path: string, what: string): string {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError(`cannot read ${path}: is a directory (give ${what})`);
    if (st.size > MAX_TABLE_BYTES) {
      throw new InputError(
        `cannot read ${path}: ${st.size} bytes, over the ${MAX_TABLE_BYTES >> 20} MiB limit for ${what}`,
      );
    }
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${path}: ${fileErrorReason(e)}`);
  }
}

/** The .csv/.tsv/.json files of a directory, sorted by name; dotfiles and subdirectories are left out. */
function tableFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new InputError(`cannot read ${dir}: ${fileErrorReason(e)}`);
  }
  const files = names.filter((n) => !n.startsWith('.') && TABLE_FILE.test(n)).map((n) => join(dir, n));
  const found = files.filter((f) => {
    try {
      return !statSync(f).isDirectory();
    } catch {
      return true; // a broken link: readTable says why it cannot be read
    }
  });
  if (!found.length) {
    throw new InputError(
      `cannot read ${dir}: a directory with no .csv, .tsv or .json files in it (${names.length} other ` +
        'entries); give a series file or a directory of them',
    );
  }
  return found;
}

/** Whether `path` is a directory; a path that cannot be read is an InputError saying why. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    const reason =
      (e as { code?: string }).code === 'ENOENT' ? 'no such file or directory' : fileErrorReason(e);
    throw new InputError(`cannot read ${path}: ${reason}`);
  }
}

/**
 * The series in a file (.csv/.tsv/.json, named as parseSeries names them) or in a directory of such files.
 * In a directory, a file's only series is named by the file's stem and a file's several series
 * `stem/name`, so that names say where a series came from; a name met twice is refused.
 */
export function readSeriesPath(path: string, opts: SeriesOptions = {}): Series[] {
  const dir = isDirectory(path);
  const what = 'a .csv, .tsv or .json series file';
  if (!dir) return parseSeries(readTable(path, what), path, opts);
  const out: Series[] = [];
  const from = new Map<string, string>();
  for (const file of tableFiles(path)) {
    const stem = fileStem(file);
    const series = parseSeries(readTable(file, what), file, opts);
    for (const s of series) {
      const name = series.length === 1 ? stem : `${stem}/${s.name}`;
      const before = from.get(name);
      if (before !== undefined) {
        throw new InputError(
          `${path}: series "${name}" comes from both ${before} and ${file}; rename one of the files`,
        );
      }
      from.set(name, file);
      out.push({ name, values: s.values });
    }
  }
  return out;
}

/** A regression set from an x,y CSV file, as readXY reads it. */
export function readXYFile(path: string, opts: { y: 'required' | 'optional' }): XY {
  return readXY(readTable(path, 'a .csv file with x,y columns'), path, opts);
}

/**
 * Regression tasks of your own: every .csv/.tsv file of a directory (x,y with a header) is one task, named by
 * its file's stem (`train --task regression --data DIR`).
 */
export function readRegressionTasks(dir: string): RegressionTask[] {
  if (!isDirectory(dir)) {
    throw new InputError(
      `--task regression needs a folder of CSV files (x,y), one task each; ${dir} is a file`,
    );
  }
  const files = tableFiles(dir).filter((f) => !/\.json$/i.test(f));
  const seen = new Map<string, string>();
  return files.map((file) => {
    const name = fileStem(file);
    const before = seen.get(name);
    if (before !== undefined) throw new InputError(`${dir}: task "${name}" is both ${before} and ${file}`);
    seen.set(name, file);
    const xy = readXYFile(file, { y: 'required' });
    return { name, x: xy.x, y: xy.y! };
  });
}
