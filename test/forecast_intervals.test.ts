/**
 * Intervals over overlapping forecast windows (data/forecast_intervals.ts): the Diebold–Mariano variance with
 * Harvey–Leybourne–Newbold's correction, checked against a float64 double sum over every pair of windows
 * written out here (within a series, or across series of one table), against the plain interval where windows do not overlap, and by coverage: on simulated
 * overlapping windows whose true mean is known, the interval holds it nearly as often as it should (88%,
 * as Diebold–Mariano's test does at this size) where the plain one holds it little more than half the time,
 * and on series that share a shock, pooled, only when it pairs windows across series.
 */
import { expect, test } from '@playwright/test';
import { tQuantile975, windowInterval, type WindowPlace } from '../src/data/forecast_intervals';
import { rng } from '../src/layout/random';

test('the t quantile matches published values', () => {
  // scipy.stats.t.ppf(0.975, df)
  const published: [number, number][] = [
    [1, 12.7062047],
    [4, 2.77644511],
    [5, 2.57058184],
    [10, 2.22813885],
    [20, 2.08596345],
    [35, 2.03010793],
    [143, 1.9766922],
  ];
  for (const [df, t] of published) expect(Math.abs(tQuantile975(df) - t)).toBeLessThan(df < 10 ? 3e-4 : 1e-5);
  expect(tQuantile975(1e9)).toBeCloseTo(1.959964, 5);
});

/** A float64 reference: Σ over every ordered pair of one series with origins ≤ h − 1 apart, no sorting. */
function reference(values: number[], places: WindowPlace[], h: number) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const same = places[i].series === places[j].series;
      if (same && Math.abs(places[i].origin - places[j].origin) <= h - 1) {
        v += (values[i] - mean) * (values[j] - mean);
      }
    }
  }
  v /= n;
  const hln = n + 1 - 2 * h + (h * (h - 1)) / n;
  return { mean, ci95: tQuantile975(n - 1) * Math.sqrt(v / hln) };
}

test('the interval equals a double sum over pairs of overlapping windows, in any order and across series', () => {
  const rand = rng(11);
  for (const h of [2, 3, 6]) {
    // Two series of 15 and 12 windows, listed shuffled: the pairing must come from series and origin.
    const places: WindowPlace[] = [
      ...Array.from({ length: 15 }, (_, k) => ({ series: 0, origin: 30 + k })),
      ...Array.from({ length: 12 }, (_, k) => ({ series: 1, origin: 30 + k })),
    ];
    for (let i = places.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [places[i], places[j]] = [places[j], places[i]];
    }
    // Smoothed noise, so the neighbours' products sum to a positive variance (the fallback is tested below).
    const noise = Array.from({ length: 60 }, () => rand() - 0.5);
    const values = places.map(
      (p) => noise[p.origin - 30 + 20 * p.series] + noise[p.origin - 29 + 20 * p.series],
    );
    const got = windowInterval(values, places, h);
    const want = reference(values, places, h);
    expect(Math.abs(got.mean - want.mean)).toBeLessThan(1e-12);
    expect(Math.abs(got.ci95 - want.ci95) / want.ci95).toBeLessThan(1e-12);
  }
});

test('with a one-step horizon it is the plain interval: t(n − 1) · sample sd / √n', () => {
  const rand = rng(3);
  const values = Array.from({ length: 17 }, () => rand() * 4);
  const places = values.map((_, k) => ({ series: 0, origin: k }));
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const got = windowInterval(values, places, 1);
  expect(Math.abs(got.ci95 - (tQuantile975(n - 1) * sd) / Math.sqrt(n)) / got.ci95).toBeLessThan(1e-12);
});

test('a truncated sum that is not positive falls back to Bartlett weights; too few windows give no interval', () => {
  // Alternating values: lag 1 cancels lag 0 in the truncated sum (n − 2(n − 1) < 0), Bartlett's halves it.
  const n = 10;
  const values = Array.from({ length: n }, (_, k) => (k % 2 ? -1 : 1));
  const places = values.map((_, k) => ({ series: 0, origin: k }));
  const got = windowInterval(values, places, 2);
  const gamma0 = n;
  const gamma1 = -(n - 1);
  const bartlett = (gamma0 + 2 * 0.5 * gamma1) / n;
  const hln = n + 1 - 4 + 2 / n;
  expect(got.mean).toBe(0);
  expect(Math.abs(got.ci95 - tQuantile975(n - 1) * Math.sqrt(bartlett / hln))).toBeLessThan(1e-12);
  // Under 2h windows: 11 with a 6-step horizon has none, 12 has one.
  expect(windowInterval(values.concat([1]), places.concat([{ series: 0, origin: 10 }]), 6).ci95).toBe(
    Infinity,
  );
  const twelve = windowInterval(
    [...values, 1, -1],
    [...places, { series: 0, origin: 10 }, { series: 0, origin: 11 }],
    6,
  );
  expect(Number.isFinite(twelve.ci95)).toBe(true);
  expect(windowInterval([1], [places[0]], 1).ci95).toBe(Infinity);
  expect(() => windowInterval([1, 2], [places[0]], 1)).toThrow(/2 values for 1 windows/);
});

test('on simulated overlapping windows it holds the true mean nearly 95% of the time; the plain interval does not', () => {
  // Each window's value is the mean of its h steps' errors (a loss over the horizon), so windows whose
  // origins are closer than h share terms — as the scored windows of a held-out series do.
  const rand = rng(20261205);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const h = 6;
  const n = 36;
  const trials = 2000;
  let dm = 0;
  let plain = 0;
  for (let t = 0; t < trials; t++) {
    const e = Array.from({ length: n + h }, normal);
    const values = Array.from({ length: n }, (_, o) => e.slice(o, o + h).reduce((a, b) => a + b, 0) / h);
    const places = values.map((_, o) => ({ series: 0, origin: o }));
    const r = windowInterval(values, places, h);
    if (Math.abs(r.mean) <= r.ci95) dm++;
    const one = windowInterval(values, places, 1);
    if (Math.abs(one.mean) <= one.ci95) plain++;
  }
  // Diebold–Mariano's test is known to be a little narrow at this size (88% here); the plain one is far off.
  expect(dm / trials).toBeGreaterThan(0.85);
  expect(dm / trials).toBeLessThan(0.98);
  expect(plain / trials).toBeLessThan(0.7);
});

/** The across-series reference: every ordered pair of windows, any series, with origins ≤ h − 1 apart. */
function acrossReference(values: number[], places: WindowPlace[], h: number) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (Math.abs(places[i].origin - places[j].origin) <= h - 1)
        v += (values[i] - mean) * (values[j] - mean);
    }
  }
  const T = new Set(places.map((p) => p.origin)).size;
  const hln = T + 1 - 2 * h + (h * (h - 1)) / T;
  return { mean, ci95: tQuantile975(T - 1) * Math.sqrt((v / (n * n)) * (T / hln)) };
}

test('across series, windows at nearby origins of different series are paired and time points are origins', () => {
  const rand = rng(5);
  // Three series over the same 20 origins, one of them missing two (an unbalanced table), listed shuffled.
  const places: WindowPlace[] = [];
  for (let series = 0; series < 3; series++) {
    for (let origin = 40; origin < 60; origin++) {
      if (!(series === 2 && (origin === 45 || origin === 51))) places.push({ series, origin });
    }
  }
  places.sort(() => rand() - 0.5);
  const common = Array.from({ length: 20 }, () => rand());
  const values = places.map((p) => common[p.origin - 40] + 0.5 * rand());
  for (const h of [1, 3, 6]) {
    const got = windowInterval(values, places, h, { acrossSeries: true });
    const want = acrossReference(values, places, h);
    expect(Math.abs(got.mean - want.mean)).toBeLessThan(1e-12);
    expect(Math.abs(got.ci95 - want.ci95) / want.ci95).toBeLessThan(1e-12);
  }
  // A shared shock makes the pooled interval wider across series than with the series taken as independent.
  const within = windowInterval(values, places, 6);
  expect(windowInterval(values, places, 6, { acrossSeries: true }).ci95).toBeGreaterThan(1.5 * within.ci95);
});

test('on series that share a shock the pooled interval holds the true mean only when it pairs across series', () => {
  // Four series of 36 windows over the same months; each month's error is a shock common to all series
  // (correlation 0.6) plus the series' own, and each window averages its 6 months.
  const rand = rng(1205);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const h = 6;
  const n = 36;
  const trials = 1000;
  let across = 0;
  let independent = 0;
  for (let t = 0; t < trials; t++) {
    const shared = Array.from({ length: n + h }, normal);
    const values: number[] = [];
    const places: WindowPlace[] = [];
    for (let series = 0; series < 4; series++) {
      const own = shared.map((c) => Math.sqrt(0.6) * c + Math.sqrt(0.4) * normal());
      for (let origin = 0; origin < n; origin++) {
        values.push(own.slice(origin, origin + h).reduce((a, b) => a + b, 0) / h);
        places.push({ series, origin });
      }
    }
    const a = windowInterval(values, places, h, { acrossSeries: true });
    if (Math.abs(a.mean) <= a.ci95) across++;
    const b = windowInterval(values, places, h);
    if (Math.abs(b.mean) <= b.ci95) independent++;
  }
  expect(across / trials).toBeGreaterThan(0.85);
  expect(independent / trials).toBeLessThan(0.8);
});
