/** `metarnn gru`: one fused GRU forward (and backward, given a gradient) on the caller's tensors. */
import type { Gpu } from '../runtime/gpu';
import { InputError } from '../runtime/errors';
import { BufferPool } from '../runtime/pool';
import type { Tensor } from '../runtime/tensor';
import { gruParamLayout } from '../layout/gru_layout';
import { allocGruBuffers, gruForward } from '../kernels/gru_forward';
import { gruBackward } from '../kernels/gru_backward';
import type { GruRunArgs, GruRunResult } from '../protocol/harness';

/**
 * Checks a gruRun's data against its sizes, and every buffer it needs against the adapter's limits, before
 * anything is allocated: a size beyond a limit is refused with the limit's name rather than lost to a
 * device error.
 */
function checkGruRun(g: Gpu, a: GruRunArgs): void {
  const { layers: L, inputSize: I, hiddenSize: H, batch: B, steps: T } = a;
  const backward = Boolean(a.gradOutput || a.gradHN);
  const layout = gruParamLayout({ layers: L, inputSize: I, hiddenSize: H, groups: 1 });
  const sizes: [string, number, ArrayLike<number> | null | undefined][] = [
    ['params', layout.size, a.params],
    ['x [B, T, I]', B * T * I, a.x],
    ['h0 [L, B, H]', L * B * H, a.h0],
    ['grad_output [B, T, H]', B * T * H, a.gradOutput],
    ['grad_h_n [L, B, H]', L * B * H, a.gradHN],
  ];
  for (const [what, n, data] of sizes) {
    if (data && data.length !== n)
      throw new InputError(`gruRun: ${what} has ${data.length} values, expected ${n}`);
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
    g.checkLimit('maxBufferSize', BufferPool.sizeClass(4 * n), what);
  }
  // The recurrent kernels keep h (forward) or the gate gradients (backward) of a row in workgroup memory.
  const wgBytes = (backward ? 2 * 3 * H : 2 * H) * 4;
  g.checkLimit(
    'maxComputeWorkgroupStorageSize',
    wgBytes,
    `GRU ${backward ? 'backward' : 'forward'} with hidden size ${H}`,
  );
}

/**
 * Runs a GRU forward (plus backward when a gradient is given) and returns output [B, T, H], h_n [L, B, H]
 * and, for backward, flat grads (params layout), grad_x [B, T, I] and grad_h0 [L, B, H].
 */
export async function gruRun(g: Gpu, a: GruRunArgs): Promise<GruRunResult> {
  const shape = { layers: a.layers, inputSize: a.inputSize, hiddenSize: a.hiddenSize, groups: 1 };
  const run = { batch: a.batch, steps: a.steps };
  const { layers: L, inputSize: I, hiddenSize: H } = shape;
  const { batch: B, steps: T } = run;
  const backward = Boolean(a.gradOutput || a.gradHN);
  const layout = gruParamLayout(shape);
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
    const bufs = allocGruBuffers(g, shape, run);
    owned.push(...bufs.tensors);
    const grads = backward ? make([layout.size]) : null;
    const dx = backward ? make([B, T, I]) : null;
    const dh0 = backward ? make([L, B, H]) : null;
    const dOut = a.gradOutput ? make([B, T, H], a.gradOutput) : null;
    const dhN = a.gradHN ? make([L, B, H], a.gradHN) : null;
    const { hs, gates, workDy } = bufs;
    await runChecked(g, (rec) => {
      gruForward(rec, shape, run, { params, x, h0, hN, hs, gates });
      if (grads) gruBackward(rec, shape, run, { params, x, hs, gates, dOut, dhN, grads, dx, dh0, workDy });
    });
    // The last layer's outputs are hs[L-1, b, 1..T]: copy them out of the strided rows.
    const all = await g.read(hs);
    const output = new Float32Array(B * T * H);
    const base = (L - 1) * B * (T + 1) * H;
    for (let b = 0; b < B; b++)
      output.set(all.subarray(base + (b * (T + 1) + 1) * H, base + (b + 1) * (T + 1) * H), b * T * H);
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
}

/** Records with `fn`, submits once, waits, and surfaces any device error. Returns the dispatch count. */
export async function runChecked(g: Gpu, fn: (rec: ReturnType<Gpu['recorder']>) => void): Promise<number> {
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
}
