/**
 * What `metarnn bench` measures, shared by the bench page (bench/ours.ts, bench/peers.ts) and the CLI
 * (src/cli/bench_command.ts), so that both sides agree on case names, sizes and the timing rule.
 */

/** One GRU configuration; field names are those of the JSON report. */
export interface BenchCase {
  name: string;
  layers: number;
  batch: number;
  T: number;
  input: number;
  hidden: number;
}

export const PEERS = ['tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu'] as const;
export type PeerName = (typeof PEERS)[number];

/** Peers slow enough on the software adapter that `--quick` runs them on the first case only. */
export const SLOW_PEERS: readonly PeerName[] = ['tfjs-webgpu', 'tfjs-cpu'];

/**
 * The learners whose meta-training tasks/s the bench plots against the meta-batch (bench/throughput.ts), each
 * in its sinusoid setting (10 shots, 10 queries; the pair's defaults otherwise).
 */
export const META_LEARNERS = {
  blackbox: 'black-box GRU 2x64',
  maml: 'MAML, exact second order (5 inner steps, GRU cell 1x32)',
} as const;
export type MetaLearnerName = keyof typeof META_LEARNERS;

export const CASES: BenchCase[] = [
  { name: 'gru-1x64', layers: 1, batch: 32, T: 50, input: 16, hidden: 64 },
  { name: 'gru-2x64', layers: 2, batch: 32, T: 50, input: 16, hidden: 64 },
];

export interface TimingOptions {
  /** Timed runs; the median is reported. */
  repeats: number;
  /** Untimed runs first (pipeline compilation, allocation, JIT). */
  warmup: number;
}

export interface Timing {
  medianMs: number;
  /** Best run: a steadier estimate than the median when other work shares the machine. */
  minMs: number;
  maxMs: number;
  runsMs: number[];
  /** Duration of the first warm-up run (compilation shows here). */
  firstMs: number;
}

/** Timings of one implementation over the bench's interleaved rounds (bench/run.ts): stats over all runs. */
export interface RoundsTiming extends Timing {
  /** The timed runs of each round, in round order (runsMs is all of them, in the same order). */
  roundsMs: number[][];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn`, which must resolve only once its work is finished (GPU included). */
export async function time(fn: () => Promise<void>, o: TimingOptions): Promise<Timing> {
  let firstMs = NaN;
  for (let i = 0; i < o.warmup; i++) {
    const t0 = performance.now();
    await fn();
    if (i === 0) firstMs = performance.now() - t0;
  }
  const runsMs: number[] = [];
  for (let i = 0; i < o.repeats; i++) {
    const t0 = performance.now();
    await fn();
    runsMs.push(performance.now() - t0);
  }
  return { ...stats(runsMs), runsMs, firstMs };
}

function stats(runsMs: readonly number[]) {
  return { medianMs: median(runsMs), minMs: Math.min(...runsMs), maxMs: Math.max(...runsMs) };
}

/** One implementation's timings of every round as one: min / median / max over all rounds' runs. */
export function mergeRounds(rounds: readonly Timing[]): RoundsTiming {
  const runsMs = rounds.flatMap((t) => t.runsMs);
  return { ...stats(runsMs), runsMs, firstMs: rounds[0].firstMs, roundsMs: rounds.map((t) => t.runsMs) };
}
