/**
 * `metarnn bench`: our GRU against TF.js 4.22's (webgpu, wasm and cpu backends) in one browser page on the
 * same adapter, plus the adapter's own matmul speed as the yardstick for "how much of the machine we use".
 * The page side lives in app/bench.ts and bench/; this file plans the runs, reports progress and the table,
 * and writes the JSON report.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Page } from 'playwright-core';
import type { BenchPage } from '../../app/bench';
import {
  CASES,
  PEERS,
  SLOW_PEERS,
  type BenchCase,
  type PeerName,
  type TimingOptions,
} from '../../bench/cases';
import { writeFileAtomic } from '../io/files';
import { gruForwardFlops } from '../kernels/gru_layout';
import { InputError, MetarnnError } from '../runtime/errors';
import { APP_DIR } from './server';
import { openSession } from './session';

export interface BenchOptions {
  cases: BenchCase[];
  /** Peers to run; the others appear in the report as skipped. */
  peers: readonly PeerName[];
  /** Fewer repeats, and the slow peers on the first case only. */
  quick: boolean;
  /** Side of the square matmul that measures the adapter (1024 in the real bench). */
  matmulSize: number;
  /** Seconds per side of the meta-training throughput measurement; 0 skips it. */
  throughputSeconds: number;
  log?: (line: string) => void;
}

type Result<K extends keyof BenchPage> = Awaited<ReturnType<BenchPage[K]>>;

/** Speeds derived here, from one FLOP count for everyone: gruForwardFlops, and 3x that for a step. */
interface Speed {
  gflopsForward: number;
  gflopsTrainStep: number;
  /** GFLOP/s as a fraction of the adapter's matmul GFLOP/s. */
  shareForward: number;
  shareTrainStep: number;
}

/** Entries that did not run keep their timing keys (as null), so readers of the JSON need no special case. */
export type OursEntry =
  (Result<'ours'> & Speed) | { forwardMs: null; trainStepMs: null; dispatchesPerStep: null; error: string };
export type PeerEntry =
  | (Result<'peer'> & Speed & { stepVsOurs: number | null })
  | { forwardMs: null; trainStepMs: null; skipped?: string; error?: string };

export interface CaseReport extends BenchCase {
  flopsForward: number;
  /** Forward + backward ≈ 3 forward passes (backward does two matmuls per forward one); Adam is negligible. */
  flopsTrainStep: number;
  ours: OursEntry;
  peers: Record<PeerName, PeerEntry>;
}

export interface BenchReport {
  adapter: Result<'info'>['adapter'];
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
  /** The 1-minute load average around the run: other work on the machine skews every figure. */
  host: { cpus: number; loadBefore: number; loadAfter: number };
  quick: boolean;
  timing: TimingOptions;
  matmulGflops: number;
  matmul: Result<'matmul'>;
  cases: CaseReport[];
  /** Meta-training tasks/s: one submit per 32-task step vs task by task with a readback each. */
  throughput: Result<'throughput'> | null;
}

/**
 * Calls `window.bench[name](...args)`. The call is an expression string with the arguments inlined as JSON,
 * so that no helper the CLI's compiler adds (tsx wraps named functions in `__name`) reaches the browser.
 */
async function call<K extends keyof BenchPage>(
  page: Page,
  name: K,
  ...args: Parameters<BenchPage[K]>
): Promise<Result<K>> {
  try {
    return (await page.evaluate(
      `window.bench[${JSON.stringify(name)}](...${JSON.stringify(args)})`,
    )) as Result<K>;
  } catch (e) {
    // Playwright prefixes its own lines and a page stack; the first line says what went wrong.
    const first = String((e as Error).message ?? e)
      .split('\n')[0]
      .replace(/^page\.evaluate: (Error: )?/, '');
    throw new MetarnnError(`bench.${name}: ${first}`, 'bench');
  }
}

function speed(flopsForward: number, forwardMs: number, trainStepMs: number, matmulGflops: number): Speed {
  const gflopsForward = flopsForward / (forwardMs * 1e6);
  const gflopsTrainStep = (3 * flopsForward) / (trainStepMs * 1e6);
  return {
    gflopsForward,
    gflopsTrainStep,
    shareForward: gflopsForward / matmulGflops,
    shareTrainStep: gflopsTrainStep / matmulGflops,
  };
}

function runsPeer(o: BenchOptions, p: PeerName, caseIndex: number): boolean {
  return o.peers.includes(p) && !(o.quick && caseIndex > 0 && SLOW_PEERS.includes(p));
}

/** Runs the whole plan in a page that has `window.bench` (see app/bench.ts) and returns the report. */
export async function runBench(page: Page, o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? (() => {});
  const loadBefore = loadavg()[0];
  const timing: TimingOptions = { repeats: o.quick ? 3 : 5, warmup: 1 };
  const info = await call(page, 'info');
  const a = info.adapter;
  log(`adapter ${a.vendor}/${a.architecture}; crossOriginIsolated ${info.crossOriginIsolated}`);

  log(`matmul ${o.matmulSize}³ (linear_forward), median of 3…`);
  const matmul = await call(page, 'matmul', o.matmulSize, { repeats: 3, warmup: 1 });
  log(`  ${matmul.gflops.toFixed(3)} GFLOP/s (${ms(matmul.ms)})`);

  const total = o.cases.reduce((n, _c, i) => n + 1 + PEERS.filter((p) => runsPeer(o, p, i)).length, 0);
  let done = 0;
  const cases: CaseReport[] = [];
  for (const [i, c] of o.cases.entries()) {
    const shape = { layers: c.layers, inputSize: c.input, hiddenSize: c.hidden, groups: 1 };
    const flopsForward = gruForwardFlops(shape, c.batch, c.T);
    const start = (what: string) => {
      log(`[${++done}/${total}] ${c.name} ${what}…`);
      return performance.now();
    };

    let t0 = start('ours');
    let ours: OursEntry;
    try {
      // Ours is cheap: an extra warm-up run costs little and keeps pipeline creation out of the figures.
      const r = await call(page, 'ours', c, { ...timing, warmup: 2 });
      ours = { ...r, ...speed(flopsForward, r.forwardMs, r.trainStepMs, matmul.gflops) };
      log(
        `  forward ${ms(r.forwardMs)}, step ${ms(r.trainStepMs)}, ${r.dispatchesPerStep} dispatches (${secs(t0)})`,
      );
    } catch (e) {
      // A failing case must not lose the other cases' figures (nor the peers' of this one).
      ours = { forwardMs: null, trainStepMs: null, dispatchesPerStep: null, error: (e as Error).message };
      log(`  failed: ${ours.error}`);
    }

    const peers = {} as Record<PeerName, PeerEntry>;
    for (const p of PEERS) {
      if (!runsPeer(o, p, i)) {
        const why = o.peers.includes(p) ? '--quick runs slow peers on the first case only' : 'not requested';
        peers[p] = { forwardMs: null, trainStepMs: null, skipped: why };
        continue;
      }
      t0 = start(p);
      try {
        const q = await call(page, 'peer', p, c, timing);
        const stepVsOurs = ours.trainStepMs === null ? null : q.trainStepMs / ours.trainStepMs;
        peers[p] = { ...q, ...speed(flopsForward, q.forwardMs, q.trainStepMs, matmul.gflops), stepVsOurs };
        log(`  forward ${ms(q.forwardMs)}, step ${ms(q.trainStepMs)} (${secs(t0)})`);
      } catch (e) {
        peers[p] = { forwardMs: null, trainStepMs: null, error: (e as Error).message };
        log(`  failed: ${(e as Error).message}`);
      }
    }
    cases.push({ ...c, flopsForward, flopsTrainStep: 3 * flopsForward, ours, peers });
  }
  log(
    'meta-training throughput: black-box sinusoid, 32 tasks per submit vs task by task with a readback each…',
  );
  const throughput = await call(page, 'throughput', { metaBatch: 32, seconds: o.quick ? 5 : 20 });
  log(
    `  ${throughput.batchedTasksPerSecond.toFixed(0)} vs ${throughput.taskByTaskTasksPerSecond.toFixed(0)} tasks/s: ${throughput.ratio.toFixed(1)}x`,
  );
  return {
    throughput,
    adapter: info.adapter,
    crossOriginIsolated: info.crossOriginIsolated,
    hardwareConcurrency: info.hardwareConcurrency,
    userAgent: info.userAgent,
    host: { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0] },
    quick: o.quick,
    timing,
    matmulGflops: matmul.gflops,
    matmul,
    cases,
  };
}

const num = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const ms = (x: number) => `${num(x)} ms`;
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

/** The human-readable table: one row per case and implementation, a trailing note for rows that did not run. */
export function formatTable(r: BenchReport): string {
  const head = [
    'case',
    'impl',
    'fwd ms',
    'step ms',
    'GFLOP/s fwd/step',
    'step/ours',
    'matmul share',
    'dispatches',
  ];
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
  const timed = (c: CaseReport, impl: string, e: { forwardMs: number; trainStepMs: number } & Speed) => [
    c.name,
    impl,
    num(e.forwardMs),
    num(e.trainStepMs),
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
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (i >= widths.length ? s : i < 2 ? s.padEnd(widths[i]) : s.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const a = r.adapter;
  const memory = r.cases.flatMap((c) =>
    c.ours.forwardMs === null
      ? []
      : [
          `${c.name}: GPU memory for a training step ${mib(c.ours.memory.heldBytes)} held, minimum ` +
            `${mib(c.ours.memory.minimumBytes)} (weights + saved activations + gradients + Adam state)`,
        ],
  );
  return [
    `adapter ${a.vendor || '?'}/${a.architecture || '?'}${a.isFallbackAdapter ? ' (fallback: software)' : ''}; ` +
      `matmul ${r.matmulGflops.toFixed(3)} GFLOP/s; crossOriginIsolated ${r.crossOriginIsolated}; ` +
      `median of ${r.timing.repeats} runs after warm-up; load average ${r.host.loadBefore.toFixed(1)} before, ` +
      `${r.host.loadAfter.toFixed(1)} after, on ${r.host.cpus} CPUs`,
    '',
    line(head),
    ...rows.map(line),
    '',
    'step = forward + backward + Adam on MSE over all outputs; step FLOPs = 3 x forward FLOPs.',
    'share = GFLOP/s / matmul GFLOP/s of this adapter (tfjs-wasm and tfjs-cpu run on the CPU instead).',
    ...memory,
    ...r.cases.flatMap((c) =>
      c.ours.forwardMs === null
        ? []
        : [
            `${c.name}: ours, each kernel of a step alone: ${c.ours.stepByKernel.map((k) => `${k.kernel} ${ms(k.ms)}`).join(', ')}`,
          ],
    ),
    ...(r.throughput
      ? [
          `meta-training throughput (black-box GRU 2x64, 10-shot sinusoid): ${r.throughput.batchedTasksPerSecond.toFixed(0)} ` +
            `tasks/s with ${r.throughput.metaBatch} tasks per submit vs ${r.throughput.taskByTaskTasksPerSecond.toFixed(1)} ` +
            `task by task with a readback each: ${r.throughput.ratio.toFixed(1)}x`,
        ]
      : []),
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('bench')
    .description("time our GRU against TF.js 4.22's (webgpu, wasm, cpu backends) on this machine's adapter")
    .option('--json <file>', 'also write the results as JSON (atomically)')
    .option('--quick', 'fewer repeats (3); the slow peers (tfjs-webgpu, tfjs-cpu) on the first case only')
    .option('--peers <names>', `comma-separated subset of ${PEERS.join(',')}, or "none"`, PEERS.join(','))
    .action(async (opts: { json?: string; quick?: boolean; peers: string }) => {
      const peers = opts.peers === 'none' ? [] : opts.peers.split(',').map((s) => s.trim());
      const unknown = peers.filter((p) => !(PEERS as readonly string[]).includes(p));
      if (unknown.length) {
        throw new InputError(`--peers: unknown ${unknown.join(', ')}; allowed: ${PEERS.join(', ')} or none`);
      }
      if (!existsSync(join(APP_DIR, 'bench.html'))) {
        throw new InputError(
          `the bench page is not built (${APP_DIR}/bench.html is missing): run \`npm run build\``,
        );
      }
      const started = performance.now();
      const session = await openSession({ page: 'bench.html', log: (s) => console.error(s) });
      let report: BenchReport;
      try {
        report = await runBench(session.page, {
          cases: CASES,
          peers: peers as PeerName[],
          quick: Boolean(opts.quick),
          matmulSize: 1024,
          throughputSeconds: opts.quick ? 5 : 20,
          log: (s) => console.error(`bench: ${s}`),
        });
      } finally {
        await session.close();
      }
      console.log(formatTable(report));
      console.error(`bench: done in ${secs(started)}`);
      if (opts.json) {
        writeFileAtomic(opts.json, new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
        console.error(`bench: wrote ${opts.json}`);
      }
    });
}
