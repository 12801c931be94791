/**
 * Forecasting episodes cut from real series: a window is `context` observed values and the `horizon` values
 * after them. Each window is standardised by its own context (mean and spread), so one model serves series of
 * any scale (an unemployment rate of 2.1 and a count of 430 alike); predictions are mapped back with the same
 * two numbers. Pure and seeded, so the CLI, the page and the learner cut the same windows.
 */
import { InputError } from '../runtime/errors';
import { rng } from '../layout/random';

export interface NamedSeries {
  name: string;
  values: number[];
}

/** One window: where it starts in its series and the standardisation its context gives. */
export interface Window {
  series: number;
  /** Index of the first forecast value (the origin); the context is values[origin − C, origin). */
  origin: number;
}

/**
 * Held-out series are scored on their last third: forecast origins from ⌊2n/3⌋ on. What comes before is
 * the context the model reads, and all a baseline trained on the series alone may learn from.
 */
export const EVAL_FROM = 2 / 3;

/** First forecast origin of a held-out series of length n (see EVAL_FROM). */
export const evalStart = (n: number, context: number) => Math.max(context, Math.floor(n * EVAL_FROM));

/** The context's mean and spread; the spread never falls below a small share of the level (flat contexts). */
export function standardiser(context: ArrayLike<number>): { mean: number; scale: number } {
  const n = context.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += context[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (context[i] - mean) ** 2;
  const sd = Math.sqrt(v / n);
  return { mean, scale: Math.max(sd, 1e-3 * Math.max(1, Math.abs(mean))) };
}

/** Every window of `s` whose context and horizon fit, with origins from `from` (default: the first possible). */
export function windowsOf(s: NamedSeries[], context: number, horizon: number, from?: (n: number) => number) {
  const out: Window[] = [];
  s.forEach((x, series) => {
    const n = x.values.length;
    for (let origin = from ? from(n) : context; origin + horizon <= n; origin++) {
      if (origin >= context) out.push({ series, origin });
    }
  });
  return out;
}

/** The scored windows of held-out series: origins in their last third (EVAL_FROM). */
export const evalWindows = (s: NamedSeries[], context: number, horizon: number) =>
  windowsOf(s, context, horizon, (n) => evalStart(n, context));

/**
 * GRU input and targets for `windows`: context steps (x̃, 1) with x̃ = (x − mean) / scale, horizon steps
 * (0, 0). Targets are the change from the last observed value in the same scale, (y − last) / scale, so a
 * model that outputs 0 is the last-value forecast and all it learns is what it adds to that; a forecast is
 * `anchor + scale · output` (norm gives both).
 */
export function encodeWindows(s: NamedSeries[], windows: Window[], context: number, horizon: number) {
  const T = context + horizon;
  const seq = new Float32Array(windows.length * T * 2);
  const target = new Float32Array(windows.length * horizon);
  const norm = windows.map((w, b) => {
    const v = s[w.series].values;
    const ctx = v.slice(w.origin - context, w.origin);
    const z = standardiser(ctx);
    const anchor = ctx[context - 1];
    ctx.forEach((x, t) => seq.set([(x - z.mean) / z.scale, 1], (b * T + t) * 2));
    for (let j = 0; j < horizon; j++) target[b * horizon + j] = (v[w.origin + j] - anchor) / z.scale;
    return { anchor, scale: z.scale };
  });
  return { seq, target, norm };
}

/** How a series run weighs its training windows in the loss (`lossWeight`; see windowWeights). */
export const LOSS_WEIGHTS = ['window', 'series'] as const;
export type LossWeight = (typeof LOSS_WEIGHTS)[number];

/**
 * Each training window's weight in the loss. 'window' (the default): all 1, so every window's error counts
 * in its own context's units and calm windows weigh as much as volatile ones. 'series': the window's context
 * variance over the mean context variance of its series' windows, so a window's weighted error is its
 * squared error in the series' own units over one number per series — the loss is each series' raw-unit
 * MSE, series of different scales still counting alike (each series' weights average 1).
 */
export function windowWeights(
  s: NamedSeries[],
  windows: Window[],
  context: number,
  how: LossWeight = 'window',
): Float64Array {
  const w = new Float64Array(windows.length).fill(1);
  if (how === 'window') return w;
  const sum = new Float64Array(s.length);
  const count = new Float64Array(s.length);
  windows.forEach((x, i) => {
    const v = s[x.series].values;
    w[i] = standardiser(v.slice(x.origin - context, x.origin)).scale ** 2;
    sum[x.series] += w[i];
    count[x.series]++;
  });
  windows.forEach((x, i) => (w[i] /= sum[x.series] / count[x.series]));
  return w;
}

/**
 * The training windows of step `step`: `batch` windows drawn from all windows of the training series, from
 * the run's seed and the step alone (a resumed run draws what the uninterrupted one would). Uniformly, or
 * with probability proportional to `weights` (windowWeights): the batch's plain mean loss is then, in
 * expectation, the weighted mean over all windows — the weighting needs no change to the loss on the GPU.
 */
export function drawWindows(
  all: Window[],
  batch: number,
  seed: number,
  step: number,
  weights?: ArrayLike<number>,
): Window[] {
  if (!all.length)
    throw new InputError('no training windows: every training series is shorter than context + horizon');
  const rand = rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(step, 0x85ebca6b)) >>> 0);
  if (!weights) return Array.from({ length: batch }, () => all[Math.floor(rand() * all.length)]);
  const cumulative = new Float64Array(all.length);
  let total = 0;
  for (let i = 0; i < all.length; i++) cumulative[i] = total += weights[i];
  return Array.from({ length: batch }, () => {
    const u = rand() * total;
    let lo = 0;
    let hi = all.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return all[lo];
  });
}
