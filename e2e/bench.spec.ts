import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PEERS } from '../bench/cases';
import { scalingSvg } from '../bench/scaling_svg';
import { runBench } from '../src/cli/bench_command';
import { formatBenchReport } from '../src/cli/bench_report';
import { writeFileAtomic } from '../src/io/files';
import { openSession } from '../src/cli/session';

// A smoke test of `metarnn bench`: the bench page and the CLI's runner on a tiny case, ours interleaved with the
// two CPU peers (fast at this size), and a two-point meta-training curve. The real bench (minutes, all peers) is
// run by hand; this checks that it still runs and that the JSON keeps its shape (test/bench-plan.test.ts checks
// the plan's arithmetic on a fake target).
test('bench page: ours and the CPU peers in rounds on a tiny case give a well-formed report', async () => {
  const session = await openSession({ page: 'bench.html' });
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-bench-'));
  try {
    const errors: string[] = [];
    session.page.on('pageerror', (e) => errors.push(e.message));
    const t0 = performance.now();
    const report = await runBench(session.page, {
      cases: [{ name: 'tiny', layers: 2, batch: 2, T: 3, input: 2, hidden: 4 }],
      peers: ['tfjs-wasm', 'tfjs-cpu'],
      quick: true,
      matmulSize: 64,
      throughputSeconds: 0,
      scaling: { learners: ['blackbox', 'maml'], metaBatches: [1, 2], seconds: 0.2 },
    });
    expect(performance.now() - t0, 'bench of the tiny case (ms)').toBeLessThan(60_000);
    expect(errors, 'page errors').toEqual([]);

    const file = join(dir, 'bench.json');
    writeFileAtomic(file, new TextEncoder().encode(JSON.stringify(report)));
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.adapter).toEqual(
      expect.objectContaining({ vendor: expect.any(String), architecture: expect.any(String) }),
    );
    expect(json.crossOriginIsolated, 'COOP/COEP reach the page (TF.js wasm threads need them)').toBe(true);
    expect(json.matmulGflops).toBeGreaterThan(0);
    expect(json.cases).toHaveLength(1);
    const c = json.cases[0];
    expect(c).toEqual(
      expect.objectContaining({
        name: 'tiny',
        layers: 2,
        batch: 2,
        T: 3,
        input: 2,
        hidden: 4,
        flopsForward: 2 * 2 * 3 * 12 * 6 + 2 * 2 * 3 * 12 * 8,
      }),
    );
    expect(c.ours.error).toBeUndefined();
    expect(c.ours.forwardMs).toBeGreaterThan(0);
    expect(c.ours.trainStepMs).toBeGreaterThan(0);
    expect(Number.isInteger(c.ours.dispatchesPerStep) && c.ours.dispatchesPerStep > 0).toBe(true);
    expect(c.ours.memory.heldBytes).toBeGreaterThanOrEqual(c.ours.memory.minimumBytes);
    expect(Object.keys(c.peers).sort()).toEqual([...PEERS].sort());
    expect(c.peers['tfjs-webgpu']).toEqual({ forwardMs: null, trainStepMs: null, skipped: 'not requested' });

    // --quick: 2 rounds of 2 timed runs each, the order rotated, the host's load read around each round.
    expect(json.timing).toEqual({ rounds: 2, runsPerRound: 2, warmup: 1, ratios: 'median / median' });
    expect(c.rounds.map((r: { order: string[] }) => r.order)).toEqual([
      ['ours', 'tfjs-wasm', 'tfjs-cpu'],
      ['tfjs-wasm', 'tfjs-cpu', 'ours'],
    ]);
    for (const r of c.rounds) {
      expect(r.loadBefore).toBeGreaterThanOrEqual(0);
      expect(r.loadAfter).toBeGreaterThanOrEqual(0);
    }
    for (const e of [c.ours, c.peers['tfjs-wasm'], c.peers['tfjs-cpu']]) {
      expect(e.error).toBeUndefined();
      expect(e.trainStep.roundsMs.map((r: number[]) => r.length)).toEqual([2, 2]);
      expect(e.trainStep.runsMs).toEqual(e.trainStep.roundsMs.flat());
      expect(e.trainStep.minMs).toBeLessThanOrEqual(e.trainStepMs);
      expect(e.trainStep.maxMs).toBeGreaterThanOrEqual(e.trainStepMs);
    }
    expect(c.peers['tfjs-wasm'].stepVsOurs).toBeCloseTo(
      c.peers['tfjs-wasm'].trainStepMs / c.ours.trainStepMs,
      9,
    );

    // Each peer's backend as TF.js ran it: wasm with SIMD and threads (the page is cross-origin isolated).
    expect(json.peerConfig['tfjs-wasm']).toEqual(
      expect.objectContaining({
        tfjs: '4.22.0',
        backend: 'wasm',
        simd: true,
        multithreadSupport: true,
        binary: 'tfjs-backend-wasm-threaded-simd.wasm',
        threads: expect.any(Number),
      }),
    );
    expect(json.peerConfig['tfjs-wasm'].threads).toBeGreaterThanOrEqual(1);
    expect(json.peerConfig['tfjs-cpu']).toEqual({ tfjs: '4.22.0', backend: 'cpu' });
    expect(json.targets.map((t: { target: string }) => t.target)).toEqual([
      'step vs tfjs-wasm',
      'step vs tfjs-webgpu',
      'step GFLOP/s of matmul',
    ]);

    // The meta-training curve: both learners at both meta-batches, a figure each, and its SVG.
    expect(
      json.scaling.points.map((p: { learner: string; metaBatch: number }) => `${p.learner} ${p.metaBatch}`),
    ).toEqual(['blackbox 1', 'blackbox 2', 'maml 1', 'maml 2']);
    for (const p of json.scaling.points) {
      expect(p.tasksPerSecond, `${p.learner} ${p.metaBatch}: ${p.error}`).toBeGreaterThan(0);
      expect(p.steps).toBeGreaterThanOrEqual(1);
    }
    const svg = scalingSvg(json.scaling.points, 'test');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    const text = formatBenchReport(report, 'curve.svg');
    expect(text).toMatch(/^tiny\s+tfjs-wasm\s+[\d.]+\/[\d.]+\/[\d.]+/m);
    expect(text).toContain(
      'tfjs-wasm as run: TF.js 4.22.0, backend wasm, simd true, multithreadSupport true',
    );
    expect(text).toMatch(
      /tiny rounds \(order; 1-min load before -> after\): 1: ours,tfjs-wasm,tfjs-cpu; [\d.]+ -> /,
    );
    expect(text).toContain('plotted in curve.svg');
    expect(text).toMatch(/tiny step vs tfjs-wasm: [\d.]+x \(goal >= 1\.2x\) (met|NOT met)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await session.close();
  }
});
