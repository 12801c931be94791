import { expect, test } from '@playwright/test';
import { useBroadcastGru } from '../src/kernels/gru_tuning';
import type { KernelVariants } from '../src/runtime/recorder';

// When the GRU's recurrences take their broadcast form (src/kernels/gru_tuning.ts; the kernels themselves are
// checked against float64 in e2e/gru.spec.ts): the software adapter's default, H = 4 … 64 in 4s, T > 1, and row
// blocks (2 rows each) that fit in one dispatch dimension; 'gru.broadcast' forces it on any adapter or off.
const software = { isFallbackAdapter: true, architecture: 'swiftshader' };
const gpu = { isFallbackAdapter: false, architecture: 'hopper' };
const variants = (adapter: KernelVariants['adapter'], forced?: string): KernelVariants => ({
  adapter,
  chosen: new Map(forced ? [['gru.broadcast', forced]] : []),
});
const run = { hidden: 64, steps: 50, rowsPerGroup: 32 };

test('useBroadcastGru: the software adapter, H 4…64 in 4s, T > 1, blocks within 65,535; forced on or off', () => {
  expect(useBroadcastGru(variants(software), run)).toBe(true);
  expect(useBroadcastGru(variants(gpu), run)).toBe(false);
  expect(useBroadcastGru(variants(gpu, 'on'), run)).toBe(true);
  expect(useBroadcastGru(variants(software, 'off'), run)).toBe(false);
  for (const hidden of [4, 8, 60]) expect(useBroadcastGru(variants(software), { ...run, hidden })).toBe(true);
  for (const hidden of [1, 2, 6, 66, 68, 128]) {
    expect(useBroadcastGru(variants(software), { ...run, hidden }), `H ${hidden}`).toBe(false);
    expect(useBroadcastGru(variants(gpu, 'on'), { ...run, hidden }), `H ${hidden}, forced`).toBe(false);
  }
  expect(useBroadcastGru(variants(software), { ...run, steps: 1 })).toBe(false);
  expect(useBroadcastGru(variants(software), { ...run, rowsPerGroup: 2 * 65535 })).toBe(true);
  expect(useBroadcastGru(variants(software), { ...run, rowsPerGroup: 2 * 65535 + 1 })).toBe(false);
  expect(useBroadcastGru(variants(gpu, 'on'), { ...run, rowsPerGroup: 2 * 65535 + 1 })).toBe(false);
});
