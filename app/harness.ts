/**
 * The page that tests and the CLI's browser backend drive through Playwright: `window.harness` is the
 * calls the CLI makes (src/harness/calls.ts, on the browser's WebGPU, sending training events through the
 * function Node exposes), plus the library and small helpers that the GPU tests use. Everything GPU-side in
 * tests runs through here, so tests exercise the same bundle the CLI serves.
 */
import * as lib from './harness_lib';
import type { Recorder } from '../src/runtime/recorder';
import type { Tensor } from '../src/runtime/tensor';
import { createHarness } from '../src/harness/calls';
import { runChecked } from '../src/harness/gru_run';
import type { HarnessCalls } from '../src/protocol/harness';
import { TRAIN_EVENT_FUNCTION } from '../src/protocol/training';

const calls = createHarness({
  userAgent: navigator.userAgent,
  variants: new URLSearchParams(location.search).get('variants'),
  send: async (e) => window[TRAIN_EVENT_FUNCTION]?.(e),
});

export const harness = Object.assign(calls, {
  lib,
  /** A tensor filled with `data`, or poisoned with NaN so that unwritten outputs fail comparisons. */
  async tensor(shape: number[], data?: number[], dtype: lib.DType = 'f32'): Promise<Tensor> {
    const g = await calls.gpu();
    const t = g.tensor(shape, undefined, dtype);
    if (data) g.write(t, data);
    else g.fill(t, NaN);
    return t;
  },
  async read(t: Tensor): Promise<number[]> {
    return Array.from(await (await calls.gpu()).read(t));
  },
  /** Records with `fn`, submits once, waits, and surfaces any device error. Returns the dispatch count. */
  async run(fn: (rec: Recorder) => void): Promise<number> {
    return runChecked(await calls.gpu(), fn);
  },
});

export type Harness = typeof harness;

declare global {
  interface Window {
    harness: Harness;
  }
}
// What Node calls must match src/protocol/harness.ts: a function that drifts from it fails to compile here.
window.harness = harness satisfies HarnessCalls;
