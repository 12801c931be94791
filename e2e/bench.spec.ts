import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PEERS } from '../bench/cases';
import { runBench } from '../src/cli/bench_command';
import { writeFileAtomic } from '../src/io/files';
import { openSession } from '../src/cli/session';

// A smoke test of `metarnn bench`: the bench page and the CLI's runner, ours only, on a tiny case. The real
// bench (minutes, TF.js peers) is run by hand; this checks that it still runs and that the JSON keeps its shape.
test('bench page: ours on a tiny case gives a well-formed report', async () => {
  const session = await openSession({ page: 'bench.html' });
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-bench-'));
  try {
    const errors: string[] = [];
    session.page.on('pageerror', (e) => errors.push(e.message));
    const t0 = performance.now();
    const report = await runBench(session.page, {
      cases: [{ name: 'tiny', layers: 2, batch: 2, T: 3, input: 2, hidden: 4 }],
      peers: [],
      quick: true,
      matmulSize: 64,
      throughputSeconds: 0,
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
    for (const p of PEERS) {
      expect(c.peers[p]).toEqual(
        expect.objectContaining({ forwardMs: null, trainStepMs: null, skipped: 'not requested' }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await session.close();
  }
});
