/**
 * The benchmark plan, shared by `metarnn bench` (src/cli/bench_command.ts) and the page's Bench view
 * (app/page/bench_view.ts): the adapter's matmul, then per case ours and the requested TF.js peers in
 * interleaved rounds, then meta-training throughput and its curve against the meta-batch. Where the
 * measurements run is the caller's choice (a BenchTarget): the CLI reaches app/bench_page.ts's `window.bench`
 * through Playwright, the page calls bench/ on its own device. No Node and no TF.js here (types only), so both
 * sides can bundle it.
 *
 * Why rounds: other work on the machine comes and goes, and the wasm peer's figure swings several-fold with it.
 * Timing one implementation after another lets a load spike land on one of them only; in rounds, each round
 * times every implementation of a case for a few runs, in an order that rotates from round to round, so a
 * drift hits all of them alike. Each call sets up afresh (model, programs) and warms up before its timed runs;
 * only the timed runs count.
 */
import { gruForwardFlops } from '../src/layout/gru_layout';
import type { AdapterSummary } from '../src/runtime/gpu';
import {
  mergeRounds,
  PEERS,
  SLOW_PEERS,
  type BenchCase,
  type MetaLearnerName,
  type PeerName,
  type RoundsTiming,
  type TimingOptions,
} from './cases';
import type { benchMatmul, OursOptions, OursResult } from './ours';
import type { PeerResult } from './peers';
import { checkTargets, type TargetCheck } from './targets';
import type { MetaTrainingPoint, ThroughputResult } from './throughput';

/** How a peer's backend runs here, as it reports it (bench/peers.ts): TF.js version, wasm threads, adapter. */
export type PeerConfig = Record<string, unknown>;

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
  ours(c: BenchCase, o: OursOptions): Promise<OursResult>;
  throughput(o: { metaBatch: number; seconds: number }): Promise<ThroughputResult>;
  metaTraining(o: {
    learner: MetaLearnerName;
    metaBatch: number;
    seconds: number;
  }): Promise<MetaTrainingPoint>;
  peer(peer: PeerName, c: BenchCase, o: TimingOptions): Promise<PeerResult>;
}

export interface BenchProgress {
  /** Measurements finished so far, out of `total` (matmul, each implementation of each case in each round, …). */
  done: number;
  total: number;
  /** What runs now, e.g. "gru-1x64 tfjs-wasm, round 2/3"; "done" at the end. */
  what: string;
}

/** Meta-training tasks/s against the meta-batch: every learner at every meta-batch, `seconds` each. */
export interface ScalingOptions {
  learners: readonly MetaLearnerName[];
  metaBatches: readonly number[];
  seconds: number;
}

export interface BenchOptions {
  cases: BenchCase[];
  /** Peers to run; the others appear in the report as skipped. */
  peers: readonly PeerName[];
  /** Why the peers cannot run here (TF.js is not in the installed npm package): they are skipped with it. */
  peersUnavailable?: string;
  /** Fewer rounds (unless `rounds` says), and the slow peers on the first case only. */
  quick: boolean;
  /** Interleaved rounds per case (default 2 with `quick`, else 3). */
  rounds?: number;
  /** Timed runs of each implementation in each round (default 2). */
  runsPerRound?: number;
  /** Side of the square matmul that measures the adapter (1024 in the real bench). */
  matmulSize: number;
  /** Seconds per side of the meta-training throughput measurement; 0 skips it. */
  throughputSeconds: number;
  /** Tasks/s against the meta-batch; omitted or without meta-batches: not measured. */
  scaling?: ScalingOptions;
  /** The host's 1-minute load average, read around each round (the CLI's; a page cannot know it). */
  loadAverage?: () => number;
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

/** Timings over all rounds: forwardMs and trainStepMs are the medians of every timed run. */
interface Merged {
  forward: RoundsTiming;
  trainStep: RoundsTiming;
}

/** Entries that did not run keep their timing keys (as null), so readers of the JSON need no special case. */
export type OursEntry =
  | (OursResult & Merged & Speed)
  | { forwardMs: null; trainStepMs: null; dispatchesPerStep: null; error: string };
export type PeerEntry =
  | (PeerResult & Merged & Speed & { stepVsOurs: number | null; forwardVsOurs: number | null })
  | { forwardMs: null; trainStepMs: null; skipped?: string; error?: string };

/** One round of a case: who ran in which order, and the host's load around it. */
export interface RoundRecord {
  round: number;
  /** The implementations timed in this round, in order (one that failed earlier is left out). */
  order: string[];
  /** 1-minute load average before and after the round; null where the caller cannot read it (the page). */
  loadBefore: number | null;
  loadAfter: number | null;
  seconds: number;
}

export interface CaseReport extends BenchCase {
  flopsForward: number;
  /** Forward + backward ≈ 3 forward passes (backward does two matmuls per forward one); Adam is negligible. */
  flopsTrainStep: number;
  ours: OursEntry;
  peers: Record<PeerName, PeerEntry>;
  rounds: RoundRecord[];
}

export type ScalingEntry =
  MetaTrainingPoint | { learner: MetaLearnerName; metaBatch: number; tasksPerSecond: null; error: string };

/** A run's results; the CLI adds the host's load around it (src/cli/bench_command.ts BenchReport). */
export interface BenchRun {
  adapter: AdapterSummary;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
  quick: boolean;
  /** Every figure is over rounds × runsPerRound timed runs; each call warms up first (ours' first: twice). */
  timing: { rounds: number; runsPerRound: number; warmup: number; ratios: 'median / median' };
  matmulGflops: number;
  matmul: MatmulResult;
  cases: CaseReport[];
  /** Each peer's backend as TF.js ran it (from its first successful call). */
  peerConfig: Partial<Record<PeerName, PeerConfig>>;
  /** Meta-training tasks/s: one submit per 32-task step vs task by task with a readback each. */
  throughput: ThroughputResult | null;
  /** Meta-training tasks/s against the meta-batch, per learner; null when not asked for. */
  scaling: { seconds: number; points: ScalingEntry[] } | null;
  /** Issue 17's targets (set for the software adapter) against this run. */
  targets: TargetCheck[];
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

/** All rounds' calls of one implementation as one result: its timings merged, the rest from the first call. */
function mergeCalls<R extends OursResult | PeerResult>(calls: R[]): R & Merged {
  const forward = mergeRounds(calls.map((r) => r.forward));
  const trainStep = mergeRounds(calls.map((r) => r.trainStep));
  return Object.assign({}, calls[0], {
    forward,
    trainStep,
    forwardMs: forward.medianMs,
    trainStepMs: trainStep.medianMs,
  });
}

/** impls rotated left by `round`: each implementation takes each place in turn. */
export function roundOrder<T>(impls: readonly T[], round: number): T[] {
  const k = impls.length ? round % impls.length : 0;
  return [...impls.slice(k), ...impls.slice(0, k)];
}

const num = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const load = (x: number | null) => (x === null ? '?' : x.toFixed(2));

/** What the steps of a plan share: where they measure, how, and how they report. */
interface Plan {
  target: BenchTarget;
  o: BenchOptions;
  rounds: number;
  timed: TimingOptions;
  log: (line: string) => void;
  /** Announces the next measurement (BenchOptions.progress). */
  progress: (what: string) => void;
  /** Counts a measurement as done without running it (an implementation that failed in an earlier round). */
  skip: () => void;
}

type Impl = 'ours' | PeerName;

/**
 * Times the implementations of one case in rounds, each round in the order roundOrder gives: every call
 * returned, per implementation, and the error of those that failed (left out of later rounds, so that they
 * neither lose the others' figures nor fail again and again).
 */
async function timeInRounds(plan: Plan, c: BenchCase, impls: readonly Impl[]) {
  const { target, o, rounds, timed } = plan;
  const ours: OursResult[] = [];
  const peers: Partial<Record<PeerName, PeerResult[]>> = {};
  const failed = new Map<Impl, string>();
  const records: RoundRecord[] = [];
  for (let r = 0; r < rounds; r++) {
    const loadBefore = o.loadAverage?.() ?? null;
    const t0 = performance.now();
    const figures: string[] = [];
    const ran: Impl[] = [];
    for (const impl of roundOrder(impls, r)) {
      if (failed.has(impl)) {
        plan.skip();
        continue;
      }
      ran.push(impl);
      plan.progress(`${c.name} ${impl}, round ${r + 1}/${rounds}`);
      try {
        // Ours' first call builds the pipelines: an extra warm-up keeps that out; the per-kernel split once.
        const q =
          impl === 'ours'
            ? await target.ours(c, { ...timed, warmup: r === 0 ? 2 : 1, perKernel: r === 0 })
            : await target.peer(impl, c, timed);
        if (impl === 'ours') ours.push(q as OursResult);
        else (peers[impl] ??= []).push(q as PeerResult);
        figures.push(`${impl} ${num(q.forwardMs)}/${num(q.trainStepMs)}`);
      } catch (e) {
        failed.set(impl, (e as Error).message);
        figures.push(`${impl} failed: ${(e as Error).message}`);
      }
    }
    const loadAfter = o.loadAverage?.() ?? null;
    const seconds = (performance.now() - t0) / 1000;
    records.push({ round: r + 1, order: ran, loadBefore, loadAfter, seconds });
    plan.log(
      `${c.name} round ${r + 1}/${rounds} (${seconds.toFixed(1)} s, load ${load(loadBefore)} -> ${load(loadAfter)}), ` +
        `median fwd/step ms: ${figures.join(', ')}`,
    );
  }
  return { ours, peers, failed, rounds: records };
}

/** Meta-training tasks/s at each meta-batch, learner by learner; a point that fails keeps its error. */
async function curve(plan: Plan, s: ScalingOptions): Promise<NonNullable<BenchRun['scaling']>> {
  const points: ScalingEntry[] = [];
  for (const learner of s.learners) {
    for (const metaBatch of s.metaBatches) {
      const what = `meta-training ${learner}, meta-batch ${metaBatch}`;
      plan.progress(what);
      try {
        const p = await plan.target.metaTraining({ learner, metaBatch, seconds: s.seconds });
        points.push(p);
        plan.log(
          `${what}: ${num(p.tasksPerSecond)} tasks/s ` +
            `(${p.steps} step${p.steps === 1 ? '' : 's'} in ${p.seconds.toFixed(1)} s)`,
        );
      } catch (e) {
        // A meta-batch too large for the device fails alone; the curve keeps its other points.
        const error = (e as Error).message;
        points.push({ learner, metaBatch, tasksPerSecond: null, error });
        plan.log(`${what} failed: ${error}`);
      }
    }
  }
  return { seconds: s.seconds, points };
}

/** Runs the whole plan on `target` and returns the results. */
export async function runBenchPlan(target: BenchTarget, o: BenchOptions): Promise<BenchRun> {
  const log = o.log ?? (() => {});
  const rounds = o.rounds ?? (o.quick ? 2 : 3);
  const runsPerRound = o.runsPerRound ?? 2;
  for (const [name, v] of [
    ['rounds', rounds],
    ['runsPerRound', runsPerRound],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${name} ${v}: expected an integer >= 1`);
  }
  const timed: TimingOptions = { repeats: runsPerRound, warmup: 1 };
  const impls = o.cases.map((_c, i): Impl[] => ['ours', ...PEERS.filter((p) => runsPeer(o, p, i))]);
  const scalingPoints = o.scaling ? o.scaling.learners.length * o.scaling.metaBatches.length : 0;
  const total =
    1 +
    rounds * impls.reduce((n, list) => n + list.length, 0) +
    (o.throughputSeconds > 0 ? 1 : 0) +
    scalingPoints;
  let measured = 0;
  const progress = (what: string) => o.progress?.({ done: measured++, total, what });

  const info = await target.info();
  const a = info.adapter;
  log(`adapter ${a.vendor}/${a.architecture}; crossOriginIsolated ${info.crossOriginIsolated}`);

  progress(`matmul ${o.matmulSize}³`);
  log(`matmul ${o.matmulSize}³ (linear_forward), median of 3…`);
  const matmul = await target.matmul(o.matmulSize, { repeats: 3, warmup: 1 });
  log(`  ${matmul.gflops.toFixed(3)} GFLOP/s (${num(matmul.ms)} ms)`);
  log(
    `${rounds} round${rounds === 1 ? '' : 's'} per case; in each, every implementation: warm-up, then ${runsPerRound} timed runs; ` +
      'the order rotates from round to round',
  );

  const cases: CaseReport[] = [];
  const peerConfig: Partial<Record<PeerName, PeerConfig>> = {};
  const plan: Plan = { target, o, rounds, timed, log, progress, skip: () => measured++ };
  for (const [i, c] of o.cases.entries()) {
    const shape = { layers: c.layers, inputSize: c.input, hiddenSize: c.hidden, groups: 1 };
    const flopsForward = gruForwardFlops(shape, c.batch, c.T);
    const t = await timeInRounds(plan, c, impls[i]);
    let ours: OursEntry;
    const oursError = t.failed.get('ours');
    if (oursError !== undefined) {
      ours = { forwardMs: null, trainStepMs: null, dispatchesPerStep: null, error: oursError };
    } else {
      const m = mergeCalls(t.ours);
      ours = { ...m, ...speed(flopsForward, m.forwardMs, m.trainStepMs, matmul.gflops) };
    }
    const peers = {} as Record<PeerName, PeerEntry>;
    for (const p of PEERS) {
      const error = t.failed.get(p);
      const calls = t.peers[p];
      if (!runsPeer(o, p, i)) {
        const why = !o.peers.includes(p)
          ? 'not requested'
          : (o.peersUnavailable ?? '--quick runs slow peers on the first case only');
        peers[p] = { forwardMs: null, trainStepMs: null, skipped: why };
      } else if (error !== undefined || !calls) {
        peers[p] = { forwardMs: null, trainStepMs: null, error: error ?? 'did not run' };
      } else {
        const m = mergeCalls(calls);
        peerConfig[p] ??= configOf(calls[0]);
        peers[p] = {
          ...m,
          ...speed(flopsForward, m.forwardMs, m.trainStepMs, matmul.gflops),
          // Ratios of medians: each median is over every round, so a single slow run moves neither.
          stepVsOurs: ours.trainStepMs === null ? null : m.trainStepMs / ours.trainStepMs,
          forwardVsOurs: ours.forwardMs === null ? null : m.forwardMs / ours.forwardMs,
        };
      }
    }
    cases.push({ ...c, flopsForward, flopsTrainStep: 3 * flopsForward, ours, peers, rounds: t.rounds });
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

  const scaling = o.scaling && scalingPoints > 0 ? await curve(plan, o.scaling) : null;
  o.progress?.({ done: total, total, what: 'done' });
  return {
    adapter: info.adapter,
    crossOriginIsolated: info.crossOriginIsolated,
    hardwareConcurrency: info.hardwareConcurrency,
    userAgent: info.userAgent,
    quick: o.quick,
    timing: { rounds, runsPerRound, warmup: 1, ratios: 'median / median' },
    matmulGflops: matmul.gflops,
    matmul,
    cases,
    peerConfig,
    throughput,
    scaling,
    targets: checkTargets(
      cases.map((c) => ({
        name: c.name,
        ours: c.ours.trainStepMs === null ? {} : c.ours,
        peers: c.peers as Record<PeerName, { stepVsOurs?: number | null }>,
      })),
    ),
  };
}

/** A peer's backend configuration, without the memory figures that differ from call to call. */
function configOf(q: PeerResult): PeerConfig {
  return Object.fromEntries(Object.entries(q.details).filter(([k]) => k !== 'memory'));
}

/** A peer's backend as TF.js ran it, in words: "TF.js 4.22.0, backend wasm, simd true, threads 2, …". */
export function formatPeerConfig(c: PeerConfig): string {
  return Object.entries(c)
    .filter(([k]) => k !== 'memory')
    .map(([k, v]) => {
      if (k === 'tfjs') return `TF.js ${String(v)}`;
      if (k === 'adapter' && v && typeof v === 'object') {
        const a = v as { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
        return `adapter ${a.vendor || '?'}/${a.architecture || '?'}${a.isFallbackAdapter ? ' (fallback)' : ''}`;
      }
      return `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
    })
    .join(', ');
}
