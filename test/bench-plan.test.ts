/**
 * The bench plan (bench/run.ts) on a fake target, in Node: the implementations of a case take turns in
 * rounds whose order rotates, each figure is min / median / max over every round's runs, ratios come from
 * medians, the load is read around each round, a failing implementation keeps its error and the others their
 * figures; the targets of issue 17 and the curve's SVG from the report. The real measurements: e2e/bench.spec.ts.
 */
import { expect, test } from '@playwright/test';
import type { BenchCase, PeerName, Timing, TimingOptions } from '../bench/cases';
import type { OursResult } from '../bench/ours';
import type { PeerResult } from '../bench/peers';
import { roundOrder, runBenchPlan, type BenchProgress, type BenchTarget } from '../bench/run';
import { scalingSvg } from '../bench/scaling_svg';

const CASE: BenchCase = { name: 'c', layers: 1, batch: 2, T: 3, input: 2, hidden: 4 };

/** Timings whose runs are `ms`, `ms + 1`, … (one per repeat). */
function timing(ms: number, o: TimingOptions): Timing {
  const runsMs = Array.from({ length: o.repeats }, (_, i) => ms + i);
  return { runsMs, medianMs: NaN, minMs: Math.min(...runsMs), maxMs: Math.max(...runsMs), firstMs: 99 };
}

/** A target that records every call; ours' step takes 10 ms (+1 per run), tfjs-wasm's 30 (and 40 in round 2). */
function fakeTarget(failing: string[] = []) {
  const calls: string[] = [];
  const seen: Record<string, number> = {};
  const target: BenchTarget = {
    info: async () => ({
      adapter: { vendor: 'v', architecture: 'a', device: '', description: '', isFallbackAdapter: true },
      crossOriginIsolated: true,
      hardwareConcurrency: 2,
      userAgent: 'test',
    }),
    matmul: async (size) => ({ size, ms: 1, runsMs: [1], gflops: 1, gpuMs: null, gpuGflops: null }),
    ours: async (_c, o) => {
      calls.push(`ours warmup ${o.warmup} perKernel ${o.perKernel}`);
      if (failing.includes('ours')) throw new Error('ours broke');
      const step = timing(10, o);
      return {
        forwardMs: 5,
        trainStepMs: step.runsMs[0],
        dispatchesPerStep: 7,
        forwardDispatches: 2,
        kernels: [],
        stepByKernel: o.perKernel ? [{ kernel: 'k', ms: 1, gpuMs: null }] : [],
        trainStepPipelinedMs: 9,
        trainStepGpuMs: null,
        forward: timing(5, o),
        trainStep: step,
        memory: { heldBytes: 2, minimumBytes: 1, parts: {} },
      } satisfies OursResult;
    },
    peer: async (p: PeerName, _c, o) => {
      calls.push(p);
      if (failing.includes(p)) throw new Error(`${p} broke`);
      seen[p] = (seen[p] ?? 0) + 1;
      return {
        forwardMs: 20,
        trainStepMs: 30,
        forward: timing(20, o),
        trainStep: timing(seen[p] === 1 ? 30 : 40, o),
        backend: p,
        details: { tfjs: '4.22.0', threads: 2, memory: { numBytes: seen[p] } },
      } satisfies PeerResult;
    },
    throughput: async () => {
      throw new Error('not asked for');
    },
    metaTraining: async ({ learner, metaBatch, seconds }) => {
      calls.push(`${learner} ${metaBatch}`);
      if (metaBatch > 4) throw new Error('out of memory');
      return {
        learner,
        metaBatch,
        tasksPerSecond: metaBatch * 10,
        steps: 1,
        seconds,
        firstStepMs: 1,
        dispatchesPerStep: 3,
      };
    },
  };
  return { target, calls };
}

test('roundOrder rotates: each implementation takes each place in turn', () => {
  expect([0, 1, 2, 3].map((r) => roundOrder(['a', 'b', 'c'], r))).toEqual([
    ['a', 'b', 'c'],
    ['b', 'c', 'a'],
    ['c', 'a', 'b'],
    ['a', 'b', 'c'],
  ]);
  expect(roundOrder([], 3)).toEqual([]);
});

test('bench plan: implementations interleaved in rotating rounds, stats over all rounds, ratios of medians', async () => {
  const { target, calls } = fakeTarget();
  const loads = [1, 2, 3, 4];
  const progress: BenchProgress[] = [];
  const run = await runBenchPlan(target, {
    cases: [CASE],
    peers: ['tfjs-wasm', 'tfjs-cpu'],
    quick: false,
    rounds: 2,
    runsPerRound: 3,
    matmulSize: 16,
    throughputSeconds: 0,
    scaling: { learners: ['blackbox', 'maml'], metaBatches: [2, 4, 8], seconds: 0.1 },
    loadAverage: () => loads.shift() ?? NaN,
    progress: (p) => progress.push(p),
  });
  // Round 1: ours, tfjs-wasm, tfjs-cpu; round 2 rotated. Ours warms up twice and times its kernels once.
  expect(calls.slice(0, 6)).toEqual([
    'ours warmup 2 perKernel true',
    'tfjs-wasm',
    'tfjs-cpu',
    'tfjs-wasm',
    'tfjs-cpu',
    'ours warmup 1 perKernel false',
  ]);
  const c = run.cases[0];
  expect(c.rounds.map((r) => r.order)).toEqual([
    ['ours', 'tfjs-wasm', 'tfjs-cpu'],
    ['tfjs-wasm', 'tfjs-cpu', 'ours'],
  ]);
  expect(c.rounds.map((r) => [r.loadBefore, r.loadAfter])).toEqual([
    [1, 2],
    [3, 4],
  ]);
  expect(run.timing).toEqual({ rounds: 2, runsPerRound: 3, warmup: 1, ratios: 'median / median' });

  if (c.ours.trainStepMs === null) throw new Error(c.ours.error);
  expect(c.ours.trainStep.roundsMs).toEqual([
    [10, 11, 12],
    [10, 11, 12],
  ]);
  expect(c.ours.trainStep.runsMs).toHaveLength(6);
  expect([c.ours.trainStep.minMs, c.ours.trainStepMs, c.ours.trainStep.maxMs]).toEqual([10, 11, 12]);
  expect(c.ours.stepByKernel, 'the per-kernel split of the first round').toHaveLength(1);

  const wasm = c.peers['tfjs-wasm'];
  if (wasm.trainStepMs === null) throw new Error('tfjs-wasm did not run');
  // Runs 30, 31, 32 then 40, 41, 42: the median of all six is 36, the ratio 36 / 11.
  expect(wasm.trainStep.roundsMs).toEqual([
    [30, 31, 32],
    [40, 41, 42],
  ]);
  expect([wasm.trainStep.minMs, wasm.trainStepMs, wasm.trainStep.maxMs]).toEqual([30, 36, 42]);
  expect(wasm.stepVsOurs).toBeCloseTo(36 / 11, 12);
  expect(run.peerConfig['tfjs-wasm'], 'the backend as run, without memory').toEqual({
    tfjs: '4.22.0',
    threads: 2,
  });
  expect(c.peers['tfjs-webgpu']).toEqual({ forwardMs: null, trainStepMs: null, skipped: 'not requested' });

  // Targets: one per peer target and the matmul share, per case; tfjs-webgpu did not run.
  const t = Object.fromEntries(run.targets.map((x) => [x.target, x]));
  expect(t['step vs tfjs-wasm']).toMatchObject({ case: 'c', goal: 1.2, met: true });
  expect(t['step vs tfjs-webgpu']).toMatchObject({ value: null, met: null });
  expect(t['step GFLOP/s of matmul'].met).toBe(false);

  // The curve: a failing point keeps its error, the others their figures.
  expect(run.scaling?.points.map((p) => [p.learner, p.metaBatch, p.tasksPerSecond])).toEqual([
    ['blackbox', 2, 20],
    ['blackbox', 4, 40],
    ['blackbox', 8, null],
    ['maml', 2, 20],
    ['maml', 4, 40],
    ['maml', 8, null],
  ]);
  // matmul + 2 rounds × 3 implementations + 6 curve points, then 'done'.
  expect(progress.at(-1)).toEqual({ done: 13, total: 13, what: 'done' });
  expect(progress.map((p) => p.done)).toEqual([...Array(14).keys()]);
  expect(progress[2].what).toBe('c tfjs-wasm, round 1/2');

  const svg = scalingSvg(run.scaling?.points ?? [], 'a <test> adapter');
  expect(svg).toContain('a &#60;test&#62; adapter');
  expect(svg.match(/<polyline /g)).toHaveLength(2);
  expect(svg.match(/<circle /g), 'one dot per measured point').toHaveLength(4);
  for (const b of ['2', '4', '8']) expect(svg).toContain(`text-anchor="middle">${b}</text>`);
});

test('bench plan: a failing implementation is left out of later rounds; the others keep their figures', async () => {
  const { target, calls } = fakeTarget(['tfjs-cpu']);
  const run = await runBenchPlan(target, {
    cases: [CASE],
    peers: ['tfjs-wasm', 'tfjs-cpu'],
    quick: true,
    matmulSize: 16,
    throughputSeconds: 0,
  });
  expect(run.timing.rounds, '--quick: 2 rounds').toBe(2);
  expect(
    calls.filter((x) => x === 'tfjs-cpu'),
    'tried once',
  ).toHaveLength(1);
  expect(run.cases[0].peers['tfjs-cpu']).toEqual({
    forwardMs: null,
    trainStepMs: null,
    error: 'tfjs-cpu broke',
  });
  expect(run.cases[0].peers['tfjs-wasm'].trainStepMs, 'median of 30, 31, 40, 41').toBe(35.5);
  expect(run.cases[0].rounds.map((r) => r.order)).toEqual([
    ['ours', 'tfjs-wasm', 'tfjs-cpu'],
    ['tfjs-wasm', 'ours'],
  ]);
  expect(run.cases[0].rounds[0].loadBefore, 'no load average without a reader').toBeNull();
  expect(run.scaling).toBeNull();
});
