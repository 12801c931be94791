/**
 * Adapt view: draw a task the learner never trained on (the CPU twin of the GPU sampler, on the held-out
 * test stream) and show what the learner makes of it: adapt_sinusoid.ts, adapt_forecast.ts,
 * adapt_omniglot.ts, and adapt_lopt.ts for the learned optimizer. This file picks which and keeps the view's
 * state: which task is drawn next, and whether the current learner can adapt at all.
 */
import { EVAL_SEED_OFFSET, type MetaLearner } from '../../src/meta/learner';
import type { RunConfig } from '../../src/io/run_config';
import { canForecast, forecastAdapter } from './adapt_forecast';
import { canCompare, loptAdapter } from './adapt_lopt';
import { canClassify, omniglotAdapter } from './adapt_omniglot';
import { sinusoidAdapter } from './adapt_sinusoid';
import { h, say } from './dom';
import { canPredict, onLearnerChange, state } from './state';
import { DrawClasses } from './draw_classes';
import { loadShipped } from './checkpoints';
import { UploadData } from './upload';

/** Same offset as `metarnn train`'s test tasks: never the training or validation stream. */
const testSeed = (c: RunConfig) => c.seed + EVAL_SEED_OFFSET.test;

const INTRO: Record<string, string> = {
  sinusoid:
    'A new sine wave: the learner sees only the support points and must predict the whole curve. ' +
    'Then click on the plot to give it points of your own task: the curve adapts to them at once.',
  forecast: 'A new series: the learner reads its context and must continue it over the horizon.',
  omniglot:
    'A new episode of characters from alphabets held out of training: the learner sees one labelled ' +
    'drawing per shot and class, then labels the queries.',
};

const LOPT_INTRO =
  'New sine-wave fitting problems: the learned optimizer trains a fresh GRU cell on each, and so do SGD, ' +
  'RMSprop and Adam from the same start. Lower is better.';

const plotBox = (id: string, label: string) =>
  h('div', { class: 'plot', id, role: 'img', 'aria-label': label });

class AdaptView {
  readonly sample = h(
    'button',
    { id: 'adapt-sample', type: 'button', title: 'Draw a new held-out task and adapt to it' },
    'New task',
  );
  readonly intro = h('p', { id: 'adapt-intro' });
  readonly readout = h('p', { id: 'adapt-readout', class: 'readout', 'aria-live': 'polite' });
  readonly plotBox = plotBox(
    'adapt-plot',
    'True curve, support points and predictions before and after adaptation',
  );
  readonly forecastBox = plotBox(
    'adapt-forecast',
    'Context, true continuation and forecast of a held-out series',
  );
  readonly imagesBox = h('div', { id: 'adapt-images' });
  readonly loptBox = plotBox(
    'adapt-lopt',
    'Loss curves of the learned optimizer, Adam, RMSprop and SGD on the same held-out tasks',
  );
  readonly #adaptSinusoid = sinusoidAdapter(this.plotBox, testSeed, {
    allowed: () => !state.training && canPredict(state.learner),
    onFit: (r) => void this.#clickFit(r),
  });
  readonly #adaptForecast = forecastAdapter(this.forecastBox, testSeed);
  readonly #adaptOmniglot = omniglotAdapter(this.imagesBox, testSeed);
  readonly #adaptLopt = loptAdapter(this.loptBox, testSeed);
  readonly draw = new DrawClasses(async () => {
    if (state.training) throw new Error('pause training first');
    await loadShipped();
  });
  readonly upload = new UploadData();
  /** The next held-out task's index; back to 0 when the task family changes. */
  #taskIndex = 0;
  #shownTask = '';

  constructor(readonly root: HTMLElement) {
    root.replaceChildren(
      h('h2', {}, 'Adapt'),
      this.intro,
      h('div', { class: 'buttons' }, this.sample),
      this.readout,
      this.plotBox,
      this.forecastBox,
      this.imagesBox,
      this.loptBox,
      this.draw.root,
      this.upload.root,
    );
    this.sample.addEventListener('click', () => void this.#adaptNext());
  }

  /** Shows the boxes and the readout for the current learner and task, and whether a task can be drawn. */
  refresh(): void {
    const task = state.config.task;
    const lopt = this.#isLopt();
    if (task !== this.#shownTask) {
      this.#shownTask = task;
      this.#taskIndex = 0;
      delete this.root.dataset.adapted;
      this.readout.textContent = '';
      this.imagesBox.replaceChildren();
    }
    this.intro.textContent = lopt ? LOPT_INTRO : (INTRO[task] ?? '');
    this.loptBox.hidden = !lopt;
    this.plotBox.hidden = task !== 'sinusoid' || lopt;
    this.forecastBox.hidden = task !== 'forecast';
    this.imagesBox.hidden = task !== 'omniglot';
    this.draw.refresh();
    this.upload.refresh();
    const able = this.#able();
    this.sample.disabled = !(able && !state.training);
    const readout = this.readout;
    if (!state.learner) readout.textContent = 'Train a learner or load a checkpoint first.';
    else if (!able && task === 'omniglot')
      readout.textContent =
        'This classifier was loaded without its Omniglot images: draw your own classes below, or pick the ' +
        'images under Data in the Train view to draw held-out episodes.';
    else if (!able)
      readout.textContent = `The ${state.config.learner} learner cannot plot predictions; train a blackbox learner.`;
    else if (state.training) readout.textContent = 'Pause training to adapt.';
    else if (!readout.textContent || readout.textContent.endsWith('first.'))
      readout.textContent = 'Ready: draw a task.';
  }

  #isLopt(): boolean {
    return state.config.learner === 'lopt' && canCompare(state.learner);
  }

  /** Whether the learner can show adaptation on the current task (sinusoid: predict(support, xs)). */
  #able(): boolean {
    const l = state.learner;
    const task = state.config.task;
    if (this.#isLopt()) return true;
    return task === 'omniglot' ? canClassify(l) : task === 'forecast' ? canForecast(l) : canPredict(l);
  }

  /** The readout after adapting `learner` to held-out task `index` of its task family. */
  #adapt(learner: MetaLearner | null, c: RunConfig, index: number): Promise<string> {
    if (c.learner === 'lopt' && canCompare(learner)) return this.#adaptLopt(learner, c, index);
    if (c.task === 'omniglot' && canClassify(learner)) return this.#adaptOmniglot(learner, c, index);
    if (c.task === 'forecast' && canForecast(learner)) return this.#adaptForecast(learner, c, index);
    if (canPredict(learner)) return this.#adaptSinusoid(learner, c, index);
    throw new Error(`learner '${c.learner}' cannot show adaptation on '${c.task}'`);
  }

  /** A click on the sinusoid plot added a point of the user's own task: show the refit's readout. */
  async #clickFit(readout: Promise<string>): Promise<void> {
    try {
      this.readout.textContent = await readout;
    } catch (e) {
      say(`Fitting your points failed: ${(e as Error).message}`, true);
    }
  }

  /** Draws the next held-out task and shows the learner's adaptation to it. */
  async #adaptNext(): Promise<void> {
    const learner = state.learner;
    const c = state.config;
    if (!this.#able() || state.training) return this.refresh();
    this.sample.disabled = true;
    const index = this.#taskIndex++;
    try {
      if (this.#isLopt())
        this.readout.textContent = 'Optimising 4 new tasks; tuning SGD, RMSprop and Adam first…';
      this.readout.textContent = await this.#adapt(learner, c, index);
      this.root.dataset.adapted = String(this.#taskIndex);
    } catch (e) {
      say(`Adapting failed: ${(e as Error).message}`, true);
      console.error(e);
    } finally {
      this.refresh();
    }
  }
}

/** Builds the view; returns what to call when it is shown (training may have paused meanwhile). */
export function renderAdapt(root: HTMLElement): () => void {
  const view = new AdaptView(root);
  const refresh = () => view.refresh();
  onLearnerChange(refresh);
  refresh();
  return refresh;
}
