import { expect, test } from '@playwright/test';
import { acquireGpu } from '../src/runtime/gpu';
import { WebGpuUnavailableError } from '../src/runtime/errors';
import { BufferPool } from '../src/runtime/pool';

test('acquireGpu without any WebGPU says what to use instead of failing obscurely', async () => {
  const err = await acquireGpu().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WebGpuUnavailableError);
  expect((err as Error).message).toContain('--enable-unsafe-webgpu');
});

test('acquireGpu with an adapter-less GPU object explains the flags', async () => {
  const gpu = { requestAdapter: async () => null } as unknown as GPU;
  const err = await acquireGpu({ gpu }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WebGpuUnavailableError);
  expect((err as Error).message).toContain('no adapter');
});

test('buffer size classes: small sizes round to 16 bytes, large ones waste at most 12.5%', () => {
  expect(BufferPool.sizeClass(1)).toBe(16);
  expect(BufferPool.sizeClass(4096)).toBe(4096);
  expect(BufferPool.sizeClass(4097)).toBe(4608);
  expect(BufferPool.sizeClass(100_000)).toBe(106496);
  for (let b = 4097; b < 1e7; b = Math.floor(b * 1.37)) {
    const c = BufferPool.sizeClass(b);
    expect(c).toBeGreaterThanOrEqual(b);
    expect(c / b).toBeLessThanOrEqual(1.125);
  }
});
