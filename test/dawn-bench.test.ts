/**
 * `metarnn --backend dawn bench`'s TF.js peer: TF.js's webgpu backend in Node with Dawn as its navigator.gpu
 * (bench/tfjs_node.ts), timed by the bench plan beside ours at a tiny case (test/dawn_bench_child.ts), so
 * that GPU figures from Node get a peer ratio. Skips, saying why, where Dawn has no adapter.
 */
import { expect, test } from '@playwright/test';
import { runDawnChild } from './cli_helper';

test('on Dawn: the bench times TF.js webgpu on the same adapter as ours and gives the ratio', async () => {
  test.setTimeout(120_000); // ~12 s on the software adapter: TF.js compiles its pipelines on the first call
  const r = await runDawnChild('dawn_bench_child.ts');
  expect(r.code, r.stderr).toBe(0);
  const run = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const [c] = run.cases;
  expect(c.ours.trainStepMs).toBeGreaterThan(0);
  const peer = c.peers['tfjs-webgpu'];
  expect(peer.error, 'tfjs-webgpu failed').toBeUndefined();
  expect(peer.forwardMs).toBeGreaterThan(0);
  expect(peer.trainStepMs).toBeGreaterThan(0);
  expect(peer.stepVsOurs).toBeCloseTo(peer.trainStepMs / c.ours.trainStepMs, 6);
  expect(peer.backend).toBe('webgpu');
  expect(peer.details.platform).toBe('node');
  // TF.js's own device, from the adapter ours runs on.
  expect(peer.details.adapter.architecture).toBeTruthy();
  expect(run.adapter).toMatchObject(peer.details.adapter);
});
