/**
 * Time series from text (long, wide and single layouts; CSV, TSV and JSON) and from paths (a file, a
 * directory of files), with the errors a user meets: an ambiguous value column, a bad value, a short series,
 * a missing path, a directory without tables, names met twice, a file too big to read.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parseSeries } from '../src/data/series';
import { MAX_TABLE_BYTES, readSeriesPath, readXYFile } from '../src/data/series_file';
import { InputError } from '../src/runtime/errors';

function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected an InputError, got a result');
}

const STOCKS =
  'symbol,date,price\nMSFT,Jan 1 2000,39.81\nAAPL,Jan 1 2000,25.94\nMSFT,Feb 1 2000,36.35\nAAPL,Feb 1 2000,28.66\nMSFT,Mar 1 2000,43.22\n';

const UNEMPLOYMENT = JSON.stringify([
  { series: 'Government', year: 2000, month: 1, count: 430, rate: 2.1, date: '2000-01-01T08:00:00.000Z' },
  { series: 'Government', year: 2000, month: 2, count: 409, rate: 2, date: '2000-02-01T08:00:00.000Z' },
  { series: 'Mining', year: 2000, month: 1, count: 19, rate: 3.9, date: '2000-01-01T08:00:00.000Z' },
  { series: 'Mining', year: 2000, month: 2, count: 25, rate: 5.5, date: '2000-02-01T08:00:00.000Z' },
]);

test('long layout: series in order of first appearance, rows in file order', () => {
  expect(parseSeries(STOCKS, 'stocks.csv')).toEqual([
    { name: 'MSFT', values: [39.81, 36.35, 43.22] },
    { name: 'AAPL', values: [25.94, 28.66] },
  ]);
  // --series picks a column that is not one of the usual names; `value` is taken by name.
  const text = 'region\tweek\tvalue\tother\nN\t1\t5\t0\nS\t1\t6\t0\nN\t2\t7\t0\nS\t2\t8\t0\n';
  expect(parseSeries(text, 'r.tsv', { series: 'region' })).toEqual([
    { name: 'N', values: [5, 7] },
    { name: 'S', values: [6, 8] },
  ]);
});

test('JSON records in the unemployment-across-industries layout, with --value', () => {
  expect(parseSeries(UNEMPLOYMENT, 'unemployment.json', { value: 'rate' })).toEqual([
    { name: 'Government', values: [2.1, 2] },
    { name: 'Mining', values: [3.9, 5.5] },
  ]);
  expect(parseSeries(UNEMPLOYMENT, 'pasted', { value: 'count' })[1]).toEqual({
    name: 'Mining',
    values: [19, 25],
  });
});

test('ambiguous value column: the candidates and the fix', () => {
  expect(inputError(() => parseSeries(UNEMPLOYMENT, 'unemployment.json'))).toBe(
    'unemployment.json: more than one column could hold the values (candidates count, rate); give --value NAME',
  );
  expect(inputError(() => parseSeries(UNEMPLOYMENT, 'u.json', { value: 'ratio' }))).toContain(
    'u.json: no column "ratio" (columns: series, year, month, count, rate, date); --value must name one of them',
  );
  expect(inputError(() => parseSeries(STOCKS, 's.csv', { series: 'ticker' }))).toContain(
    'no column "ticker"',
  );
  expect(inputError(() => parseSeries('symbol,date\nA,1\nA,2\n', 's.csv'))).toContain(
    's.csv: no numeric column to read values from (columns: symbol, date); give --value NAME',
  );
});

test('wide layout: one series per numeric column; single layout: one series named by the file stem', () => {
  const wide = 'date,MSFT,AAPL,note\n2000-01,39.81,25.94,a\n2000-02,36.35,28.66,b\n';
  expect(parseSeries(wide, 'data/prices.csv')).toEqual([
    { name: 'MSFT', values: [39.81, 36.35] },
    { name: 'AAPL', values: [25.94, 28.66] },
  ]);
  expect(parseSeries(wide, 'data/prices.csv', { value: 'AAPL' })).toEqual([
    { name: 'prices', values: [25.94, 28.66] },
  ]);
  expect(parseSeries('t,y\n0,1\n1,2\n2,4\n', '/tmp/growth.v2.csv')).toEqual([
    { name: 'growth.v2', values: [1, 2, 4] },
  ]);
  const records = [
    { time: 1, level: 3 },
    { time: 2, level: 4 },
  ];
  expect(parseSeries(JSON.stringify(records), 'C:\\data\\level.json')).toEqual([
    { name: 'level', values: [3, 4] },
  ]);
});

test('bad values, short series and bad JSON name the file, the row and the value', () => {
  expect(inputError(() => parseSeries('symbol,price\nA,1\nA,x\n', 'p.csv'))).toBe(
    'p.csv:3: column price: "x" is not a number',
  );
  const json = JSON.stringify([
    { series: 'A', rate: 1 },
    { series: 'A', rate: null },
  ]);
  expect(inputError(() => parseSeries(json, 'n.json', { value: 'rate' }))).toBe(
    'n.json: record 2 of 2: column rate: null is not a number',
  );
  const missing = JSON.stringify([{ series: 'A', rate: 1 }, { series: 'A' }]);
  expect(inputError(() => parseSeries(missing, 'm.json', { value: 'rate' }))).toContain(
    'm.json: record 2 of 2: column rate: missing',
  );
  expect(inputError(() => parseSeries('symbol,price\nA,1\nA,2\nB,3\n', 'p.csv'))).toContain(
    'p.csv: series "B" has only 1 value; a series needs at least 2',
  );
  expect(inputError(() => parseSeries('symbol,price\nA,1\n,2\n', 'p.csv'))).toContain(
    'p.csv:3: column symbol: empty',
  );
  expect(inputError(() => parseSeries('[{"a":1},', 'b.json'))).toMatch(/^b\.json: not valid JSON \(/);
  expect(inputError(() => parseSeries('{"a":[1,2]}', 'o.json'))).toContain('o.json: the JSON is an object');
  expect(inputError(() => parseSeries('[{"v":1},3]', 'o.json'))).toContain(
    'o.json: record 2 of 2 is number "3"',
  );
  expect(inputError(() => parseSeries('[]', 'e.json'))).toContain('e.json: no records in the array');
  expect(inputError(() => parseSeries('symbol,price\n', 'e.csv'))).toBe(
    'e.csv: no data rows after the header',
  );
});

const VEGA = join('node_modules', 'vega-datasets', 'data');

test('vega-datasets: unemployment-across-industries.json and stocks.csv', () => {
  const unemployment = join(VEGA, 'unemployment-across-industries.json');
  test.skip(
    !existsSync(unemployment),
    `${unemployment} not found (npm install adds vega-datasets, a devDependency)`,
  );
  const industries = readSeriesPath(unemployment, { value: 'rate' });
  expect(industries).toHaveLength(14);
  const lengths = new Set(industries.map((s) => s.values.length));
  expect(lengths.size).toBe(1);
  expect([...lengths][0]).toBeGreaterThan(100);
  expect(industries[0]).toMatchObject({ name: 'Government' });
  expect(inputError(() => readSeriesPath(unemployment))).toContain('candidates count, rate');
  const stocks = parseSeries(readFileSync(join(VEGA, 'stocks.csv'), 'utf8'), 'stocks.csv');
  expect(stocks.map((s) => s.name)).toEqual(['MSFT', 'AMZN', 'IBM', 'GOOG', 'AAPL']);
});

test('readSeriesPath: a file, a directory of files, and their errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-series-'));
  try {
    writeFileSync(join(dir, 'b_stocks.csv'), STOCKS);
    writeFileSync(
      join(dir, 'a_level.json'),
      JSON.stringify([
        { t: 0, level: 1 },
        { t: 1, level: 2 },
      ]),
    );
    writeFileSync(join(dir, 'notes.txt'), 'not a table');
    writeFileSync(join(dir, '.hidden.csv'), 'broken"');
    mkdirSync(join(dir, 'sub.csv')); // a directory with a table's name is not a table
    expect(readSeriesPath(dir).map((s) => s.name)).toEqual(['a_level', 'b_stocks/MSFT', 'b_stocks/AAPL']);
    expect(readSeriesPath(join(dir, 'b_stocks.csv')).map((s) => s.name)).toEqual(['MSFT', 'AAPL']);

    writeFileSync(join(dir, 'a_level.csv'), 't,level\n0,1\n1,2\n');
    expect(inputError(() => readSeriesPath(dir))).toBe(
      `${dir}: series "a_level" comes from both ${join(dir, 'a_level.csv')} and ${join(dir, 'a_level.json')}; ` +
        'rename one of the files',
    );
    rmSync(join(dir, 'a_level.csv'));

    symlinkSync(join(dir, 'nowhere.csv'), join(dir, 'c_link.csv'));
    expect(inputError(() => readSeriesPath(dir))).toBe(
      `cannot read ${join(dir, 'c_link.csv')}: no such file`,
    );
    rmSync(join(dir, 'c_link.csv'));

    writeFileSync(join(dir, 'd_bad.tsv'), 'name\tvalue\nA\t1\nA\tNaN\n');
    expect(inputError(() => readSeriesPath(dir))).toContain(
      `${join(dir, 'd_bad.tsv')}:3: column value: "NaN" is NaN`,
    );
    rmSync(join(dir, 'd_bad.tsv'));

    const huge = join(dir, 'huge.csv');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_TABLE_BYTES + 1); // sparse: nothing is written, and nothing may be read
    expect(inputError(() => readSeriesPath(huge))).toBe(
      `cannot read ${huge}: ${MAX_TABLE_BYTES + 1} bytes, over the 64 MiB limit for a .csv, .tsv or .json series file`,
    );
    expect(inputError(() => readXYFile(huge, { y: 'required' }))).toContain('over the 64 MiB limit');
    rmSync(huge);

    expect(inputError(() => readSeriesPath(join(dir, 'missing')))).toBe(
      `cannot read ${join(dir, 'missing')}: no such file or directory`,
    );
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'readme.md'), '');
    expect(inputError(() => readSeriesPath(empty))).toContain(
      `cannot read ${empty}: a directory with no .csv, .tsv or .json files in it`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readXYFile: an x,y file by path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-xy-'));
  try {
    const file = join(dir, 'support.csv');
    writeFileSync(file, 'x,y\n0,1\n1,3\n');
    expect(readXYFile(file, { y: 'required' })).toEqual({ x: [0, 1], y: [1, 3] });
    expect(inputError(() => readXYFile(dir, { y: 'optional' }))).toBe(
      `cannot read ${dir}: is a directory (give a .csv file with x,y columns)`,
    );
    expect(inputError(() => readXYFile(join(dir, 'query.csv'), { y: 'optional' }))).toBe(
      `cannot read ${join(dir, 'query.csv')}: no such file`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
