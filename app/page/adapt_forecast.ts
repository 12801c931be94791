/**
 * Adapt view for forecasting: a held-out series (the CPU twin of the GPU sampler), the context the learner
 * reads, the true continuation and its forecast, next to the naive forecast (repeat the last value).
 */
import type uPlot from 'uplot';
import { isForecaster, type Forecaster, type MetaLearner } from '../../src/meta/learner';
import type { RunConfig } from '../../src/io/run_config';
import { forecastTaskRef } from '../../src/reference/forecast';
import { fmt } from './dom';
import { chart, COLORS } from './plot';

export const canForecast = (l: MetaLearner | null): l is Forecaster => !!l && isForecaster(l);

/** Draws held-out series `index` into `box` and returns the readout. */
export function forecastAdapter(box: HTMLElement, testSeed: (c: RunConfig) => number) {
  let plot: uPlot | null = null;
  return async (learner: Forecaster, c: RunConfig, index: number): Promise<string> => {
    const C = c.shots;
    const P = c.queries;
    const task = forecastTaskRef(testSeed(c), 1, 0, index, C + P);
    const context = task.xs.slice(0, C);
    const truth = task.xs.slice(C);
    const pred = await learner.forecast(context);
    const xs = task.xs.map((_, i) => i);
    // The truth and the forecast start at the last context point, so each reads as that curve's continuation.
    const after = (vals: number[]) =>
      xs.map((i) => (i === C - 1 ? context[C - 1] : i >= C ? vals[i - C] : null));
    plot ??= chart(box, {
      scales: { x: { time: false } },
      axes: [{ label: 'time step' }, { label: 'value' }],
      series: [
        { label: 'step' },
        { label: 'context', stroke: '#000', width: 2, points: { show: true, size: 6, fill: '#000' } },
        { label: 'truth', stroke: COLORS.truth, width: 2, points: { show: true, size: 6 } },
        { label: 'forecast', stroke: COLORS.after, width: 2, dash: [6, 4], points: { show: true, size: 6 } },
      ],
    });
    plot.setData([
      xs,
      xs.map((i) => (i < C ? context[i] : null)),
      after(truth),
      after(pred),
    ] as uPlot.AlignedData);
    box.dataset.points = String(pred.length);
    const mse = (p: number[]) => p.reduce((a, v, i) => a + (v - truth[i]) ** 2, 0) / P;
    const [a, b, w] = task.params;
    const kind =
      task.kind === 0
        ? `damped oscillator (amplitude ${fmt(a, 3)}, decay ${fmt(b, 3)}, frequency ${fmt(w, 3)})`
        : `AR(2) process (a₁ ${fmt(a, 3)}, a₂ ${fmt(b, 3)})`;
    return (
      `Series ${index + 1}: ${kind}; ${C} context steps, ${P}-step horizon · forecast MSE ` +
      `${fmt(mse(pred), 3)} (repeating the last value: ${fmt(mse(truth.map(() => context[C - 1])), 3)})`
    );
  };
}
