/**
 * The black-box GRU forecaster on real series ('series/blackbox'): the model of blackbox_forecast.ts — the GRU
 * reads a context window (x̃_t, 1), then runs `horizon` query steps (0, 0) and predicts each future value —
 * trained on windows cut from the user's series instead of synthetic ones. Every window is standardised by
 * its own context (data/series_windows.ts), so a model trained on some series forecasts others of any scale.
 *
 * The series live on the host: each step's windows are drawn there from the seed and the step, and written
 * into the recorded program's input in one write before its submit (a step stays one submit). Series are
 * split by name (data/series_split.ts): training windows come from the training series; evaluation scores
 * the last third of each validation or test series (EVAL_FROM), beside the last-value and seasonal-naive
 * forecasts of the same windows. Config: `shots` = context length, `queries` = horizon.
 */
import type { Gpu } from '../runtime/gpu';
import { InputError } from '../runtime/errors';
import type { EvalSplit } from '../data/omniglot_split';
import { lastValue, seasonalNaive } from '../data/forecast_baselines';
import { windowInterval } from '../data/forecast_intervals';
import { seriesSplit, type SeriesSplit } from '../data/series_split';
import {
  drawWindows,
  encodeWindows,
  evalWindows,
  standardiser,
  windowsOf,
  windowWeights,
  type LossWeight,
  type NamedSeries,
  type Window,
} from '../data/series_windows';
import { HostSampledLearner, type HostEpisodes } from './host_sampled';
import {
  forecastPredictor,
  summarize,
  type EvalResult,
  type ForecastPredictor,
  type MetaConfig,
  type TaskData,
} from './learner';

const INPUT = 2; // (standardised value, is-context) per step

/** Settings of a series run beyond MetaConfig (RunConfig carries them; see src/io/run_config.ts). */
export interface SeriesConfig {
  /** Test and validation series, comma-separated names (default: defaultSeriesSplit). */
  testSeries?: string;
  valSeries?: string;
  /** The seasonal-naive baseline's period (default 12: monthly data). */
  season?: number;
  /** How training windows weigh in the loss (default 'window'; see windowWeights). */
  lossWeight?: LossWeight;
}

export const DEFAULT_SEASON = 12;

export class BlackBoxSeriesForecaster extends HostSampledLearner {
  readonly series: NamedSeries[];
  readonly split: SeriesSplit | null;
  #train: Window[] = [];
  /** The training series the windows index, picked once (every step draws from them). */
  #trainSeries: NamedSeries[] = [];
  /** Each training window's draw weight ('series' loss weighting); undefined: uniform draws. */
  #weights: Float64Array | undefined;

  private constructor(gpu: Gpu, config: MetaConfig, data: TaskData) {
    super(gpu, config, INPUT);
    const c = config as MetaConfig & SeriesConfig;
    this.series = data.series ?? [];
    this.split = this.series.length
      ? seriesSplit(
          this.series.map((s) => s.name),
          c.testSeries,
          c.valSeries,
        )
      : null;
    if (this.split) {
      this.#trainSeries = this.pick('train');
      this.#train = windowsOf(this.#trainSeries, config.shots, config.queries);
      if (c.lossWeight === 'series')
        this.#weights = windowWeights(this.#trainSeries, this.#train, config.shots, c.lossWeight);
    }
  }

  static async create(gpu: Gpu, config: MetaConfig, data: TaskData = {}): Promise<BlackBoxSeriesForecaster> {
    const scoring = config.scoring === true;
    if (!data.series?.length && !scoring) {
      throw new InputError(
        '--task series needs --data PATH: a CSV or JSON file of series (a column each, or a series column), ' +
          'or a folder of them',
      );
    }
    const learner = new BlackBoxSeriesForecaster(gpu, config, data);
    if (!scoring) {
      if (!learner.#train.length) {
        throw new InputError(
          `no training windows: every training series (${learner.split!.train.join(', ')}) is shorter than ` +
            `context + horizon (${config.shots} + ${config.queries}); lower --shots or --queries`,
        );
      }
      learner.setTrainPass(await learner.recordTrain());
    }
    return learner;
  }

  /** The series of one split, in data order. */
  pick(split: keyof SeriesSplit): NamedSeries[] {
    if (!this.split) throw new InputError('no series loaded: give --data');
    const names = new Set(this.split[split]);
    return this.series.filter((s) => names.has(s.name));
  }

  protected get label(): string {
    return 'series';
  }

  protected trainEpisodes(tasks: number, seed: number, step: number): HostEpisodes {
    const { shots: C, queries: P } = this.config;
    return encodeWindows(this.#trainSeries, drawWindows(this.#train, tasks, seed, step, this.#weights), C, P);
  }

  /**
   * Forecasts for windows of `series` after `C` values of context each, in the series' own units (one
   * sequence per window, one submit).
   */
  async forecastWindows(
    series: NamedSeries[],
    windows: Window[],
    C = this.config.shots,
  ): Promise<number[][]> {
    const P = this.config.queries;
    const e = encodeWindows(series, windows, C, P);
    const pred = await this.run(windows.length, C, P, e.seq);
    return e.norm.map((z, b) => Array.from(pred.subarray(b * P, (b + 1) * P), (v) => z.anchor + z.scale * v));
  }

  /**
   * The next `queries` values of a series after its last `shots` values (the context the model was trained
   * to read; a shorter history is read whole).
   */
  async forecast(history: number[]): Promise<number[]> {
    const context = history.slice(-this.config.shots);
    if (context.length < 2) throw new InputError('a forecast needs at least 2 values of context');
    const s = [{ name: 'input', values: [...context, ...new Array<number>(this.config.queries).fill(0)] }];
    return (await this.forecastWindows(s, [{ series: 0, origin: context.length }], context.length))[0];
  }

  /** The context is the history's last `shots` values, what the model was trained to read. */
  async adapt(history: number[]): Promise<ForecastPredictor> {
    return forecastPredictor(this, history.slice(-this.config.shots));
  }

  /**
   * Mean squared error over the last third of each validation or test series (every forecast origin there),
   * in standardised units (each window divided by its context's spread), with the same windows' error in
   * the series' own units and the last-value and seasonal-naive baselines beside it. `tasks` and `seed` are
   * unused: the windows are all there are.
   */
  async evaluate(_tasks: number, _seed: number, split: EvalSplit = 'test'): Promise<EvalResult> {
    const f = await this.forecastsOn(split);
    return scoreForecasts(f.series, f.windows, this.config.shots, f.forecasts);
  }

  /** The scored windows of a split and the model's and the baselines' forecasts of them (see evaluate). */
  async forecastsOn(split: EvalSplit) {
    const { shots: C, queries: P } = this.config;
    const series = this.pick(split);
    const windows = evalWindows(series, C, P);
    if (!windows.length) {
      throw new InputError(
        `no ${split} windows: the ${split} series (${series.map((s) => s.name).join(', ')}) are too short for ` +
          `context + horizon (${C} + ${P}) in their last third`,
      );
    }
    const season = (this.config as SeriesConfig).season ?? DEFAULT_SEASON;
    const forecasts: Record<string, number[][]> = {
      model: await this.forecastWindows(series, windows),
      lastValue: windows.map((w) => lastValue(contextOf(series, w, C), P)),
      seasonalNaive: windows.map((w) => seasonalNaive(contextOf(series, w, C), P, season)),
    };
    return { series, windows, forecasts };
  }
}

const contextOf = (s: NamedSeries[], w: Window, C: number) =>
  s[w.series].values.slice(w.origin - C, w.origin);

/** Squared error of one window's forecast, standardised (by its context) and raw. */
function windowErrors(s: NamedSeries[], w: Window, C: number, f: number[]) {
  const v = s[w.series].values;
  const z = standardiser(contextOf(s, w, C));
  let raw = 0;
  for (let j = 0; j < f.length; j++) raw += (f[j] - v[w.origin + j]) ** 2;
  raw /= f.length;
  return { mse: raw / z.scale ** 2, raw };
}

/**
 * Scores forecasts (`model` first, then baselines by name) of the same windows: the model's EvalResult over
 * windows in standardised units, and every forecaster's standardised and raw MSE per series and in all. The
 * windows overlap (one per origin), so every interval is windowInterval's (Diebold–Mariano with the
 * horizon's lags), and a baseline's difference from the model is paired window by window. Series of one
 * length are taken to cover the same dates (a table's columns), so the pooled intervals pair their windows
 * across series too; series of different lengths are taken as independent.
 */
export function scoreForecasts(
  series: NamedSeries[],
  windows: Window[],
  C: number,
  forecasts: Record<string, number[][]>,
): EvalResult {
  const names = Object.keys(forecasts);
  const horizon = forecasts[names[0]][0]?.length ?? 1;
  const errs = Object.fromEntries(
    names.map((n) => [n, windows.map((w, i) => windowErrors(series, w, C, forecasts[n][i]))]),
  );
  const model = errs[names[0]];
  const scored = new Set(windows.map((w) => w.series));
  const acrossSeries = scored.size > 1 && new Set([...scored].map((k) => series[k].values.length)).size === 1;
  const ci = (values: number[], places: Window[] = windows) =>
    windowInterval(values, places, horizon, { acrossSeries });
  // Each series' windows (their indices and places), the same for every forecaster.
  const bySeries = series.map((_, j) => {
    const mine = windows.flatMap((w, i) => (w.series === j ? [i] : []));
    return { mine, places: mine.map((i) => windows[i]) };
  });
  const result = summarize(
    'mse',
    model.map((e) => e.mse),
  );
  result.ci95 = ci(result.values).ci95;
  result.forecast = {
    series: series.map((s) => s.name),
    windows: windows.length,
    horizon,
    acrossSeries,
    forecasters: names.map((n, k) => ({
      name: n,
      mse: ci(errs[n].map((e) => e.mse)),
      ...(k > 0 ? { minusModel: ci(errs[n].map((e, i) => e.mse - model[i].mse)) } : {}),
      perSeries: series.map((s, j) => {
        const { mine, places } = bySeries[j];
        const raw = ci(
          mine.map((i) => errs[n][i].raw),
          places,
        );
        return {
          series: s.name,
          windows: mine.length,
          mse: mine.reduce((a, i) => a + errs[n][i].mse, 0) / Math.max(1, mine.length),
          rawMse: raw.mean,
          rawCi95: raw.ci95,
          ...(k > 0
            ? {
                rawMinusModel: ci(
                  mine.map((i) => errs[n][i].raw - model[i].raw),
                  places,
                ),
              }
            : {}),
        };
      }),
    })),
  };
  return result;
}
