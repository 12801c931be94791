/**
 * Intervals for a mean over forecast windows that overlap. The scored windows of a series start at every
 * origin, so two windows whose origins are k < horizon apart forecast horizon − k of the same months and
 * their errors are correlated: the plain interval (sample spread / √n) is too narrow. Forecasting papers
 * compare forecasters with the Diebold–Mariano test (Diebold & Mariano 1995), whose variance of the mean
 * adds the errors' autocovariances up to lag horizon − 1, with the small-sample correction of Harvey,
 * Leybourne & Newbold (1997) and a Student t quantile. That is what `windowInterval` computes, for one series
 * or pooled over several — taken as independent, or as columns of one table whose windows at nearby dates
 * are paired too (`acrossSeries`).
 */

export interface WindowPlace {
  /** Which series the window belongs to, and its forecast origin in that series. */
  series: number;
  origin: number;
}

/** Two-sided 97.5% quantiles of Student's t for 1 … 4 degrees of freedom (the expansion below is poor there). */
const T975_SMALL = [12.7062047, 4.30265273, 3.18244631, 2.77644511];

/**
 * The 97.5% quantile of Student's t with `df` degrees of freedom: a table below 5, else the Cornish–Fisher
 * expansion around the normal quantile to the 1/df⁴ term (error < 3e-4 at 5 degrees, < 1e-5 from 10 on).
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return Infinity;
  if (df < 5) return T975_SMALL[Math.floor(df) - 1];
  const z = 1.959963985;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const z9 = z ** 9;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3) +
    (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4)
  );
}

/**
 * The mean of `values` (one per window, e.g. a window's squared error, or a baseline's minus the model's)
 * and the half-width of its 95% interval: Diebold–Mariano's long-run variance with autocovariances up to lag
 * `horizon` − 1 (Bartlett weights when the truncated sum is not positive), times Harvey–Leybourne–Newbold's
 * T / (T + 1 − 2h + h(h − 1)/T), with t(T − 1), where T counts the time points.
 *
 * Windows of different series count as independent unless `acrossSeries`: then the series are taken to
 * cover the same dates (the columns of one table), windows at the same or nearby origins of different series
 * are paired as those of one series are, and a time point is an origin, all series' windows there summed
 * (Driscoll & Kraay 1998: the variance of the panel's mean over time) — series of one economy fall and rise
 * together, and counting them as independent would make the interval too narrow. Infinite with fewer than 2h
 * time points (under two horizons' worth of independent errors) or fewer than 2. Like the test it comes from
 * it is a little narrow in small samples: on simulated windows of 36 origins and a 6-step horizon it holds the
 * true mean 88% of the time, where the plain interval holds it 56% (forecast_intervals.test.ts).
 */
export function windowInterval(
  values: readonly number[],
  places: readonly WindowPlace[],
  horizon: number,
  o: { acrossSeries?: boolean } = {},
): { mean: number; ci95: number } {
  const n = values.length;
  if (places.length !== n) throw new Error(`windowInterval: ${n} values for ${places.length} windows`);
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const lags = Math.max(0, Math.floor(horizon) - 1);
  // Time points: (series, origin), or the origin alone across series; each holds its windows' deviations summed.
  const stream = (p: WindowPlace) => (o.acrossSeries ? 0 : p.series);
  const sums = new Map<string, { stream: number; origin: number; sum: number }>();
  places.forEach((p, i) => {
    const key = `${stream(p)}:${p.origin}`;
    const t = sums.get(key) ?? { stream: stream(p), origin: p.origin, sum: 0 };
    t.sum += values[i] - mean;
    sums.set(key, t);
  });
  const times = [...sums.values()].sort((a, b) => a.stream - b.stream || a.origin - b.origin);
  const T = times.length;
  if (n < 2 || T < Math.max(2, 2 * (lags + 1))) return { mean, ci95: Infinity };
  // gamma[k]: Σ over pairs of time points of one stream whose origins are k apart of their sums' product.
  const gamma = new Float64Array(lags + 1);
  for (let a = 0; a < T; a++) {
    for (let b = a; b < T; b++) {
      if (times[b].stream !== times[a].stream) break;
      const k = times[b].origin - times[a].origin;
      if (k > lags) break;
      gamma[k] += times[a].sum * times[b].sum;
    }
  }
  // n² × the variance of the mean, with the lags weighted as `weight` says.
  const longRun = (weight: (k: number) => number) => {
    let v = gamma[0];
    for (let k = 1; k <= lags; k++) v += 2 * weight(k) * gamma[k];
    return v;
  };
  let sum = longRun(() => 1);
  if (!(sum > 0)) sum = longRun((k) => 1 - k / (lags + 1));
  const h = lags + 1;
  const hln = T + 1 - 2 * h + (h * (h - 1)) / T;
  const varianceOfMean = (sum / (n * n)) * (T / hln);
  return { mean, ci95: tQuantile975(T - 1) * Math.sqrt(Math.max(0, varianceOfMean)) };
}
