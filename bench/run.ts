/**
 * The benchmark plan, shared by `metarnn bench` (src/cli/bench_command.ts) and the page's Bench view
 * (app/page/bench_view.ts): the adapter's matmul, then per case ours and the requested TF.js peers, then
 * meta-training throughput. Where the measurements run is the caller's choice (a BenchTarget): the CLI
 * reaches app/bench_page.ts's `window.bench` through Playwright, the page calls bench/ on its own device.
 * No Node and no TF.js here (types only), so both sides can bundle it.
 */
import { gruForwardFlops } from '../src/layout/gru_layout';
import type { AdapterSummary } from '../src/runtime/gpu';
import { PEERS, SLOW_PEERS, type BenchCase, type PeerName, type TimingOptions } from './cases';
import type { benchMatmul, OursResult } from './ours';
import type { PeerResult } from './peers';
import type { ThroughputResult } from './throughput';

export interface BenchInfo {
  adapter: AdapterSummary;
  /** TF.js wasm threads need it (COOP/COEP headers). */
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
}

export type MatmulResult = Awaited<ReturnType<typeof benchMatmul>>;

/** What runs the measurements: app/bench_page.ts's `bench` object has exactly this shape. */
export interface BenchTarget {
  info(): Promise<BenchInfo>;
  matmul(size: number, o: TimingOptions): Promise<MatmulResult>;
  ours(c: BenchCase, o: TimingOptions): Promise<OursResult>;
  throughput(o: { metaBatch: number; seconds: number }): Promise<ThroughputResult>;
  peer(peer: PeerName, c: BenchCase, o: TimingOptions): Promise<PeerResult>;
}

export interface BenchProgress {
  /** Measurements finished so far, out of `total` (matmul, each implementation of each case, throughput). */
  done: number;
  total: number;
  /** What runs now, e.g. "gru-1x64 tfjs-wasm"; "done" at the end. */
  what: string;
}

export interface BenchOptions {
  cases: BenchCase[];
  /** Peers to run; the others appear in the report as skipped. */
  peers: readonly PeerName[];
  /** Why the peers cannot run here (TF.js is not in the installed npm package): they are skipped with it. */
  peersUnavailable?: string;
  /** Fewer repeats, and the slow peers on the first case only. */
  quick: boolean;
  /** Side of the square matmul that measures the adapter (1024 in the real bench). */
  matmulSize: number;
  /** Seconds per side of the meta-training throughput measurement; 0 skips it. */
  throughputSeconds: number;
  log?: (line: string) => void;
  /** Called before each measurement and once at the end; throwing from it stops the run there. */
  progress?: (p: BenchProgress) => void;
}

/** Speeds derived here, from one FLOP count for everyone: gruForwardFlops, and 3x that for a step. */
export interface Speed {
  gflopsForward: number;
  gflopsTrainStep: number;
  /** GFLOP/s as a fraction of the adapter's matmul GFLOP/s. */
  shareForward: number;
  shareTrainStep: number;
}

/** Entries that did not run keep their timing keys (as null), so readers of the JSON need no special case. */
export type OursEntry =
  (OursResult & Speed) | { forwardMs: null; trainStepMs: null; dispatchesPerStep: null; error: string };
export type PeerEntry =
  | (PeerResult & Speed & { stepVsOurs: number | null })
  | { forwardMs: null; trainStepMs: null; skipped?: string; error?: string };

export interface CaseReport extends BenchCase {
  flopsForward: number;
  /** Forward + backward ≈ 3 forward passes (backward does two matmuls per forward one); Adam is negligible. */
  flopsTrainStep: number;
  ours: OursEntry;
  peers: Record<PeerName, PeerEntry>;
}

/** A run's results; the CLI adds the host's load around it (src/cli/bench_command.ts BenchReport). */
export interface BenchRun {
  adapter: AdapterSummary;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
  quick: boolean;
  timing: TimingOptions;
  matmulGflops: number;
  matmul: MatmulResult;
  cases: CaseReport[];
  /** Meta-training tasks/s: one submit per 32-task step vs task by task with a readback each. */
  throughput: ThroughputResult | null;
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
  if (o.peersUnavailable) return false;
  return o.peers.includes(p) && !(o.quick && caseIndex > 0 && SLOW_PEERS.includes(p));
}

const num = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const ms = (x: number) => `${num(x)} ms`;
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** Runs the whole plan on `target` and returns the results. */
export async function runBenchPlan(target: BenchTarget, o: BenchOptions): Promise<BenchRun> {
  const log = o.log ?? (() => {});
  const timing: TimingOptions = { repeats: o.quick ? 3 : 5, warmup: 1 };
  const casesTotal = o.cases.reduce((n, _c, i) => n + 1 + PEERS.filter((p) => runsPeer(o, p, i)).length, 0);
  const total = 1 + casesTotal + (o.throughputSeconds > 0 ? 1 : 0);
  let measured = 0;
  const progress = (what: string) => o.progress?.({ done: measured++, total, what });

  const info = await target.info();
  const a = info.adapter;
  log(`adapter ${a.vendor}/${a.architecture}; crossOriginIsolated ${info.crossOriginIsolated}`);

  progress(`matmul ${o.matmulSize}³`);
  log(`matmul ${o.matmulSize}³ (linear_forward), median of 3…`);
  const matmul = await target.matmul(o.matmulSize, { repeats: 3, warmup: 1 });
  log(`  ${matmul.gflops.toFixed(3)} GFLOP/s (${ms(matmul.ms)})`);

  let done = 0;
  const cases: CaseReport[] = [];
  for (const [i, c] of o.cases.entries()) {
    const shape = { layers: c.layers, inputSize: c.input, hiddenSize: c.hidden, groups: 1 };
    const flopsForward = gruForwardFlops(shape, c.batch, c.T);
    const start = (what: string) => {
      progress(`${c.name} ${what}`);
      log(`[${++done}/${casesTotal}] ${c.name} ${what}…`);
      return performance.now();
    };

    let t0 = start('ours');
    let ours: OursEntry;
    try {
      // Ours is cheap: an extra warm-up run costs little and keeps pipeline creation out of the figures.
      const r = await target.ours(c, { ...timing, warmup: 2 });
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
        const why = !o.peers.includes(p)
          ? 'not requested'
          : (o.peersUnavailable ?? '--quick runs slow peers on the first case only');
        peers[p] = { forwardMs: null, trainStepMs: null, skipped: why };
        continue;
      }
      t0 = start(p);
      try {
        const q = await target.peer(p, c, timing);
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

  let throughput: ThroughputResult | null = null;
  if (o.throughputSeconds > 0) {
    progress('meta-training throughput');
    log(
      'meta-training throughput: black-box sinusoid, 32 tasks per submit vs task by task with a readback each…',
    );
    throughput = await target.throughput({ metaBatch: 32, seconds: o.throughputSeconds });
    log(
      `  ${throughput.batchedTasksPerSecond.toFixed(0)} vs ${throughput.taskByTaskTasksPerSecond.toFixed(0)} tasks/s: ${throughput.ratio.toFixed(1)}x`,
    );
  }
  o.progress?.({ done: total, total, what: 'done' });
  return {
    adapter: info.adapter,
    crossOriginIsolated: info.crossOriginIsolated,
    hardwareConcurrency: info.hardwareConcurrency,
    userAgent: info.userAgent,
    quick: o.quick,
    timing,
    matmulGflops: matmul.gflops,
    matmul,
    cases,
    throughput,
  };
}
