/**
 * The page that tests and the CLI drive through Playwright: it owns one device and exposes the library plus
 * small helpers as `window.harness`. Everything GPU-side in tests runs through here, so tests exercise the
 * same bundle the CLI serves.
 */
import * as lib from '../src/index';
import type { Gpu } from '../src/runtime/gpu';
import type { Recorder } from '../src/runtime/recorder';
import type { Tensor } from '../src/runtime/tensor';

let gpu: Promise<Gpu> | null = null;

export const harness = {
  lib,
  /** The device (acquired on first use). */
  async gpu(): Promise<Gpu> {
    gpu ??= lib.acquireGpu(); // one promise, so concurrent callers share one device
    return gpu;
  },
  /** A tensor filled with `data`, or poisoned with NaN so that unwritten outputs fail comparisons. */
  async tensor(shape: number[], data?: number[], dtype: lib.DType = 'f32'): Promise<Tensor> {
    const g = await harness.gpu();
    const t = g.tensor(shape, undefined, dtype);
    if (data) g.write(t, data);
    else g.fill(t, NaN);
    return t;
  },
  async read(t: Tensor): Promise<number[]> {
    return Array.from(await (await harness.gpu()).read(t));
  },
  /** Records with `fn`, submits once, waits, and surfaces any device error. Returns the dispatch count. */
  async run(fn: (rec: Recorder) => void): Promise<number> {
    const g = await harness.gpu();
    const rec = g.recorder();
    fn(rec);
    g.device.pushErrorScope('validation');
    const program = await rec.finish();
    program.run();
    await g.sync();
    const err = await g.device.popErrorScope();
    program.destroy();
    if (err) throw new Error(`GPU validation error: ${err.message}`);
    g.throwIfErrors();
    return program.dispatchCount;
  },
};

export type Harness = typeof harness;

declare global {
  interface Window {
    harness: Harness;
  }
}
window.harness = harness;
