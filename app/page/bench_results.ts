/**
 * What the Bench view shows of a finished run: a summary line (adapter, matmul speed, throughput), a table
 * (median ms, step ÷ ours, GFLOP/s and share of the adapter's matmul speed per case and implementation) and
 * a bar chart of the step-time ratios.
 */
import { PEERS, type BenchCase } from '../../bench/cases';
import type { BenchRun } from '../../bench/run';
import { barChart, type Bar } from './bars';
import { h } from './dom';
import { COLORS } from './plot';

const num = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A case's sizes, in words (the table's caption and the Sizes field's help). */
export const shape = (c: BenchCase) =>
  `${c.name}: ${c.layers} layer${c.layers > 1 ? 's' : ''}, batch ${c.batch}, T ${c.T}, input ${c.input}, hidden ${c.hidden}`;

function resultsTable(r: BenchRun): HTMLTableElement {
  const head = [
    'Case',
    'Implementation',
    'Forward ms',
    'Step ms',
    'Step ÷ ours',
    'GFLOP/s step',
    'Of matmul',
  ];
  const body = h('tbody');
  const row = (cells: string[], note?: string) => {
    const tr = h('tr', {}, ...cells.map((c, i) => h(i < 2 ? 'th' : 'td', i < 2 ? { scope: 'row' } : {}, c)));
    if (note) tr.append(h('td', { colspan: head.length - cells.length, class: 'note' }, note));
    body.append(tr);
  };
  for (const c of r.cases) {
    const o = c.ours;
    if (o.forwardMs === null) row([c.name, 'ours'], `failed: ${o.error}`);
    else
      row([
        c.name,
        'ours',
        num(o.forwardMs),
        num(o.trainStepMs),
        '1.00×',
        o.gflopsTrainStep.toFixed(3),
        pct(o.shareTrainStep),
      ]);
    for (const p of PEERS) {
      const e = c.peers[p];
      if (e.forwardMs === null) {
        row([c.name, p], e.error ? `failed: ${e.error}` : `skipped: ${e.skipped}`);
        continue;
      }
      const vs = e.stepVsOurs === null ? '—' : `${e.stepVsOurs.toFixed(2)}×`;
      row([
        c.name,
        p,
        num(e.forwardMs),
        num(e.trainStepMs),
        vs,
        e.gflopsTrainStep.toFixed(3),
        pct(e.shareTrainStep),
      ]);
    }
  }
  return h(
    'table',
    { id: 'bench-table', class: 'bench-table' },
    h(
      'caption',
      {},
      `Median of ${r.timing.repeats} runs after warm-up. Step = forward + backward + Adam on MSE; ` +
        `step ÷ ours > 1 means slower than ours. ${r.cases.map(shape).join('; ')}.`,
    ),
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
}

/** One bar per timed implementation (step time ÷ ours), and the batched ÷ task-by-task throughput. */
export function ratioBars(r: BenchRun): Bar[] {
  const bars: Bar[] = [];
  for (const c of r.cases) {
    if (c.ours.trainStepMs !== null) bars.push({ label: `${c.name} ours`, value: 1, color: COLORS.loss });
    for (const p of PEERS) {
      const e = c.peers[p];
      if (e.forwardMs !== null && e.stepVsOurs !== null)
        bars.push({ label: `${c.name} ${p}`, value: e.stepVsOurs, color: COLORS.before });
    }
  }
  if (r.throughput)
    bars.push({
      label: `throughput, ${r.throughput.metaBatch} tasks/submit ÷ 1`,
      value: r.throughput.ratio,
      color: COLORS.truth,
    });
  return bars;
}

function summary(r: BenchRun): string {
  const a = r.adapter;
  const t = r.throughput;
  return (
    `Adapter ${a.vendor || '?'}/${a.architecture || '?'}${a.isFallbackAdapter ? ' (software)' : ''}; ` +
    `matmul ${r.matmul.size}³ ${r.matmulGflops.toFixed(3)} GFLOP/s` +
    (t
      ? `; meta-training ${t.batchedTasksPerSecond.toFixed(0)} tasks/s with ${t.metaBatch} tasks per submit, ` +
        `${t.taskByTaskTasksPerSecond.toFixed(1)} task by task with a readback each (${t.ratio.toFixed(1)}×)`
      : '') +
    '.'
  );
}

/** A finished run: the summary line, the table and the bar chart of ratios. */
export function results(r: BenchRun, bars: Bar[]): HTMLElement[] {
  return [
    h('p', { id: 'bench-summary', class: 'readout' }, summary(r)),
    h('div', { class: 'scroll' }, resultsTable(r)),
    h(
      'div',
      { class: 'scroll' },
      barChart(bars, {
        id: 'bench-chart',
        title: 'Training-step time relative to ours, and batched ÷ task-by-task throughput',
        unit: '×',
      }),
    ),
  ];
}
