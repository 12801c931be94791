/**
 * Adapt view for sinusoids: a held-out sine wave (the CPU twin of the GPU sampler), its support points, the
 * true curve, and the learner's prediction before (empty support) and after reading the support set.
 * Click to fit: each click on the plot adds a support point of the user's own task there, and the curve
 * adapted to the clicked points is drawn at once (a black-box learner adapts by reading: a forward pass).
 */
import type uPlot from 'uplot';
import type { RunConfig } from '../../src/io/run_config';
import { sinusoidTaskRef } from '../../src/reference/sinusoid';
import { fmt } from './dom';
import { chart, COLORS } from './plot';
import type { Point, Regressor } from '../../src/meta/learner';

const GRID = Array.from({ length: 101 }, (_, i) => -5 + i / 10);

function sinusoidChart(box: HTMLElement): uPlot {
  return chart(box, {
    // A fixed y range (amplitudes reach 5): a click lands where it was aimed, whatever was drawn before.
    scales: { x: { time: false }, y: { range: [-6, 6] } },
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

/**
 * Draws held-out task `index` into `box` and returns the readout; clicks on the plot then fit the user's own
 * points while `clicks.allowed()`, each refit handed to `clicks.onFit` (its readout, or an error).
 */
export function sinusoidAdapter(
  box: HTMLElement,
  testSeed: (c: RunConfig) => number,
  clicks: { allowed(): boolean; onFit(readout: Promise<string>): void } = {
    allowed: () => false,
    onFit: () => {},
  },
) {
  let plot: uPlot | null = null;
  let learner: Regressor | null = null;
  /** The user's own points (clicks since the last drawn task), in data units. */
  let clicked: Point[] = [];
  let busy = false;

  async function fitClicks(l: Regressor): Promise<string> {
    const fit = await l.adapt(clicked);
    const after = await fit.predict(GRID);
    const xs = [...new Set([...GRID, ...clicked.map((p) => p.x)])].sort((a, b) => a - b);
    const at = (vals: number[], keys: number[]) => {
      const m = new Map(keys.map((x, i) => [x, vals[i]]));
      return xs.map((x) => m.get(x) ?? null);
    };
    const none = xs.map(() => null);
    const ys = clicked.map((p) => p.y);
    plot!.setData([
      xs,
      none,
      none,
      at(after, GRID),
      at(
        ys,
        clicked.map((p) => p.x),
      ),
    ] as uPlot.AlignedData);
    box.dataset.clicks = String(clicked.length);
    const n = clicked.length;
    return `Your task: ${n} point${n === 1 ? '' : 's'} clicked · the curve adapted to them (click to add more; New task to start over)`;
  }

  function onClick(e: MouseEvent) {
    if (!plot || !learner || busy || !clicks.allowed()) return;
    const x = plot.posToVal(e.offsetX, 'x');
    const y = plot.posToVal(e.offsetY, 'y');
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    clicked.push({ x, y });
    busy = true;
    const r = fitClicks(learner);
    clicks.onFit(r);
    void r.finally(() => (busy = false)).catch(() => {});
  }

  return async (l: Regressor, c: RunConfig, index: number): Promise<string> => {
    learner = l;
    clicked = [];
    delete box.dataset.clicks;
    const t = sinusoidTaskRef(testSeed(c), 1, 0, index, c.shots);
    const support = t.xs.map((x, i) => ({ x, y: t.ys[i] }));
    const before = await l.predict([], GRID);
    const after = await l.predict(support, GRID);
    const truth = GRID.map((x) => t.amp * Math.sin(x + t.phase));
    const mse = (p: number[]) => p.reduce((a, v, i) => a + (v - truth[i]) ** 2, 0) / p.length;
    // uPlot shares one x axis: merge the grid with the support xs, leaving gaps where a series has no value.
    const xs = [...new Set([...GRID, ...t.xs])].sort((a, b) => a - b);
    const at = (vals: number[], keys: number[]) => {
      const m = new Map(keys.map((x, i) => [x, vals[i]]));
      return xs.map((x) => m.get(x) ?? null);
    };
    if (!plot) {
      plot = sinusoidChart(box);
      plot.over.addEventListener('click', onClick);
      plot.over.style.cursor = 'crosshair';
      plot.over.title = 'Click to add a point of your own task';
    }
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
