/**
 * The baseline a meta-trained forecaster has to beat to be worth its meta-training: the same GRU forecaster,
 * fresh weights, trained on one held-out series alone — on what comes before that series' scored last third
 * (EVAL_FROM), the only part a forecaster of that series may learn from — then asked the same windows.
 */
import type { Gpu } from '../runtime/gpu';
import { evalStart, evalWindows, type NamedSeries } from '../data/series_windows';
import { BlackBoxSeriesForecaster, type SeriesConfig } from './blackbox_series';
import type { MetaConfig } from './learner';

/** How each series' own model is trained (the run's settings otherwise, without a learning-rate decay). */
export interface ScratchOptions {
  steps: number;
}

/**
 * Per series of `series`, a fresh model trained `o.steps` steps on that series' history before its scored
 * windows; returns their forecasts of those windows, in evalWindows(series) order.
 */
export async function scratchForecasts(
  gpu: Gpu,
  config: MetaConfig,
  series: NamedSeries[],
  o: ScratchOptions,
): Promise<number[][]> {
  const { shots: C, queries: P } = config;
  const out: number[][] = [];
  for (const s of series) {
    const history = s.values.slice(0, evalStart(s.values.length, C));
    // The learner splits series by name: its own history trains, the whole series is only ever scored.
    const own: NamedSeries[] = [
      { name: 'history', values: history },
      { name: 'validation', values: s.values },
      { name: 'test', values: s.values },
    ];
    const c: MetaConfig & SeriesConfig = {
      ...config,
      steps: o.steps,
      lrDecay: 'none',
      scoring: false, // eval builds its learner to score only; these ones train
      testSeries: 'test',
      valSeries: 'validation',
    };
    const learner = await BlackBoxSeriesForecaster.create(gpu, c, { series: own });
    try {
      for (let i = 0; i < o.steps; i++) learner.step();
      await learner.lastLoss(); // waits for the steps
      const one = [s];
      out.push(...(await learner.forecastWindows(one, evalWindows(one, C, P))));
    } finally {
      learner.destroy();
    }
  }
  return out;
}
