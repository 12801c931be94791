/**
 * `--loss-weight series` (data/series_windows.ts): each training window weighs by its context's variance over
 * its series' mean, and the weighting is done by drawing windows in proportion to their weights. Checked
 * against float64 sums written out here: the weights, the claim that the weighted loss is each series' MSE
 * in its own units (over one number per series), and that the draws' mean loss tends to the weighted loss.
 */
import { expect, test } from '@playwright/test';
import {
  drawWindows,
  encodeWindows,
  windowsOf,
  windowWeights,
  type NamedSeries,
} from '../src/data/series_windows';

const C = 6; // context
const P = 2; // horizon

/** Three series of different scale, each with calm and volatile stretches. */
const SERIES: NamedSeries[] = [
  {
    name: 'calm-then-wild',
    values: Array.from({ length: 20 }, (_, t) => 5 + (t < 10 ? 0.1 : 2) * Math.sin(t)),
  },
  { name: 'big', values: Array.from({ length: 18 }, (_, t) => 400 + 30 * Math.cos(0.7 * t) + (t % 3) * t) },
  { name: 'ramp', values: Array.from({ length: 16 }, (_, t) => 0.01 * t * t + 0.3 * Math.sin(2 * t)) },
];

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: number[]) => mean(v.map((x) => (x - mean(v)) ** 2));

const windows = windowsOf(SERIES, C, P);
/** Per window, its context's variance (float64, from the raw values). */
const contextVariance = windows.map((w) => variance(SERIES[w.series].values.slice(w.origin - C, w.origin)));
/** Per series, the mean context variance of its windows. */
const seriesVariance = SERIES.map((_, k) => mean(contextVariance.filter((_, i) => windows[i].series === k)));

test("'window' weighs every window alike; 'series' by its context variance over its series' mean", () => {
  expect(Array.from(windowWeights(SERIES, windows, C, 'window'))).toEqual(windows.map(() => 1));
  expect(Array.from(windowWeights(SERIES, windows, C))).toEqual(windows.map(() => 1));
  const w = windowWeights(SERIES, windows, C, 'series');
  windows.forEach((x, i) => expect(w[i]).toBeCloseTo(contextVariance[i] / seriesVariance[x.series], 10));
  SERIES.forEach((_, k) =>
    expect(mean(Array.from(w).filter((_, i) => windows[i].series === k))).toBeCloseTo(1, 10),
  );
  // Calm windows count less than volatile ones of the same series (the point of the weighting).
  const first = windows.findIndex((x) => x.series === 0);
  const last = windows.filter((x) => x.series === 0).length - 1 + first;
  expect(w[last]).toBeGreaterThan(10 * w[first]);
});

test("the 'series'-weighted standardised loss is each series' raw-unit MSE over its mean context variance", () => {
  // Any forecasts will do: the identity holds window by window.
  const forecasts = windows.map((w, i) =>
    Array.from({ length: P }, (_, j) => SERIES[w.series].values[w.origin - 1] + Math.sin(3 * i + j)),
  );
  const e = encodeWindows(SERIES, windows, C, P);
  const w = windowWeights(SERIES, windows, C, 'series');
  SERIES.forEach((s, k) => {
    const mine = windows.map((_, i) => i).filter((i) => windows[i].series === k);
    // The loss the model trains on: the output (f − anchor) / scale against the encoded target.
    const weighted = mean(
      mine.map((i) => {
        const { anchor, scale } = e.norm[i];
        const se = forecasts[i].map((f, j) => ((f - anchor) / scale - e.target[i * P + j]) ** 2);
        return w[i] * mean(se);
      }),
    );
    const raw = mean(
      mine.map((i) => mean(forecasts[i].map((f, j) => (f - s.values[windows[i].origin + j]) ** 2))),
    );
    expect(weighted).toBeCloseTo(raw / seriesVariance[k], 4); // float32 targets
  });
});

test('weighted draws: each window drawn in proportion to its weight, so the mean batch loss is the weighted loss', () => {
  const w = windowWeights(SERIES, windows, C, 'series');
  const total = w.reduce((a, b) => a + b, 0);
  const index = new Map(windows.map((x, i) => [x, i]));
  const count = new Float64Array(windows.length);
  const loss = windows.map((_, i) => 1 + (i % 5)); // any per-window loss
  const steps = 4000;
  const batch = 32;
  let drawnLoss = 0;
  for (let step = 1; step <= steps; step++) {
    for (const x of drawWindows(windows, batch, 7, step, w)) {
      const i = index.get(x)!;
      count[i]++;
      drawnLoss += loss[i];
    }
  }
  const n = steps * batch;
  windows.forEach((_, i) => {
    const p = w[i] / total;
    expect(Math.abs(count[i] / n - p), `window ${i}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
  });
  const weightedLoss = loss.reduce((a, l, i) => a + (w[i] / total) * l, 0);
  expect(drawnLoss / n).toBeCloseTo(weightedLoss, 1);
  // The draws of a step depend on (seed, step) alone; without weights, uniform as before.
  expect(drawWindows(windows, 8, 7, 3, w)).toEqual(drawWindows(windows, 8, 7, 3, w));
  const uniform = new Float64Array(windows.length);
  for (let step = 1; step <= 1000; step++)
    for (const x of drawWindows(windows, 32, 7, step)) uniform[index.get(x)!]++;
  uniform.forEach((c) => expect(Math.abs(c / 32000 - 1 / windows.length)).toBeLessThan(0.01));
});
