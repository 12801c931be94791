/**
 * Our side of the bench: the GRU forward and a full training step (forward, MSE loss, backward, Adam), each
 * recorded once into a Program and replayed as a training loop would, plus the adapter's own matmul speed.
 * Every timing is run() + onSubmittedWorkDone(), so GPU work is counted and nothing is read back.
 */
import type { Gpu } from '../src/runtime/gpu';
import { Program } from '../src/runtime/recorder';
import type { Tensor } from '../src/runtime/tensor';
import { ADAM_HYPER_SIZE, ADAM_SLOT, adamHyper, adamStep } from '../src/kernels/adam';
import { gruBackward } from '../src/kernels/gru_backward';
import { allocGruBuffers, gruForward, gruOutput } from '../src/kernels/gru_forward';
import { gruParamLayout, type GruShape } from '../src/layout/gru_layout';
import { linearForward } from '../src/kernels/linear_forward';
import { mseLoss } from '../src/kernels/mse_loss';
import { rng, uniform } from '../src/layout/random';
import { median, time, type BenchCase, type Timing, type TimingOptions } from './cases';

export interface OursResult {
  forwardMs: number;
  trainStepMs: number;
  /** Dispatches in one recorded training step (program.dispatchCount); all in one submit. */
  dispatchesPerStep: number;
  forwardDispatches: number;
  kernels: string[];
  /** Each dispatch of the step timed alone (median of 3): where a step's time goes; [] unless asked for. */
  stepByKernel: { kernel: string; ms: number; gpuMs: number | null }[];
  /**
   * A training loop's view: ms per step with 20 steps submitted back to back and one wait at the end (the
   * submit-and-wait latency of a single step, which dominates on a fast GPU, shared among 20); median of 3.
   */
  trainStepPipelinedMs: number;
  /** GPU time of one step from timestamp queries (median of 5); null without `timestamp-query`. */
  trainStepGpuMs: number | null;
  /**
   * With `prefixes`: ms per run, pipelined as trainStepPipelinedMs, of the step's first 1, 2, … dispatches
   * (where in the step the time goes when runs overlap); [] otherwise.
   */
  prefixPipelinedMs?: { kernel: string; ms: number }[];
  forward: Timing;
  trainStep: Timing;
  memory: StepMemory;
}

/** Bytes on the device for a training step, against what any implementation must hold. */
export interface StepMemory {
  /** Growth of gpu.pool.bytesInUse for everything the step allocates (pool rounding included), plus uniforms. */
  heldBytes: number;
  /** weights + gradients + Adam m, v + saved activations (hs [L,B,T+1,H], gates [L,B,T,4H]). */
  minimumBytes: number;
  parts: Record<string, number>;
}

/** Times `program` as run() + onSubmittedWorkDone(); `before` runs on the host ahead of each submit. */
function timeProgram(gpu: Gpu, program: Program, o: TimingOptions, before?: () => void): Promise<Timing> {
  return time(async () => {
    before?.();
    program.run();
    await gpu.sync();
  }, o);
}

/**
 * Times each dispatch of `program` on its own, replaying its already-built pipeline and bind group. The
 * one-step programs share the original's uniform buffer, so they are not destroyed here.
 */
async function timePerKernel(gpu: Gpu, program: Program): Promise<OursResult['stepByKernel']> {
  const out: OursResult['stepByKernel'] = [];
  for (const step of program.steps) {
    if (step.kind !== 'dispatch') continue;
    const alone = new Program(program.device, [step], program.uniformBuffer, step.kernel);
    out.push({
      kernel: step.kernel,
      ms: (await timeProgram(gpu, alone, { repeats: 3, warmup: 1 })).medianMs,
      gpuMs: await gpuMedianMs(gpu, alone, 3),
    });
  }
  return out;
}

/** Median GPU time of `program` over `n` runs from timestamp queries; null where the adapter has none. */
async function gpuMedianMs(gpu: Gpu, program: Program, n: number): Promise<number | null> {
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    const ms = await gpu.gpuTimeMs(program);
    if (ms === null) return null;
    runs.push(ms);
  }
  return median(runs);
}

/** ms per run with `n` runs submitted back to back and one wait at the end; median of `rounds`. */
async function pipelinedMs(gpu: Gpu, program: Program, n: number, rounds: number, before?: () => void) {
  const per: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      before?.();
      program.run();
    }
    await gpu.sync();
    if (r > 0) per.push((performance.now() - t0) / n); // round 0 warms up
  }
  return median(per);
}

/** Runs `fn` inside a validation error scope and throws what the device reported, if anything. */
async function checked<T>(gpu: Gpu, what: string, fn: () => Promise<T>): Promise<T> {
  gpu.device.pushErrorScope('validation');
  const out = await fn();
  const err = await gpu.device.popErrorScope();
  if (err) throw new Error(`GPU validation error in ${what}: ${err.message}`);
  gpu.throwIfErrors();
  return out;
}

export interface OursOptions extends TimingOptions {
  /** Also time each dispatch of the step alone (default true; 4 runs per kernel): once per case is enough. */
  perKernel?: boolean;
  /** Also time every prefix of the step pipelined (a diagnosis for GPUs: slow on the software adapter). */
  prefixes?: boolean;
}

export async function benchOurs(gpu: Gpu, c: BenchCase, o: OursOptions): Promise<OursResult> {
  const shape: GruShape = { layers: c.layers, inputSize: c.input, hiddenSize: c.hidden, groups: 1 };
  const run = { batch: c.batch, steps: c.T };
  const { batch: B, T, input: I, hidden: H } = c;
  const P = gruParamLayout(shape).size;
  const rand = rng(1);
  const k = 1 / Math.sqrt(H); // PyTorch's GRU init range
  const held: Tensor[] = [];
  const tensor = (dims: number[], data?: number[]) => {
    // Zeros unless given: pooled buffers keep old contents, and Adam's m and v must start at zero.
    const t = gpu.tensor(dims, data ?? new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0));
    held.push(t);
    return t;
  };
  const programs: Program[] = [];
  const before = gpu.pool.bytesInUse;
  try {
    const params = tensor([P], uniform(rand, P, -k, k));
    const x = tensor([B, T, I], uniform(rand, B * T * I));
    const target = tensor([B, T, H], uniform(rand, B * T * H));
    const grads = tensor([P]);
    const m = tensor([P]);
    const v = tensor([P]);
    const hyper = tensor([ADAM_HYPER_SIZE], adamHyper({ lr: 1e-3 }));
    const loss = tensor([1]);
    const dOut = tensor([B, T, H]);
    const bufs = allocGruBuffers(gpu, shape, run);
    held.push(...bufs.tensors);

    const fwdRec = gpu.recorder();
    gruForward(fwdRec, shape, run, { params, x, ...bufs });
    const forwardProgram = await fwdRec.finish('bench.forward');
    programs.push(forwardProgram);

    const stepRec = gpu.recorder();
    gruForward(stepRec, shape, run, { params, x, ...bufs });
    const out = gruOutput(shape, run, bufs.hs);
    mseLoss(
      stepRec,
      { groups: 1, rowsPerGroup: B * T, features: H },
      { pred: out.tensor, predRows: out.rows, target, loss, grad: dOut },
    );
    gruBackward(stepRec, shape, run, {
      params,
      x,
      hs: bufs.hs,
      gates: bufs.gates,
      dOut,
      grads,
      workDy: bufs.workDy,
    });
    adamStep(stepRec, { params, grads, m, v, hyper }); // plain Adam, no clipping: what TF.js's step does
    const stepProgram = await stepRec.finish('bench.step');
    programs.push(stepProgram);

    const forward = await checked(gpu, 'the forward program', () => timeProgram(gpu, forwardProgram, o));
    let step = 0;
    const stepSlot = hyper.view(ADAM_SLOT.step, [1]);
    // Adam's step count lives on the GPU; a real loop writes it before each submit, so the timing does too.
    const trainStep = await checked(gpu, 'the training step', () =>
      timeProgram(gpu, stepProgram, o, () => gpu.write(stepSlot, [++step])),
    );
    const pipelined = o.perKernel === false ? 1 : 20;
    const trainStepPipelinedMs = await checked(gpu, 'the pipelined step', () =>
      pipelinedMs(gpu, stepProgram, pipelined, 3, () => gpu.write(stepSlot, [++step])),
    );
    const trainStepGpuMs = o.perKernel === false ? null : await gpuMedianMs(gpu, stepProgram, 5);
    const prefixPipelinedMs: { kernel: string; ms: number }[] = [];
    if (o.prefixes) {
      for (const [i, s] of stepProgram.steps.entries()) {
        if (s.kind !== 'dispatch') continue;
        const head = new Program(
          gpu.device,
          stepProgram.steps.slice(0, i + 1),
          stepProgram.uniformBuffer,
          'prefix',
        );
        prefixPipelinedMs.push({ kernel: s.kernel, ms: await pipelinedMs(gpu, head, 20, 2) });
      }
    }
    const stepByKernel =
      o.perKernel === false
        ? []
        : await checked(gpu, 'the per-kernel timing', () => timePerKernel(gpu, stepProgram));

    const f32 = 4;
    const parts = {
      weights: P * f32,
      gradients: P * f32,
      adamState: 2 * P * f32,
      savedActivations: (bufs.hs.size + bufs.gates.size) * f32,
      inputsAndTargets: (x.size + target.size) * f32,
      scratch: ((bufs.workDy?.size ?? 0) + dOut.size + loss.size + hyper.size) * f32,
      // Split reductions' partial sums (Recorder.scratch, outside the pool; none on the software adapter).
      partials: stepProgram.scratch.reduce((n, b) => n + b.size, 0),
      uniforms: stepProgram.uniformBuffer.size,
    };
    return {
      forwardMs: forward.medianMs,
      trainStepMs: trainStep.medianMs,
      dispatchesPerStep: stepProgram.dispatchCount,
      forwardDispatches: forwardProgram.dispatchCount,
      kernels: stepProgram.kernels,
      stepByKernel,
      trainStepPipelinedMs,
      trainStepGpuMs,
      prefixPipelinedMs,
      forward,
      trainStep,
      memory: {
        heldBytes: gpu.pool.bytesInUse - before + parts.uniforms + parts.partials,
        minimumBytes: parts.weights + parts.gradients + parts.adamState + parts.savedActivations,
        parts,
      },
    };
  } finally {
    for (const p of programs) p.destroy();
    for (const t of held) gpu.release(t);
  }
}

/** The adapter's dense matmul speed with our linear_forward kernel: the yardstick for the GRU's GFLOP/s. */
export async function benchMatmul(gpu: Gpu, n: number, o: TimingOptions) {
  const rand = rng(2);
  const x = gpu.tensor([n, n], uniform(rand, n * n));
  const w = gpu.tensor([n, n], uniform(rand, n * n));
  const y = gpu.tensor([n, n]);
  const rec = gpu.recorder();
  linearForward(rec, { groups: 1, rowsPerGroup: n, inF: n, outF: n }, { x, w, y });
  const program = await rec.finish('bench.matmul');
  try {
    // Runs for at least 300 ms before timing (at least once): a GPU's clocks and a fresh buffer's first
    // touches settle within that (at 4096³ on an H200 the first five runs took 33 → 17 ms, the GPU 5.8 ms).
    const until = performance.now() + 300;
    do {
      program.run();
      await gpu.sync();
    } while (performance.now() < until);
    const t = await checked(gpu, 'the matmul', () => timeProgram(gpu, program, o));
    // GPU time alone (timestamp queries), where the adapter has them: the submit-and-wait latency left out.
    const gpuMs = await gpuMedianMs(gpu, program, 3);
    return {
      size: n,
      ms: t.medianMs,
      runsMs: t.runsMs,
      gflops: (2 * n ** 3) / (t.medianMs * 1e6),
      gpuMs,
      gpuGflops: gpuMs === null ? null : (2 * n ** 3) / (gpuMs * 1e6),
    };
  } finally {
    program.destroy();
    for (const t of [x, y, w]) gpu.release(t);
  }
}
