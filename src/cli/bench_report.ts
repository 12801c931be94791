/**
 * What `metarnn bench` prints: the header (adapter, how the rounds were timed, the host's load), a table with
 * one row per case and implementation (min / median / max over every round's runs), and the notes under it
 * (each round's order and load, each peer's backend as run, memory, time by kernel, meta-training throughput
 * and its curve, issue 17's targets). The JSON report is the same object (bench_command.ts BenchReport).
 */
import { PEERS } from '../../bench/cases';
import { formatPeerConfig, type CaseReport, type Speed } from '../../bench/run';
import { formatTarget } from '../../bench/targets';
import type { RoundsTiming } from '../../bench/cases';
import type { BenchReport } from './bench_command';

const num = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const ms = (x: number) => `${num(x)} ms`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
const load = (x: number | null) => (x === null ? '?' : x.toFixed(2));
const spread = (t: RoundsTiming) => `${num(t.minMs)}/${num(t.medianMs)}/${num(t.maxMs)}`;

const HEAD = [
  'case',
  'impl',
  'fwd ms min/med/max',
  'step ms min/med/max',
  'GFLOP/s fwd/step',
  'step/ours',
  'matmul share',
  'dispatches',
];

/** One row per case and implementation; a row that did not run says why in a trailing cell. */
function tableRows(r: BenchReport): string[][] {
  const rows: string[][] = [];
  const notRun = (c: CaseReport, impl: string, e: { skipped?: string; error?: string }) =>
    rows.push([
      c.name,
      impl,
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      e.error ? `failed: ${e.error}` : `(${e.skipped})`,
    ]);
  const timed = (
    c: CaseReport,
    impl: string,
    e: { forward: RoundsTiming; trainStep: RoundsTiming } & Speed,
  ) => [
    c.name,
    impl,
    spread(e.forward),
    spread(e.trainStep),
    `${e.gflopsForward.toFixed(3)}/${e.gflopsTrainStep.toFixed(3)}`,
  ];
  for (const c of r.cases) {
    const o = c.ours;
    if (o.forwardMs === null) notRun(c, 'ours', o);
    else
      rows.push([
        ...timed(c, 'ours', o),
        '1.00x',
        `${pct(o.shareForward)}/${pct(o.shareTrainStep)}`,
        `${o.dispatchesPerStep}`,
      ]);
    for (const p of PEERS) {
      const e = c.peers[p];
      if (e.forwardMs === null) notRun(c, p, e);
      else {
        const vs = e.stepVsOurs === null ? '-' : `${e.stepVsOurs.toFixed(2)}x`;
        rows.push([...timed(c, p, e), vs, `${pct(e.shareForward)}/${pct(e.shareTrainStep)}`, '-']);
      }
    }
  }
  return rows;
}

/** The meta-training curve, one line per learner: "blackbox: 32: 120, 64: 118, … tasks/s". */
function scalingLines(r: BenchReport, plot: string | null): string[] {
  if (!r.scaling) return [];
  const learners = [...new Set(r.scaling.points.map((p) => p.learner))];
  return [
    `meta-training tasks/s against the meta-batch (10-shot sinusoid, ${r.scaling.seconds} s per point` +
      `${plot ? `; plotted in ${plot}` : ''}):`,
    ...learners.map(
      (l) =>
        `  ${l}: ` +
        r
          .scaling!.points.filter((p) => p.learner === l)
          .map(
            (p) =>
              `${p.metaBatch}: ${p.tasksPerSecond === null ? `failed (${p.error})` : num(p.tasksPerSecond)}`,
          )
          .join(', '),
    ),
  ];
}

/** The lines under the table: what the columns mean, rounds and load, peers' backends, memory, throughput. */
function tableNotes(r: BenchReport, plot: string | null): string[] {
  const timed = r.cases.flatMap((c) => (c.ours.forwardMs === null ? [] : [{ name: c.name, ours: c.ours }]));
  return [
    'step = forward + backward + Adam on MSE over all outputs; step FLOPs = 3 x forward FLOPs.',
    'step/ours = median step time of the peer / ours (> 1: ours is faster); GFLOP/s and share from medians.',
    'share = GFLOP/s / matmul GFLOP/s of this adapter (tfjs-wasm and tfjs-cpu run on the CPU instead).',
    ...r.cases.map(
      (c) =>
        `${c.name} rounds (order; 1-min load before -> after): ` +
        c.rounds
          .map((x) => `${x.round}: ${x.order.join(',')}; ${load(x.loadBefore)} -> ${load(x.loadAfter)}`)
          .join(' | '),
    ),
    ...Object.entries(r.peerConfig).map(([p, c]) => `${p} as run: ${formatPeerConfig(c ?? {})}`),
    ...timed.map(
      (c) =>
        `${c.name}: GPU memory for a training step ${mib(c.ours.memory.heldBytes)} held, minimum ` +
        `${mib(c.ours.memory.minimumBytes)} (weights + saved activations + gradients + Adam state)`,
    ),
    ...timed
      .filter((c) => c.ours.stepByKernel.length)
      .map(
        (c) =>
          `${c.name}: ours, each kernel of a step alone: ${c.ours.stepByKernel.map((k) => `${k.kernel} ${ms(k.ms)}`).join(', ')}`,
      ),
    ...(r.throughput
      ? [
          `meta-training throughput (black-box GRU 2x64, 10-shot sinusoid): ${r.throughput.batchedTasksPerSecond.toFixed(0)} ` +
            `tasks/s with ${r.throughput.metaBatch} tasks per submit vs ${r.throughput.taskByTaskTasksPerSecond.toFixed(1)} ` +
            `task by task with a readback each: ${r.throughput.ratio.toFixed(1)}x`,
        ]
      : []),
    ...scalingLines(r, plot),
    `targets of issue 17 (set for the software adapter${r.adapter.isFallbackAdapter ? '' : '; this adapter is not one'}):`,
    ...r.targets.map((t) => `  ${formatTarget(t, true)}`),
  ];
}

/** The human-readable report; `plot` is where the meta-training curve was written, if anywhere. */
export function formatBenchReport(r: BenchReport, plot: string | null = null): string {
  const rows = tableRows(r);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (i >= widths.length ? s : i < 2 ? s.padEnd(widths[i]) : s.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const a = r.adapter;
  const t = r.timing;
  return [
    `adapter ${a.vendor || '?'}/${a.architecture || '?'}${a.isFallbackAdapter ? ' (fallback: software)' : ''}; ` +
      `matmul ${r.matmulGflops.toFixed(3)} GFLOP/s; crossOriginIsolated ${r.crossOriginIsolated}`,
    `timing: ${t.rounds} round${t.rounds === 1 ? '' : 's'} per case, implementations interleaved (order rotates each round); in each, ` +
      `warm-up then ${t.runsPerRound} timed runs; min/median/max over all ${t.rounds * t.runsPerRound} runs`,
    `host: ${r.host.cpus} CPUs; 1-min load average ${r.host.loadBefore.toFixed(2)} before, ` +
      `${r.host.loadAfter.toFixed(2)} after`,
    '',
    line(HEAD),
    ...rows.map(line),
    '',
    ...tableNotes(r, plot),
  ].join('\n');
}
