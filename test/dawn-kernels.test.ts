/**
 * The GPU tests on the second backend: the fused GRU forward/backward against float64 and the black-box
 * meta-gradient against finite differences, in Node on Dawn (test/dawn_kernels_child.ts), as e2e/gru.spec.ts
 * and e2e/blackbox.spec.ts check them in the browser. Skips, saying why, where Dawn has no adapter (no
 * Vulkan loader); CI installs libvulkan1 and uses Chromium's SwiftShader through it.
 */
import { expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProcess } from './cli_helper';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

test('on Dawn: GRU kernels match float64 and the meta-gradient matches finite differences', async () => {
  test.setTimeout(120_000);
  const env = {
    ...process.env,
    ...(process.env.VK_ICD_FILENAMES || !existsSync(ICD) ? {} : { VK_ICD_FILENAMES: ICD }),
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(),
  };
  const args = [
    '--import',
    'tsx',
    '--import',
    './test/raw_register.mjs',
    join('test', 'dawn_kernels_child.ts'),
  ];
  const r = await runProcess(process.execPath, args, { cwd: ROOT, env });
  test.skip(
    r.code !== 0 && /no (GPU )?adapter|WebGPU in Node needs|libvulkan/.test(r.stderr),
    `Dawn is not available here: ${r.stderr.trim().split('\n').pop()}`,
  );
  expect(r.code, r.stderr).toBe(0);
  const { rows } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rows: [string, number, number][] };
  expect(rows.length).toBeGreaterThan(15);
  for (const [what, error, bound] of rows) expect(error, what).toBeLessThanOrEqual(bound);
});
