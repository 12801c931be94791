/**
 * Adapt view: draw a sinusoid task the learner never trained on (the CPU twin of the GPU sampler, on the
 * held-out test stream), show its support points, the true curve, and the learner's prediction before
 * (empty support) and after reading the support set.
 */
import type uPlot from 'uplot';
import { sinusoidTaskRef } from '../../src/reference/sinusoid';
import { fmt, h, say } from './dom';
import { chart, COLORS } from './plot';
import { canPredict, onLearnerChange, state } from './state';

/** Same offset as `metarnn train`'s test tasks: never the training or validation stream. */
const TEST_SEED_OFFSET = 2000;
const GRID = Array.from({ length: 101 }, (_, i) => -5 + i / 10);

/** Builds the view; returns what to call when it is shown (training may have paused meanwhile). */
export function renderAdapt(root: HTMLElement): () => void {
  let taskIndex = 0;
  const sample = h(
    'button',
    { id: 'adapt-sample', type: 'button', title: 'Draw a new held-out task and adapt to it' },
    'New task',
  );
  const readout = h('p', { id: 'adapt-readout', class: 'readout', 'aria-live': 'polite' });
  const plotBox = h('div', {
    class: 'plot',
    id: 'adapt-plot',
    role: 'img',
    'aria-label': 'True curve, support points and predictions before and after adaptation',
  });
  root.replaceChildren(
    h('h2', {}, 'Adapt'),
    h('p', {}, 'A new sine wave: the learner sees only the support points and must predict the whole curve.'),
    h('div', { class: 'buttons' }, sample),
    readout,
    plotBox,
  );
  let plot: uPlot | null = null;

  const refresh = () => {
    const ok = canPredict(state.learner) && !state.training;
    sample.disabled = !ok;
    if (!state.learner) readout.textContent = 'Train a learner or load a checkpoint first.';
    else if (!canPredict(state.learner))
      readout.textContent = `The ${state.config.learner} learner cannot plot predictions; train a blackbox learner.`;
    else if (state.training) readout.textContent = 'Pause training to adapt.';
    else if (!readout.textContent || readout.textContent.endsWith('first.'))
      readout.textContent = 'Ready: draw a task.';
  };
  onLearnerChange(refresh);
  refresh();

  sample.addEventListener('click', async () => {
    const learner = state.learner;
    if (!canPredict(learner) || state.training) return refresh();
    const c = state.config;
    const t = sinusoidTaskRef(c.seed + TEST_SEED_OFFSET, 1, 0, taskIndex++, c.shots);
    const support = t.xs.map((x, i) => ({ x, y: t.ys[i] }));
    sample.disabled = true;
    try {
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
      plot ??= chart(plotBox, {
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
      plot.setData([
        xs,
        at(truth, GRID),
        at(before, GRID),
        at(after, GRID),
        at(t.ys, t.xs),
      ] as uPlot.AlignedData);
      readout.textContent =
        `Task ${taskIndex}: amplitude ${fmt(t.amp, 3)}, phase ${fmt(t.phase, 3)}, ${c.shots} support points · ` +
        `MSE before ${fmt(mse(before), 3)} → after ${fmt(mse(after), 3)}`;
      root.dataset.adapted = String(taskIndex);
    } catch (e) {
      say(`Adapting failed: ${(e as Error).message}`, true);
      console.error(e);
    } finally {
      refresh();
    }
  });
  return refresh;
}
