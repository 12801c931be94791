/**
 * `metarnn predict` on a regression model (sinusoid/blackbox, 30 steps of a 2x8 GRU) and on the synthetic
 * forecasting model, as a user runs it: their own x,y support CSV and x (or x,y) query CSV, or a one-column
 * series. Tiny models: this checks the path, the formats and that queries are answered independently, not the
 * predictions' quality. Bad inputs fail before the browser starts, with one line, exit code 2, and write nothing.
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli_helper';

let dir: string;
let run: string;
let support: string;
let query: string;

test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-predict-'));
  run = join(dir, 'sinusoid');
  // A sinusoid task as the model was trained on: amplitude 2, phase 0.5, ten x in [-4.5, 4.5].
  support = file(
    'support.csv',
    'x,y',
    Array.from({ length: 10 }, (_, i) => xy(i - 4.5)),
  );
  query = file('query.csv', 'x', ['-4', '0.5', '2', '4.5']);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const xy = (x: number) => `${x},${(2 * Math.sin(x + 0.5)).toFixed(6)}`;

function file(name: string, header: string, rows: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${header}\n${rows.join('\n')}\n`);
  return path;
}

/** A predict CSV: its header and rows of numbers. */
function parseCsv(text: string): { header: string; rows: number[][] } {
  const [header, ...rows] = text.trim().split('\n');
  return { header, rows: rows.map((r) => r.split(',').map(Number)) };
}

test('train a tiny sinusoid model', async () => {
  const r = await cli(
    'train', '--task', 'sinusoid', '--learner', 'blackbox', '--steps', '30', '--hidden', '8', '--out', run,
  ); // prettier-ignore
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'))).toMatchObject({ shots: 10 });
});

test('predict answers each query x with y_pred, as CSV', async () => {
  const r = await cli('predict', '--checkpoint', run, '--support', support, '--query', query);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/^(note|warning|mse)/m); // 10 support points, all x in range, no y given
  const csv = parseCsv(r.stdout);
  expect(csv.header).toBe('x,y_pred');
  expect(csv.rows.map((row) => row[0])).toEqual([-4, 0.5, 2, 4.5]);
  for (const row of csv.rows) {
    expect(row).toHaveLength(2);
    expect(Number.isFinite(row[1])).toBe(true);
  }
});

test('with y in the query file, --json reports the MSE; a query is answered whatever the others are', async () => {
  const alone = await cli(
    'predict', '--checkpoint', run, '--support', support, '--query', file('two.csv', 'x', ['2']),
  ); // prettier-ignore
  expect(alone.code, alone.stderr).toBe(0);
  const [[, y2]] = parseCsv(alone.stdout).rows;

  // x = 6 lies past the trained range [-5, 5]: predicted, with a warning.
  const withY = file('query-y.csv', 'x,y', [xy(-1), xy(2), xy(6)]);
  const r = await cli('predict', '--checkpoint', run, '--support', support, '--query', withY, '--json');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(
    /^warning: 1 x value\(s\) outside \[-5, 5\], the range the model was trained on \(e\.g\. 6\): predictions there are extrapolation$/m,
  );
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  const j = JSON.parse(r.stdout);
  expect(Object.keys(j).sort()).toEqual(['checkpoint', 'kind', 'mse', 'predictions']);
  expect(j).toMatchObject({ kind: 'regression', checkpoint: run });
  expect(j.predictions.map((p: { x: number }) => p.x)).toEqual([-1, 2, 6]);
  const truth = [-1, 2, 6].map((x) => Number(xy(x).split(',')[1]));
  const mse =
    j.predictions.reduce((a: number, p: { y: number }, i: number) => a + (p.y - truth[i]) ** 2, 0) / 3;
  expect(j.mse).toBeCloseTo(mse, 12);
  // Each query is read after the support set alone: x = 2 gets the same y among others as on its own.
  expect(Math.abs(j.predictions[1].y - y2)).toBeLessThan(1e-6);
});

test('a forecast-task model predicts the next values of a one-column CSV, reading the whole history', async () => {
  const forecast = join(dir, 'forecast');
  const train = await cli('train', '--task', 'forecast', '--steps', '20', '--hidden', '8', '--out', forecast);
  expect(train.code, train.stderr).toBe(0);
  const { queries } = JSON.parse(readFileSync(join(forecast, 'config.json'), 'utf8'));
  // A damped oscillation near 0, in the range of the synthetic series the model was trained on.
  const history = Array.from({ length: 20 }, (_, t) =>
    Number((Math.exp(-t / 15) * Math.cos(t / 2)).toFixed(5)),
  );
  const series = file('series.csv', 'value', history.map(String));
  const r = await cli('predict', '--checkpoint', forecast, '--support', series, '--json');
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j).toMatchObject({ kind: 'forecast', checkpoint: forecast, context: history });
  expect(j.predictions.map((p: { step: number }) => p.step)).toEqual(
    Array.from({ length: queries }, (_, i) => i + 1),
  );
  for (const p of j.predictions) expect(Number.isFinite(p.value)).toBe(true);
});

const bad: { name: string; args: () => string[]; expect: (string | RegExp)[] }[] = [
  {
    name: 'a support CSV without a header',
    args: () => ['--support', file('no-header.csv', '1,2', ['3,4']), '--query', query],
    expect: ['no-header.csv: no column "x" (header: 1,2)', 'the first line must be a header such as x,y'],
  },
  {
    name: 'a non-numeric cell',
    args: () => ['--support', file('word.csv', 'x,y', ['1,2', '2,abc']), '--query', query],
    expect: ['word.csv:3: column y: "abc" is not a number'],
  },
  {
    name: 'a NaN cell',
    args: () => ['--support', file('nan.csv', 'x,y', ['1,2', 'NaN,3']), '--query', query],
    expect: ['nan.csv:3: column x: "NaN" is NaN (not a number); give a finite number'],
  },
  {
    name: 'no --query for a regression model',
    args: () => ['--support', support],
    expect: ['--query FILE is needed for a regression model'],
  },
  {
    name: '--horizon on a regression model',
    args: () => ['--support', support, '--query', query, '--horizon', '2'],
    expect: ['--horizon applies to forecasting models only'],
  },
  {
    name: 'a missing support file',
    args: () => ['--support', join(dir, 'nosuch.csv'), '--query', query],
    expect: [/cannot read .*nosuch\.csv: no such file/],
  },
];

for (const c of bad) {
  test(`predict refuses ${c.name}: one line, exit 2, no output file`, async () => {
    const out = join(dir, `bad-${c.name.replace(/\W+/g, '_')}.csv`);
    const r = await cli('predict', '--checkpoint', run, ...c.args(), '--out', out);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^metarnn: /);
    for (const e of c.expect) expect(lines[0]).toMatch(e);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });
}
