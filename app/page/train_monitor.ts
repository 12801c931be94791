/**
 * What the Train view shows of a run: a readout (mode, step, loss, held-out metric, steps/s, ETA, skipped
 * steps) and a live uPlot chart of the meta-training loss and the held-out metric by step.
 */
import type uPlot from 'uplot';
import type { RunConfig } from '../../src/io/run_config';
import type { TrainProgress } from '../../src/meta/trainer';
import { fmt, formatSeconds, h } from './dom';
import { chart, COLORS } from './plot';
import { state } from './state';
import { metricName } from './train_params';

export type Mode = 'idle' | 'running' | 'paused' | 'stopped' | 'finished';

/** The latest figures; null until the run has one (shown as "—", never as "NaN"). */
interface Latest {
  rate: number | null;
  eta: number | null;
  loss: number | null;
  metric: number | null;
  skipped: number;
  phase?: string;
}

const NOTHING_YET: Latest = { rate: null, eta: null, loss: null, metric: null, skipped: 0 };

/** A figure, or "—" before there is one. A NaN the run produced (a diverged loss) still shows as NaN. */
const shown = (v: number | null, digits?: number) => (v === null ? '—' : fmt(v, digits));

export class TrainMonitor {
  readonly readout = h('p', { id: 'train-readout', class: 'readout', 'aria-live': 'polite' }, 'Not started.');
  readonly plotBox = h('div', {
    class: 'plot',
    id: 'train-plot',
    role: 'img',
    'aria-label': 'Loss and held-out MSE by step',
  });
  /** Columns of the plot: a step has a loss, a metric or both (null where it has none). */
  readonly #data = { steps: [] as number[], loss: [] as (number | null)[], metric: [] as (number | null)[] };
  #latest: Latest = { ...NOTHING_YET };
  #plot: uPlot | null = null;
  #plotMetric = '';

  /** `mode` says what the run is doing, for the readout. */
  constructor(readonly mode: () => Mode) {}

  /** A new run of `config`: nothing plotted yet, and a chart for its task's metric. */
  begin(config: RunConfig): void {
    this.clearPoints();
    this.#latest = { ...NOTHING_YET };
    const metric = metricName(config.task);
    if (this.#plot && this.#plotMetric !== metric) {
      this.#plot.destroy();
      this.#plot = null;
    }
    this.#plotMetric = metric;
    this.plotBox.setAttribute('aria-label', `Loss and ${metric} by step`);
    // Omniglot's loss is a cross-entropy and its metric an accuracy: one log axis still shows both.
    this.#plot ??= chart(this.plotBox, {
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [
        { label: 'step' },
        { label: config.task === 'omniglot' ? 'loss, accuracy (log scale)' : 'MSE (log scale)' },
      ],
      series: [
        { label: 'step' },
        { label: 'meta-training loss', stroke: COLORS.loss, spanGaps: true },
        { label: metric, stroke: COLORS.metric, spanGaps: true, points: { show: true, size: 6 } },
      ],
    });
  }

  progress(p: TrainProgress): void {
    this.#data.loss[this.#point(p.step)] = p.loss;
    this.#latest = {
      ...this.#latest,
      rate: p.stepsPerSecond,
      eta: p.etaSeconds,
      loss: p.loss,
      skipped: p.skipped,
      phase: p.phase,
    };
    this.show();
  }

  evaluated(step: number, mean: number): void {
    this.#data.metric[this.#point(step)] = mean;
    this.#latest.metric = mean;
    this.show();
  }

  /** Forgets the plotted points (a learner loaded elsewhere has a history of its own). */
  clearPoints(): void {
    const d = this.#data;
    d.steps.length = d.loss.length = d.metric.length = 0;
  }

  show(): void {
    const mode = this.mode();
    const last = this.#latest;
    const l = state.learner;
    const at = l ? `step ${l.stepCount} of ${state.config.steps}` : 'no learner';
    this.readout.textContent =
      `${mode}: ${at} · loss ${shown(last.loss)}${last.phase ? ` (${last.phase})` : ''} · ` +
      `${metricName(state.config.task)} ${shown(last.metric)} · ` +
      `${shown(last.rate, 3)} steps/s · ETA ${mode === 'running' ? formatSeconds(last.eta ?? NaN) : '—'}` +
      (last.skipped ? ` · ${last.skipped} steps skipped (NaN/Inf gradient)` : '');
    const d = this.#data;
    this.#plot?.setData([d.steps, d.loss, d.metric] as uPlot.AlignedData);
    this.plotBox.dataset.points = String(d.steps.length);
  }

  /** The column of `step`, added when it is new (steps only grow within a run). */
  #point(step: number): number {
    const d = this.#data;
    if (d.steps[d.steps.length - 1] !== step) {
      d.steps.push(step);
      d.loss.push(null);
      d.metric.push(null);
    }
    return d.steps.length - 1;
  }
}
