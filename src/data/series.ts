/**
 * Time series from a CSV/TSV table or a JSON array of records, in the layouts public data comes in (e.g.
 * vega-datasets' stocks.csv, `symbol,date,price`, and unemployment-across-industries.json, records of
 * `series, year, month, count, rate, date`). Pure, like csv.ts: series_file.ts reads paths in Node.
 *
 * Layouts, chosen from the columns:
 * - long: a series column (`series`, `symbol`, `name` or `id`) groups rows into series in order of first
 *   appearance; the rows of a series are kept in file order, which is taken to be time order;
 * - wide: no series column, several value columns: each column is a series named by the column;
 * - single: no series column, one value column: one series named by the file's stem.
 */
import { InputError } from '../runtime/errors';
import { cellNumber, listNames, parseCsv, show } from './csv';

export interface Series {
  name: string;
  values: number[];
}

export interface SeriesOptions {
  /** The column holding the values (the CLI's --value). */
  value?: string;
  /** The column naming each row's series (the CLI's --series). */
  series?: string;
}

/** Column names taken as the series column, in this order of preference (matched without case). */
const SERIES_COLUMNS = ['series', 'symbol', 'name', 'id'];
/** Columns that hold the time axis rather than a value, however numeric (matched without case). */
const TIME_COLUMNS = new Set(['time', 'date', 'year', 'month', 'day', 'week', 'timestamp', 't']);

/** CSV rows and JSON records behind one interface, so that the layouts are read one way. */
interface Records {
  file: string;
  columns: string[];
  count: number;
  /** A CSV cell (string), a JSON value, or undefined where a record has no such key. */
  cell(row: number, column: string): unknown;
  /** Where a row is, for messages: `file:line` or `file: record n of N`. */
  where(row: number): string;
}

/** The file name without folders and extension: the name of a file's only series. */
export function fileStem(file: string): string {
  const base = file.replace(/^.*[\\/]/, '');
  return base.replace(/\.[^.]*$/, '') || base;
}

function csvRecords(text: string, file: string): Records {
  const table = parseCsv(text, file);
  const index = new Map(table.header.map((name, c) => [name, c]));
  return {
    file,
    columns: table.header,
    count: table.rows.length,
    cell: (row, column) => table.rows[row][index.get(column)!],
    where: (row) => `${file}:${table.lines[row]}`,
  };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${show(String(v))}`;
}

const RECORDS_EXAMPLE = 'give an array of records such as [{"date": "2000-01-01", "value": 1.5}, …]';

function jsonRecords(text: string, file: string): Records {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new InputError(
      `${file}: not valid JSON (${(e as Error).message.split('\n')[0]}); ${RECORDS_EXAMPLE}`,
    );
  }
  if (!Array.isArray(raw)) throw new InputError(`${file}: the JSON is ${describe(raw)}; ${RECORDS_EXAMPLE}`);
  const records = raw as Record<string, unknown>[];
  const columns = new Set<string>();
  records.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new InputError(
        `${file}: record ${i + 1} of ${records.length} is ${describe(r)}; ${RECORDS_EXAMPLE}`,
      );
    }
    for (const key of Object.keys(r)) columns.add(key);
  });
  return {
    file,
    columns: [...columns],
    count: records.length,
    cell: (row, column) => (Object.hasOwn(records[row], column) ? records[row][column] : undefined),
    where: (row) => `${file}: record ${row + 1} of ${records.length}`,
  };
}

/** A value as a finite number, or why it is not one (to follow "column x: "). */
function valueOf(v: unknown): number | string {
  if (typeof v === 'string') return cellNumber(v);
  if (typeof v === 'number') {
    return Number.isFinite(v) ? v : `${v} is too large (overflows to Infinity); give a finite number`;
  }
  if (v === undefined) return 'missing; every record needs a value';
  return `${describe(v)} is not a number`;
}

/** A column: numeric when at least half its cells are numbers, so that a bad cell is reported, not skipped. */
function isNumeric(records: Records, column: string): boolean {
  let numbers = 0;
  for (let r = 0; r < records.count; r++) if (typeof valueOf(records.cell(r, column)) === 'number') numbers++;
  return numbers > 0 && numbers * 2 >= records.count;
}

const key = (name: string) => name.trim().toLowerCase();

/** An option's column, which must exist as written. */
function named(records: Records, column: string, option: string): string {
  if (records.columns.includes(column)) return column;
  throw new InputError(
    `${records.file}: no column "${column}" (columns: ${listNames(records.columns, ', ')}); ${option} must ` +
      'name one of them',
  );
}

function valuesOf(records: Records, column: string, rows: Iterable<number>): number[] {
  const out: number[] = [];
  for (const r of rows) {
    const v = valueOf(records.cell(r, column));
    if (typeof v === 'string') throw new InputError(`${records.where(r)}: column ${column}: ${v}`);
    out.push(v);
  }
  return out;
}

function seriesName(records: Records, row: number, column: string): string {
  const v = records.cell(row, column);
  const name = typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '';
  if (!name) {
    throw new InputError(
      `${records.where(row)}: column ${column}: ${v === '' ? 'empty' : describe(v)}; every row needs the ` +
        'name of its series (a string)',
    );
  }
  return name;
}

/** The value column(s), by options, by name, or as the only numeric non-time column left. */
function valueColumns(records: Records, seriesColumn: string | undefined, opts: SeriesOptions): string[] {
  if (opts.value !== undefined) {
    const column = named(records, opts.value, '--value');
    if (column === seriesColumn) {
      throw new InputError(
        `${records.file}: --value ${column} is also the series column; give another column for the values`,
      );
    }
    return [column];
  }
  const byName = records.columns.find((c) => key(c) === 'value' && c !== seriesColumn);
  if (byName !== undefined) return [byName];
  const candidates = records.columns.filter(
    (c) => c !== seriesColumn && !TIME_COLUMNS.has(key(c)) && isNumeric(records, c),
  );
  if (!candidates.length) {
    throw new InputError(
      `${records.file}: no numeric column to read values from (columns: ${listNames(records.columns, ', ')}); ` +
        'give --value NAME',
    );
  }
  if (seriesColumn !== undefined && candidates.length > 1) {
    throw new InputError(
      `${records.file}: more than one column could hold the values (candidates ${candidates.join(', ')}); ` +
        'give --value NAME',
    );
  }
  return candidates;
}

/** The series in a CSV/TSV (by parseCsv) or JSON (by extension, or text starting with `[`) file's text. */
export function parseSeries(text: string, file: string, opts: SeriesOptions = {}): Series[] {
  const json = /\.json$/i.test(file) || (!/\.[ct]sv$/i.test(file) && /^\uFEFF?\s*\[/.test(text));
  const records = json ? jsonRecords(text, file) : csvRecords(text, file);
  if (!records.count) {
    throw new InputError(
      json
        ? `${file}: no records in the array; ${RECORDS_EXAMPLE}`
        : `${file}: no data rows after the header`,
    );
  }
  const seriesColumn =
    opts.series !== undefined
      ? named(records, opts.series, '--series')
      : SERIES_COLUMNS.map((s) => records.columns.find((c) => key(c) === s)).find((c) => c !== undefined);
  const columns = valueColumns(records, seriesColumn, opts);
  let out: Series[];
  if (seriesColumn !== undefined) {
    const groups = new Map<string, number[]>();
    for (let r = 0; r < records.count; r++) {
      const name = seriesName(records, r, seriesColumn);
      const rows = groups.get(name);
      if (rows) rows.push(r);
      else groups.set(name, [r]);
    }
    out = [...groups].map(([name, rows]) => ({ name, values: valuesOf(records, columns[0], rows) }));
  } else {
    const all = Array.from({ length: records.count }, (_, r) => r);
    out = columns.map((c) => ({
      name: columns.length === 1 ? fileStem(file) : c,
      values: valuesOf(records, c, all),
    }));
  }
  const short = out.find((s) => s.values.length < 2);
  if (short) {
    throw new InputError(
      `${file}: series "${short.name}" has only ${short.values.length} value; a series needs at least 2 ` +
        '(one row per time step)',
    );
  }
  return out;
}
