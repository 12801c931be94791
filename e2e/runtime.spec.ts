import { expect, test } from './fixtures';

// The runtime's promises: compile errors point at the line, device loss reaches the caller, recording
// replays with one submit, the pool reuses buffers.

test('a WGSL compile error names the kernel, line:column and shows the source line', async ({ gpu }) => {
  const message = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const src = '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefinedThing;\n}\n';
    try {
      await g.pipelines.get('broken_kernel', src, {});
      return 'no error';
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  });
  expect(message).toContain('ShaderCompileError');
  expect(message).toMatch(/broken_kernel\.wgsl:3:\d+: error: .*undefinedThing/);
  expect(message).toContain('let x: f32 = undefinedThing;');
});

test('a missing specialisation value is a clear error', async ({ gpu }) => {
  const message = await gpu.evaluate(async () => {
    const h = window.harness;
    try {
      h.lib.specialize('k', 'const N = ${N}u;', {});
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  });
  expect(message).toBe("kernel 'k' needs define 'N', which was not given");
});

test('device loss is reported to the caller as a DeviceLostError', async ({ gpu }) => {
  const result = await gpu.evaluate(async () => {
    const h = window.harness;
    let hooked = '';
    const g = await h.lib.acquireGpu({ onLost: (e) => (hooked = e.name) });
    g.destroy();
    const err = await g.lost;
    return { name: err.name, reason: err.reason, hooked };
  });
  expect(result).toEqual({ name: 'DeviceLostError', reason: 'destroyed', hooked: 'DeviceLostError' });
});

test('a recorded program replays with one submit and the buffer pool reuses freed buffers', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.lib.acquireGpu();
    const x = g.tensor([4, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const w = g.tensor([1, 3], [1, 1, 1]);
    const y = g.tensor([4, 1]);
    const rec = g.recorder();
    h.lib.linearForward(rec, { groups: 1, rowsPerGroup: 4, inF: 3, outF: 1 }, { x, w, y });
    const program = await rec.finish();
    const submits: number[] = [];
    const submit = g.device.queue.submit.bind(g.device.queue);
    g.device.queue.submit = (cbs) => {
      submits.push([...cbs].length);
      submit(cbs);
    };
    program.run();
    program.run();
    const out = Array.from(await g.read(y));
    g.device.queue.submit = submit;
    const before = g.pool.bytesAllocated;
    g.release(x);
    const again = g.tensor([4, 3]);
    const reused = g.pool.bytesAllocated === before && again.buffer === x.buffer;
    g.destroy();
    return { out, submits: submits.slice(0, 2), reused };
  });
  expect(r.out).toEqual([6, 15, 24, 33]);
  expect(r.submits).toEqual([1, 1]);
  expect(r.reused).toBe(true);
});

test('a size beyond the adapter limit fails before allocating, naming the limit', async ({ gpu }) => {
  const message = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    try {
      g.tensor([2 ** 29, 4]);
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  });
  expect(message).toMatch(/needs maxStorageBufferBindingSize = 8589934592, but this adapter allows \d+/);
});
