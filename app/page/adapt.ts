/**
 * Adapt view: draw a task the learner never trained on (the CPU twin of the GPU sampler, on the held-out
 * test stream) and show what the learner makes of it. Sinusoid: support points, the true curve, and the
 * prediction before (empty support) and after reading the support set. Forecast and Omniglot: see
 * adapt_forecast.ts and adapt_omniglot.ts.
 */
import type uPlot from 'uplot';
import type { RunConfig } from '../../src/io/run_config';
import { sinusoidTaskRef } from '../../src/reference/sinusoid';
import { canForecast, forecastAdapter } from './adapt_forecast';
import { canCompare, loptAdapter } from './adapt_lopt';
import { canClassify, omniglotAdapter } from './adapt_omniglot';
import { fmt, h, say } from './dom';
import { chart, COLORS } from './plot';
import { canPredict, onLearnerChange, state, type Predictor } from './state';

/** Same offset as `metarnn train`'s test tasks: never the training or validation stream. */
const TEST_SEED_OFFSET = 2000;
const testSeed = (c: RunConfig) => c.seed + TEST_SEED_OFFSET;
const GRID = Array.from({ length: 101 }, (_, i) => -5 + i / 10);

const INTRO: Record<string, string> = {
  sinusoid: 'A new sine wave: the learner sees only the support points and must predict the whole curve.',
  forecast: 'A new series: the learner reads its context and must continue it over the horizon.',
  omniglot:
    'A new episode of characters from alphabets held out of training: the learner sees one labelled ' +
    'drawing per shot and class, then labels the queries.',
};

const LOPT_INTRO =
  'New sine-wave fitting problems: the learned optimizer trains a fresh GRU cell on each, and so do SGD, ' +
  'RMSprop and Adam from the same start. Lower is better.';

/** Builds the view; returns what to call when it is shown (training may have paused meanwhile). */
export function renderAdapt(root: HTMLElement): () => void {
  let taskIndex = 0;
  const sample = h(
    'button',
    { id: 'adapt-sample', type: 'button', title: 'Draw a new held-out task and adapt to it' },
    'New task',
  );
  const intro = h('p', { id: 'adapt-intro' });
  const readout = h('p', { id: 'adapt-readout', class: 'readout', 'aria-live': 'polite' });
  const plotBox = h('div', {
    class: 'plot',
    id: 'adapt-plot',
    role: 'img',
    'aria-label': 'True curve, support points and predictions before and after adaptation',
  });
  const forecastBox = h('div', {
    class: 'plot',
    id: 'adapt-forecast',
    role: 'img',
    'aria-label': 'Context, true continuation and forecast of a held-out series',
  });
  const imagesBox = h('div', { id: 'adapt-images' });
  const loptBox = h('div', {
    class: 'plot',
    id: 'adapt-lopt',
    role: 'img',
    'aria-label': 'Loss curves of the learned optimizer, Adam, RMSprop and SGD on the same held-out tasks',
  });
  root.replaceChildren(
    h('h2', {}, 'Adapt'),
    intro,
    h('div', { class: 'buttons' }, sample),
    readout,
    plotBox,
    forecastBox,
    imagesBox,
    loptBox,
  );
  let plot: uPlot | null = null;
  const adaptForecast = forecastAdapter(forecastBox, testSeed);
  const adaptOmniglot = omniglotAdapter(imagesBox, testSeed);
  const adaptLopt = loptAdapter(loptBox, testSeed);
  const isLopt = () => state.config.learner === 'lopt' && canCompare(state.learner);
  // Which learners can show adaptation for the current task (sinusoid: predict(support, xs)).
  const able = () => {
    const l = state.learner;
    const task = state.config.task;
    if (isLopt()) return true;
    return task === 'omniglot' ? canClassify(l) : task === 'forecast' ? canForecast(l) : canPredict(l);
  };
  let shownTask = '';

  const refresh = () => {
    const task = state.config.task;
    if (task !== shownTask) {
      shownTask = task;
      taskIndex = 0;
      delete root.dataset.adapted;
      readout.textContent = '';
      imagesBox.replaceChildren();
    }
    intro.textContent = isLopt() ? LOPT_INTRO : (INTRO[task] ?? '');
    loptBox.hidden = !isLopt();
    plotBox.hidden = task !== 'sinusoid' || isLopt();
    forecastBox.hidden = task !== 'forecast';
    imagesBox.hidden = task !== 'omniglot';
    const ok = able() && !state.training;
    sample.disabled = !ok;
    if (!state.learner) readout.textContent = 'Train a learner or load a checkpoint first.';
    else if (!able())
      readout.textContent = `The ${state.config.learner} learner cannot plot predictions; train a blackbox learner.`;
    else if (state.training) readout.textContent = 'Pause training to adapt.';
    else if (!readout.textContent || readout.textContent.endsWith('first.'))
      readout.textContent = 'Ready: draw a task.';
  };
  onLearnerChange(refresh);
  refresh();

  async function adaptSinusoid(learner: Predictor, c: RunConfig, index: number): Promise<string> {
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
    return (
      `Task ${index + 1}: amplitude ${fmt(t.amp, 3)}, phase ${fmt(t.phase, 3)}, ${c.shots} support points · ` +
      `MSE before ${fmt(mse(before), 3)} → after ${fmt(mse(after), 3)}`
    );
  }

  sample.addEventListener('click', async () => {
    const learner = state.learner;
    const c = state.config;
    if (!able() || state.training) return refresh();
    sample.disabled = true;
    const index = taskIndex++;
    try {
      if (isLopt()) readout.textContent = 'Optimising 4 new tasks; tuning SGD, RMSprop and Adam first…';
      readout.textContent = isLopt()
        ? await adaptLopt(learner as unknown as Parameters<typeof adaptLopt>[0], c, index)
        : c.task === 'omniglot' && canClassify(learner)
          ? await adaptOmniglot(learner, c, index)
          : c.task === 'forecast' && canForecast(learner)
            ? await adaptForecast(learner, c, index)
            : await adaptSinusoid(learner as unknown as Predictor, c, index);
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
