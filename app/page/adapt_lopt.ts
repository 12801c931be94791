/**
 * Adapt view for the learned optimizer: a few new sinusoid tasks, optimised from the same initial weights by
 * the learned optimizer and by SGD, RMSprop and Adam (each at the learning rate that did best on training
 * tasks), with their loss curves on a log scale — what the learner is for.
 */
import type uPlot from 'uplot';
import { LearnedOptimizer } from '../../src/meta/lopt';
import type { RunConfig } from '../../src/io/run_config';
import { fmt } from './dom';
import { chart } from './plot';

export type Comparer = Pick<LearnedOptimizer, 'compare' | 'opts'>;
export const canCompare = (l: unknown): l is LearnedOptimizer => l instanceof LearnedOptimizer;

/** Held-out tasks per comparison: few, so that tuning the three baselines stays quick on a software adapter. */
const TASKS = 4;
const KINDS = ['lopt', 'adam', 'rmsprop', 'sgd'] as const;
const COLORS = { lopt: '#1f6fb2', adam: '#d9480f', rmsprop: '#2b8a3e', sgd: '#868e96' };

export function loptAdapter(box: HTMLElement, testSeed: (c: RunConfig) => number) {
  let plot: uPlot | null = null;
  return async (learner: Comparer, c: RunConfig, index: number): Promise<string> => {
    const steps = learner.opts.runSteps;
    const r = await learner.compare(TASKS, testSeed(c) + 97 * index, steps);
    plot?.destroy();
    plot = chart(box, {
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [{ label: 'inner step' }, { label: 'task loss (MSE, log scale)' }],
      series: [
        { label: 'step' },
        ...KINDS.map((k) => ({
          label: k === 'lopt' ? 'learned (GRU)' : `${k}, lr ${r.lr[k]}`,
          stroke: COLORS[k],
          width: k === 'lopt' ? 2.5 : 1.5,
          dash: k === 'sgd' ? [6, 4] : undefined,
          points: { show: false },
        })),
      ],
    });
    // A log axis cannot show zeros: clamp to a floor far below any loss worth plotting.
    const floor = (v: number[]) => v.map((x) => Math.max(x, 1e-8));
    const curve = (k: (typeof KINDS)[number]) => r.curves[k] ?? []; // the page runs all three baselines
    plot.setData([r.curves.lopt.map((_, s) => s), ...KINDS.map((k) => floor(curve(k)))] as uPlot.AlignedData);
    box.dataset.points = String(r.curves.lopt.length);
    const last = (k: (typeof KINDS)[number]) => fmt(curve(k)[steps], 3);
    return (
      `Tasks ${index * TASKS + 1}–${(index + 1) * TASKS}: mean loss after ${steps} inner steps · learned ` +
      `${last('lopt')}, Adam ${last('adam')}, RMSprop ${last('rmsprop')}, SGD ${last('sgd')} ` +
      `(baselines at their best learning rate on training tasks)`
    );
  };
}
