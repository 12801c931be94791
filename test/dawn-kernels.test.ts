/**
 * The GPU tests on the second backend: the fused GRU forward/backward against float64 and the black-box
 * meta-gradient against finite differences, in Node on Dawn (test/dawn_kernels_child.ts), as e2e/gru.spec.ts
 * and e2e/blackbox.spec.ts check them in the browser. Skips, saying why, where Dawn has no adapter (no
 * Vulkan loader); CI installs libvulkan1 and uses Chromium's SwiftShader through it.
 */
import { expect, test } from '@playwright/test';
import { runDawnChild } from './cli_helper';

test('on Dawn: GRU kernels match float64 and the meta-gradient matches finite differences', async () => {
  test.setTimeout(120_000);
  const r = await runDawnChild('dawn_kernels_child.ts');
  expect(r.code, r.stderr).toBe(0);
  const { rows } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rows: [string, number, number][] };
  expect(rows.length).toBeGreaterThan(15);
  for (const [what, error, bound] of rows) expect(error, what).toBeLessThanOrEqual(bound);
});
