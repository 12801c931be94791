/**
 * The page that tests and the CLI drive through Playwright: it owns one device and exposes the library plus
 * small helpers as `window.harness`. Everything GPU-side in tests runs through here, so tests exercise the
 * same bundle the CLI serves.
 */
import * as lib from './harness_lib';
import type { Gpu } from '../src/runtime/gpu';
import type { Recorder } from '../src/runtime/recorder';
import type { Tensor } from '../src/runtime/tensor';
import {
  DOCTOR_LIMITS,
  type DoctorReport,
  type GruRunArgs,
  type GruRunResult,
  type HarnessCalls,
  type OmniglotSummary,
} from '../src/protocol/harness';
import { trainHarness } from './harness_train';

let gpu: Promise<Gpu> | null = null;
let current: Gpu | null = null;

/**
 * Checks a gruRun's data against its sizes, and every buffer it needs against the adapter's limits, before
 * anything is allocated: a size beyond a limit is refused with the limit's name rather than lost to a
 * device error.
 */
function checkGruRun(g: Gpu, a: GruRunArgs): void {
  const { layers: L, inputSize: I, hiddenSize: H, batch: B, steps: T } = a;
  const backward = Boolean(a.gradOutput || a.gradHN);
  const layout = lib.gruParamLayout({ layers: L, inputSize: I, hiddenSize: H, groups: 1 });
  const sizes: [string, number, ArrayLike<number> | null | undefined][] = [
    ['params', layout.size, a.params],
    ['x [B, T, I]', B * T * I, a.x],
    ['h0 [L, B, H]', L * B * H, a.h0],
    ['grad_output [B, T, H]', B * T * H, a.gradOutput],
    ['grad_h_n [L, B, H]', L * B * H, a.gradHN],
  ];
  for (const [what, n, data] of sizes) {
    if (data && data.length !== n)
      throw new lib.InputError(`gruRun: ${what} has ${data.length} values, expected ${n}`);
  }
  // Everything allocGruBuffers allocates (backward scratch included), then our own tensors.
  const buffers: [string, number][] = [
    ['GRU hidden states [L, B, T+1, H]', L * B * (T + 1) * H],
    ['GRU gates [L, B, T, 4H]', L * B * T * 4 * H],
    ['GRU gradient between layers [B, T, H]', B * T * H],
    ...sizes.map(([what, n]) => [what, n] as [string, number]),
  ];
  for (const [what, n] of buffers) {
    g.checkLimit('maxStorageBufferBindingSize', 4 * n, what);
    g.checkLimit('maxBufferSize', lib.BufferPool.sizeClass(4 * n), what);
  }
  // The recurrent kernels keep h (forward) or the gate gradients (backward) of a row in workgroup memory.
  const wgBytes = (backward ? 2 * 3 * H : 2 * H) * 4;
  g.checkLimit(
    'maxComputeWorkgroupStorageSize',
    wgBytes,
    `GRU ${backward ? 'backward' : 'forward'} with hidden size ${H}`,
  );
}

export const harness = {
  lib,
  // trainRun, evalRun: what `metarnn train`, `eval` and `start` run (see harness_train.ts).
  ...trainHarness(
    (): Promise<Gpu> => harness.gpu(),
    (): lib.TaskData => harness.taskData,
  ),
  /** Data for task families that need more than a config (Omniglot images): pass to lib.createLearner. */
  taskData: {} as lib.TaskData,
  /**
   * Loads an Omniglot zip sent from Node as base64 (a page cannot read paths; strings cross page.evaluate
   * cheaply) into `taskData.omniglot`, and says what it holds.
   */
  async omniglotLoad(zipBase64: string, name?: string): Promise<OmniglotSummary> {
    const ds = lib.loadOmniglot(
      Uint8Array.from(atob(zipBase64), (c) => c.charCodeAt(0)),
      { name },
    );
    harness.taskData.omniglot = ds;
    return { alphabets: ds.alphabets, characters: ds.characters.length, images: ds.imageCount };
  },
  /** The device (acquired on first use, and again once lost: training recovers so, see trainRun). */
  async gpu(): Promise<Gpu> {
    if (current?.isLost) gpu = current = null;
    gpu ??= lib.acquireGpu().then((g) => (current = g)); // one promise: concurrent callers share one device
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
  /** What `metarnn doctor` shows, as plain JSON: the adapter, the features on our device, key limits. */
  async doctor(): Promise<DoctorReport> {
    const g = await harness.gpu();
    return {
      adapter: { ...g.adapter },
      features: [...g.features].sort(),
      limits: Object.fromEntries(DOCTOR_LIMITS.map((k) => [k, g.limits[k]])) as DoctorReport['limits'],
      userAgent: navigator.userAgent,
    };
  },
  /**
   * Runs a GRU forward (plus backward when a gradient is given) and returns output [B, T, H], h_n [L, B, H]
   * and, for backward, flat grads (params layout), grad_x [B, T, I] and grad_h0 [L, B, H].
   * Every size is checked against the adapter's limits before anything is allocated.
   */
  async gruRun(a: GruRunArgs): Promise<GruRunResult> {
    const g = await harness.gpu();
    const shape = { layers: a.layers, inputSize: a.inputSize, hiddenSize: a.hiddenSize, groups: 1 };
    const run = { batch: a.batch, steps: a.steps };
    const { layers: L, inputSize: I, hiddenSize: H } = shape;
    const { batch: B, steps: T } = run;
    const backward = Boolean(a.gradOutput || a.gradHN);
    const layout = lib.gruParamLayout(shape);
    checkGruRun(g, a);

    const owned: Tensor[] = [];
    const make = (dims: number[], data?: ArrayLike<number> | null) => {
      const t = g.tensor(dims, data ?? undefined);
      owned.push(t);
      return t;
    };
    try {
      const params = make([layout.size], a.params);
      const x = make([B, T, I], a.x);
      const h0 = a.h0 ? make([L, B, H], a.h0) : null;
      const hN = make([L, B, H]);
      const bufs = lib.allocGruBuffers(g, shape, run);
      owned.push(...bufs.tensors);
      const grads = backward ? make([layout.size]) : null;
      const dx = backward ? make([B, T, I]) : null;
      const dh0 = backward ? make([L, B, H]) : null;
      const dOut = a.gradOutput ? make([B, T, H], a.gradOutput) : null;
      const dhN = a.gradHN ? make([L, B, H], a.gradHN) : null;
      await harness.run((rec) => {
        lib.gruForward(rec, shape, run, { params, x, h0, hN, hs: bufs.hs, gates: bufs.gates });
        if (grads) {
          const t = {
            params,
            x,
            hs: bufs.hs,
            gates: bufs.gates,
            dOut,
            dhN,
            grads,
            dx,
            dh0,
            workDy: bufs.workDy,
          };
          lib.gruBackward(rec, shape, run, t);
        }
      });
      // The last layer's outputs are hs[L-1, b, 1..T]: copy them out of the strided rows.
      const hs = await g.read(bufs.hs);
      const output = new Float32Array(B * T * H);
      const base = (L - 1) * B * (T + 1) * H;
      for (let b = 0; b < B; b++)
        output.set(hs.subarray(base + (b * (T + 1) + 1) * H, base + (b + 1) * (T + 1) * H), b * T * H);
      return {
        output,
        hN: await g.read(hN),
        grads: grads && (await g.read(grads)),
        gradX: dx && (await g.read(dx)),
        gradH0: dh0 && (await g.read(dh0)),
      };
    } finally {
      for (const t of owned) g.release(t);
    }
  },
};

export type Harness = typeof harness;

declare global {
  interface Window {
    harness: Harness;
  }
}
// What Node calls must match src/protocol/harness.ts: a function that drifts from it fails to compile here.
window.harness = harness satisfies HarnessCalls;
