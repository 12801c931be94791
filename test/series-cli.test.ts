/**
 * `--task series` from the CLI end to end on a small wide CSV (six sine series of 40 steps): train resolves the
 * split into config.json, `eval` scores the test (or validation) series beside the last-value and
 * seasonal-naive forecasts, and `predict` forecasts a user's series from its last `shots` values. A 1x8 GRU
 * and 40 steps: this checks the path and the bookkeeping, not the forecasts. Bad inputs fail before the
 * browser starts, with one line, exit code 2, and write nothing.
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { windowInterval } from '../src/data/forecast_intervals';
import type { ForecastScores } from '../src/meta/learner';
import { cli, type Ran } from './cli_helper';

type PerSeries = ForecastScores['forecasters'][number]['perSeries'][number];

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
const ROWS = 40;
const CONTEXT = 8; // --shots
const HORIZON = 3; // --queries
const MODEL = ['--shots', String(CONTEXT), '--queries', String(HORIZON), '--hidden', '8'];

let dir: string;
let data: string;
let run: string;
/** The values of each series as the CLI reads them (the CSV holds them to 4 decimals). */
const values: Record<string, number[]> = {};

test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-series-'));
  data = join(dir, 'wide.csv');
  run = join(dir, 'run');
  NAMES.forEach((name, k) => {
    values[name] = Array.from({ length: ROWS }, (_, t) =>
      Number((10 * (k + 1) + (1 + k / 2) * Math.sin((2 * Math.PI * t) / (6 + k) + k)).toFixed(4)),
    );
  });
  const rows = Array.from({ length: ROWS }, (_, t) => [t, ...NAMES.map((n) => values[n][t])].join(','));
  writeFileSync(data, `time,${NAMES.join(',')}\n${rows.join('\n')}\n`);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const names = (list: string) => list.split(',');
const readConfig = () => JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** One line on stderr, `metarnn: …`, exit code 2. */
function refused(r: Ran, ...expected: (string | RegExp)[]): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^metarnn: /);
  for (const e of expected) expect(lines[0]).toMatch(e);
}

/**
 * The last-value forecast's error on one held-out series, worked out here rather than through src/: every
 * origin in the last third (⌊2n/3⌋ on) whose horizon fits, its MSE raw and divided by the context's variance.
 */
function lastValueErrors(v: number[]): { windows: number; rawMse: number; mse: number; raw: number[] } {
  const raw: number[] = [];
  const std: number[] = [];
  for (
    let origin = Math.max(CONTEXT, Math.floor((2 * v.length) / 3));
    origin + HORIZON <= v.length;
    origin++
  ) {
    const ctx = v.slice(origin - CONTEXT, origin);
    const m = mean(ctx);
    const variance = mean(ctx.map((x) => (x - m) ** 2));
    const e = mean(v.slice(origin, origin + HORIZON).map((y) => (y - ctx[CONTEXT - 1]) ** 2));
    raw.push(e);
    std.push(e / variance);
  }
  return { windows: raw.length, rawMse: mean(raw), mse: mean(std), raw };
}

test('train --task series writes the resolved test and validation series into config.json', async () => {
  const r = await cli(
    'train', '--task', 'series', '--data', data, ...MODEL, '--steps', '40', '--eval-every', '20', '--out', run,
  ); // prettier-ignore
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(join(run, 'checkpoint.safetensors'))).toBe(true);
  const config = readConfig();
  expect(config).toMatchObject({
    task: 'series',
    learner: 'blackbox',
    shots: CONTEXT,
    queries: HORIZON,
    data,
  });
  const [testSeries, valSeries] = [names(config.testSeries), names(config.valSeries)];
  // The default split of 6 series: a quarter (rounded) for test, a fifth for validation, 3 left to train on.
  expect(testSeries).toHaveLength(2);
  expect(valSeries).toHaveLength(1);
  for (const n of [...testSeries, ...valSeries]) expect(NAMES).toContain(n);
  expect(new Set([...testSeries, ...valSeries]).size).toBe(3);
  // Validation every 20 steps, on the validation series' windows.
  const evals = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => 'metric' in l);
  expect(evals.map((l) => l.step)).toEqual([20, 40]);
  for (const l of evals) expect(l).toMatchObject({ metric: 'mse', tasks: lastValueErrors(values.a).windows });
});

test('eval --json scores the test series beside the last-value and seasonal-naive forecasts', async () => {
  const config = readConfig();
  const r = await cli('eval', '--checkpoint', run, '--json');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  const j = JSON.parse(r.stdout);
  expect(j).toMatchObject({
    task: 'series',
    learner: 'blackbox',
    shots: CONTEXT,
    metric: 'mse',
    split: 'test',
  });
  const f = j.forecast;
  expect([...f.series].sort()).toEqual(names(config.testSeries).sort());
  expect(f.forecasters.map((x: { name: string }) => x.name)).toEqual(['model', 'lastValue', 'seasonalNaive']);
  // Every window of the test series' last thirds is scored, the same ones for every forecaster.
  const expected = Object.fromEntries(f.series.map((s: string) => [s, lastValueErrors(values[s])]));
  const windows = f.series.reduce((n: number, s: string) => n + expected[s].windows, 0);
  expect(f.windows).toBe(windows);
  expect(j.episodes).toBe(windows);
  const [model, last, seasonal] = f.forecasters;
  expect(j.mean).toBe(model.mse.mean);
  expect(j.ci95).toBe(model.mse.ci95);
  for (const x of f.forecasters) {
    expect(x.perSeries.map((p: { series: string }) => p.series)).toEqual(f.series);
    for (const p of x.perSeries) {
      expect(p.windows).toBe(expected[p.series].windows);
      expect(Number.isFinite(p.mse) && Number.isFinite(p.rawMse)).toBe(true);
    }
  }
  // The last-value baseline, recomputed here from the data: per series in its units and standardised.
  // Its own-unit interval is over windows that overlap (consecutive origins, a 3-step horizon), and its
  // difference from the model is paired window by window.
  last.perSeries.forEach((p: PerSeries, k: number) => {
    const raw = expected[p.series].raw;
    expect(p.rawMse).toBeCloseTo(expected[p.series].rawMse, 9);
    expect(p.mse).toBeCloseTo(expected[p.series].mse, 9);
    const places = raw.map((_: number, origin: number) => ({ series: 0, origin }));
    expect(p.rawCi95).toBeCloseTo(windowInterval(raw, places, HORIZON).ci95, 9);
    expect(p.rawMinusModel!.mean).toBeCloseTo(p.rawMse - model.perSeries[k].rawMse, 9);
    expect(p.rawMinusModel!.ci95).toBeGreaterThan(0);
  });
  expect(model.perSeries[0].rawMinusModel).toBeUndefined();
  // The test series are columns of one table: the pooled intervals pair their windows by date as well.
  expect(f.horizon).toBe(HORIZON);
  expect(f.acrossSeries).toBe(f.series.length > 1);
  // A context of 8 is shorter than the default season (12): seasonal naive falls back to the last value.
  expect(seasonal.perSeries).toEqual(last.perSeries);
});

test('eval --split validation scores the validation series, as the run logged at its last step', async () => {
  const config = readConfig();
  const r = await cli('eval', '--checkpoint', run, '--split', 'validation');
  expect(r.code, r.stderr).toBe(0);
  const logged = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const last = logged.filter((l) => 'metric' in l).at(-1);
  const val = names(config.valSeries);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toBe(
    `series / blackbox, ${CONTEXT}-shot, step 40: mse ${last.mean.toPrecision(4)} ± ${last.ci95.toPrecision(2)} ` +
      `(95% interval over ${last.tasks} validation windows of ${val.join(', ')}, standardised by each ` +
      "window's context)",
  );
  // formatForecasters: the three forecasters on the same windows, then each series in its own units.
  expect(lines[1]).toBe(
    `standardised MSE (the same windows; 95% intervals over windows that overlap, ${config.queries}-step ` +
      `horizon${val.length > 1 ? ', the series paired by date' : ''}):`,
  );
  expect(lines.slice(2, 5).map((l) => l.trim().split(/\s+/)[0])).toEqual([
    'model',
    'lastValue',
    'seasonalNaive',
  ]);
  expect(lines[2]).toContain(last.mean.toPrecision(4));
  expect(lines[5]).toBe("MSE in each series' own units:");
  expect(lines.slice(6)).toHaveLength(val.length);
  const pm = '-?[\\d.e+-]+ ± (?:[\\d.e+-]+|Infinity)';
  lines
    .slice(6)
    .forEach((l, k) =>
      expect(l).toMatch(
        new RegExp(
          `^  ${val[k]}: model ${pm}, lastValue ${pm} \\(minus the model's ${pm}\\), ` +
            `seasonalNaive ${pm} \\(minus the model's ${pm}\\) \\(\\d+ windows\\)$`,
        ),
      ),
    );
});

test('predict forecasts the next values of a value CSV from its last 8', async () => {
  const history = Array.from({ length: 12 }, (_, t) => Number((20 + Math.sin(t)).toFixed(4)));
  const support = join(dir, 'support.csv');
  writeFileSync(support, `value\n${history.join('\n')}\n`);

  const csv = await cli('predict', '--checkpoint', run, '--support', support);
  expect(csv.code, csv.stderr).toBe(0);
  const lines = csv.stdout.trim().split('\n');
  expect(lines[0]).toBe('step,value');
  expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([1, 2, 3]);
  const forecast = lines.slice(1).map((l) => Number(l.split(',')[1]));
  expect(forecast.every(Number.isFinite)).toBe(true);

  const json = await cli('predict', '--checkpoint', run, '--support', support, '--json');
  expect(json.code, json.stderr).toBe(0);
  const j = JSON.parse(json.stdout);
  expect(Object.keys(j).sort()).toEqual(['checkpoint', 'context', 'kind', 'predictions']);
  expect(j).toMatchObject({ kind: 'forecast', checkpoint: run, context: history.slice(-CONTEXT) });
  expect(j.predictions).toEqual(forecast.map((value, i) => ({ step: i + 1, value })));

  // A shorter horizon is the same forecast cut short; --out writes it, and stdout stays empty.
  const out = join(dir, 'forecast.csv');
  const two = await cli('predict', '--checkpoint', run, '--support', support, '--horizon', '2', '--out', out);
  expect(two.code, two.stderr).toBe(0);
  expect(two.stdout).toBe('');
  const written = readFileSync(out, 'utf8').trim().split('\n');
  expect(written[0]).toBe('step,value');
  expect(written).toHaveLength(3);
  written.slice(1).forEach((l, i) => {
    const [step, value] = l.split(',').map(Number);
    expect(step).toBe(i + 1);
    expect(value).toBeCloseTo(forecast[i], 5);
  });
});

const badTrain: { name: string; args: () => string[]; expect: (string | RegExp)[] }[] = [
  {
    name: 'no --data',
    args: () => [],
    expect: ['--task series needs --data PATH'],
  },
  {
    name: 'data with 2 series',
    args: () => {
      const path = join(dir, 'two.csv');
      writeFileSync(path, 'time,a,b\n0,1,2\n1,2,3\n2,3,4\n');
      return ['--data', path];
    },
    expect: ['needs at least 3 series', 'the data holds 2 (a, b)'],
  },
  {
    name: 'an unknown --test-series',
    args: () => ['--data', data, '--test-series', 'nosuch'],
    expect: ['--test-series: no series named "nosuch"', 'series are: a, b, c, d, e, f'],
  },
  {
    name: 'an unknown --loss-weight',
    args: () => ['--data', data, '--loss-weight', 'raw'],
    expect: ['--loss-weight "raw": expected one of window, series'],
  },
  {
    name: 'one series for test and validation',
    args: () => ['--data', data, '--test-series', 'a', '--val-series', 'a,b'],
    expect: ['a both in --test-series and --val-series'],
  },
  {
    name: 'an ambiguous value column',
    args: () => {
      const path = join(dir, 'long.csv');
      const rows = ['p', 'q', 'r'].flatMap((s) => [0, 1, 2].map((t) => `${s},${t},${t + 1},${100 + t}`));
      writeFileSync(path, `series,time,price,volume\n${rows.join('\n')}\n`);
      return ['--data', path];
    },
    expect: [
      'long.csv: more than one column could hold the values',
      'candidates price, volume',
      '--value NAME',
    ],
  },
];

for (const c of badTrain) {
  test(`train --task series refuses ${c.name}: one line, exit 2, no run directory`, async () => {
    const out = join(dir, `bad-${c.name.replace(/\W+/g, '_')}`);
    const r = await cli('train', '--task', 'series', ...c.args(), ...MODEL, '--steps', '40', '--out', out);
    refused(r, ...c.expect);
    expect(existsSync(out)).toBe(false);
  });
}

const badPredict: { name: string; args: () => string[]; expect: (string | RegExp)[] }[] = [
  {
    name: '--horizon 9, past the trained 3',
    args: () => ['--support', join(dir, 'support.csv'), '--horizon', '9'],
    expect: ['--horizon "9": this model forecasts 1 to 3 steps ahead'],
  },
  {
    name: '--query on a forecast model',
    args: () => {
      const query = join(dir, 'q.csv');
      writeFileSync(query, 'x\n1\n');
      return ['--support', join(dir, 'support.csv'), '--query', query];
    },
    expect: ['--query applies to regression models'],
  },
  {
    name: 'a support file of 2 series',
    args: () => {
      const path = join(dir, 'two-series.csv');
      writeFileSync(path, 'a,b\n1,2\n2,3\n3,4\n');
      return ['--support', path];
    },
    expect: ['two-series.csv holds 2 series (a, b)', '--value'],
  },
];

for (const c of badPredict) {
  test(`predict refuses ${c.name}: one line, exit 2, no output file`, async () => {
    const out = join(dir, `bad-${c.name.replace(/\W+/g, '_')}.csv`);
    const r = await cli('predict', '--checkpoint', run, ...c.args(), '--out', out);
    refused(r, ...c.expect);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });
}
