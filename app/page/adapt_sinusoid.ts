/**
 * Adapt view for sinusoids: a held-out sine wave (the CPU twin of the GPU sampler), its support points, the
 * true curve, and the learner's prediction before (empty support) and after reading the support set.
 */
import type uPlot from 'uplot';
import type { RunConfig } from '../../src/io/run_config';
import { sinusoidTaskRef } from '../../src/reference/sinusoid';
import { fmt } from './dom';
import { chart, COLORS } from './plot';
import type { Regressor } from '../../src/meta/learner';

const GRID = Array.from({ length: 101 }, (_, i) => -5 + i / 10);

function sinusoidChart(box: HTMLElement): uPlot {
  return chart(box, {
    scales: { x: { time: false } },
    axes: [{ label: 'x' }, { label: 'y' }],
    series: [
      { label: 'x' },
      { label: 'true curve', stroke: COLORS.truth, width: 2, spanGaps: true, points: { show: false } },
      {
        label: 'before adapting',
        stroke: COLORS.before,
        dash: [6, 4],
        spanGaps: true,
        points: { show: false },
      },
      {
        label: 'after adapting',
        stroke: COLORS.after,
        width: 2,
        spanGaps: true,
        points: { show: false },
      },
      {
        label: 'support',
        stroke: '#000',
        paths: () => null,
        points: { show: true, size: 9, fill: '#000' },
      },
    ],
  });
}

/** Draws held-out task `index` into `box` and returns the readout. */
export function sinusoidAdapter(box: HTMLElement, testSeed: (c: RunConfig) => number) {
  let plot: uPlot | null = null;
  return async (learner: Regressor, c: RunConfig, index: number): Promise<string> => {
    const t = sinusoidTaskRef(testSeed(c), 1, 0, index, c.shots);
    const support = t.xs.map((x, i) => ({ x, y: t.ys[i] }));
    const before = await learner.predict([], GRID);
    const after = await learner.predict(support, GRID);
    const truth = GRID.map((x) => t.amp * Math.sin(x + t.phase));
    const mse = (p: number[]) => p.reduce((a, v, i) => a + (v - truth[i]) ** 2, 0) / p.length;
    // uPlot shares one x axis: merge the grid with the support xs, leaving gaps where a series has no value.
    const xs = [...new Set([...GRID, ...t.xs])].sort((a, b) => a - b);
    const at = (vals: number[], keys: number[]) => {
      const m = new Map(keys.map((x, i) => [x, vals[i]]));
      return xs.map((x) => m.get(x) ?? null);
    };
    plot ??= sinusoidChart(box);
    plot.setData([
      xs,
      at(truth, GRID),
      at(before, GRID),
      at(after, GRID),
      at(t.ys, t.xs),
    ] as uPlot.AlignedData);
    return (
      `Task ${index + 1}: amplitude ${fmt(t.amp, 3)}, phase ${fmt(t.phase, 3)}, ${c.shots} support points · ` +
      `MSE before ${fmt(mse(before), 3)} → after ${fmt(mse(after), 3)}`
    );
  };
}
