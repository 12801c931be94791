/**
 * What the Bench view shows of a finished run: a summary line (adapter, matmul speed, throughput), a table
 * (median and range in ms, step ÷ ours, GFLOP/s and share of the adapter's matmul speed per case and
 * implementation), each peer's backend as run, issue 17's targets, a bar chart of the step-time ratios and
 * the meta-training curve (tasks/s against the meta-batch).
 */
import type uPlot from 'uplot';
import { META_LEARNERS, PEERS, type BenchCase, type MetaLearnerName } from '../../bench/cases';
import { formatPeerConfig, type BenchRun } from '../../bench/run';
import { formatTarget } from '../../bench/targets';
import { barChart, type Bar } from './bars';
import { h } from './dom';
import { chart, COLORS } from './plot';

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
    'Step min–max',
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
        `${num(o.trainStep.minMs)}–${num(o.trainStep.maxMs)}`,
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
        `${num(e.trainStep.minMs)}–${num(e.trainStep.maxMs)}`,
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
      `Median of ${r.timing.rounds * r.timing.runsPerRound} runs in ${r.timing.rounds} rounds, implementations ` +
        'interleaved (the order rotates from round to round), each warmed up before its runs. Step = forward + ' +
        'backward + Adam on MSE; step ÷ ours (median ÷ median) > 1 means slower than ours. ' +
        `${r.cases.map(shape).join('; ')}.`,
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

/** Each peer's backend as TF.js ran it, and issue 17's targets met or not. */
function notes(r: BenchRun): HTMLElement[] {
  const peers = Object.entries(r.peerConfig);
  return [
    ...(peers.length
      ? [
          h(
            'ul',
            { id: 'bench-peer-config', class: 'readout' },
            ...peers.map(([p, c]) => h('li', {}, `${p} as run: ${formatPeerConfig(c ?? {})}`)),
          ),
        ]
      : []),
    h(
      'details',
      { id: 'bench-targets' },
      h('summary', {}, `Targets of issue 17 (set for the software adapter): ${targetsMet(r)}`),
      h('ul', {}, ...r.targets.map((t) => h('li', { 'data-met': String(t.met) }, formatTarget(t)))),
    ),
  ];
}

function targetsMet(r: BenchRun): string {
  const measured = r.targets.filter((t) => t.met !== null);
  return `${measured.filter((t) => t.met).length} of ${measured.length} measured met`;
}

/** Tasks/s against the meta-batch (log₂ axis), one line per learner: the curve `metarnn bench` writes as SVG. */
function scalingChart(r: BenchRun): HTMLElement[] {
  if (!r.scaling) return [];
  const points = r.scaling.points;
  const batches = [...new Set(points.map((p) => p.metaBatch))].sort((a, b) => a - b);
  const learners = (Object.keys(META_LEARNERS) as MetaLearnerName[]).filter((l) =>
    points.some((p) => p.learner === l),
  );
  const y = (l: MetaLearnerName) =>
    batches.map((b) => points.find((p) => p.learner === l && p.metaBatch === b)?.tasksPerSecond ?? null);
  const label = points
    .map(
      (p) => `${p.learner} ${p.metaBatch}: ${p.tasksPerSecond === null ? 'failed' : num(p.tasksPerSecond)}`,
    )
    .join('; ');
  const box = h('div', {
    class: 'plot',
    id: 'bench-scaling',
    role: 'img',
    'aria-label': `Meta-training tasks/s against the meta-batch: ${label}`,
    'data-points': points.filter((p) => p.tasksPerSecond !== null).length,
  });
  const colors = [COLORS.loss, COLORS.metric];
  const plot = chart(
    box,
    {
      title: 'Meta-training tasks/s against the meta-batch',
      scales: { x: { time: false, distr: 3, log: 2 }, y: { range: (_u, _min, max) => [0, max * 1.1] } },
      axes: [{ label: 'meta-batch (log scale)' }, { label: 'tasks/s' }],
      series: [
        { label: 'meta-batch' },
        ...learners.map((l, i) => ({
          label: META_LEARNERS[l],
          stroke: colors[i % colors.length],
          spanGaps: true,
          points: { show: true, size: 6 },
        })),
      ],
    },
    260,
  );
  plot.setData([batches, ...learners.map(y)] as uPlot.AlignedData);
  return [box];
}

/** A finished run: the summary line, the table, the notes, the bar chart of ratios and the curve. */
export function results(r: BenchRun, bars: Bar[]): HTMLElement[] {
  return [
    h('p', { id: 'bench-summary', class: 'readout' }, summary(r)),
    h('div', { class: 'scroll' }, resultsTable(r)),
    ...notes(r),
    h(
      'div',
      { class: 'scroll' },
      barChart(bars, {
        id: 'bench-chart',
        title: 'Training-step time relative to ours, and batched ÷ task-by-task throughput',
        unit: '×',
      }),
    ),
    ...scalingChart(r),
  ];
}
