import { LimitError } from './errors';
import type { Defines, PipelineCache } from './pipelines';
import type { Tensor } from './tensor';

/** One kernel launch: uniforms go to binding 0, storage buffers to bindings 1..n in order. */
export interface KernelCall {
  kernel: string;
  source: string;
  defines?: Defines;
  uniforms: Uint32Array | Float32Array | ArrayBuffer;
  /** Storage buffers for bindings 1..n; `null` skips a binding the specialised shader does not declare. */
  buffers: (GPUBuffer | null)[];
  workgroups: [number, number?, number?];
}

/**
 * Kernel variants chosen for one adapter: a wrapper with several implementations of its kernel (e.g. where
 * gru_forward keeps its weights) looks up `chosen` by its own key, and falls back to a default of its own
 * for `adapter` when no probe has chosen (src/kernels/gru_tuning.ts). The runtime only carries them.
 */
export interface KernelVariants {
  adapter: { isFallbackAdapter: boolean; architecture: string } | null;
  chosen: Map<string, string>;
}

type Step =
  | { kind: 'dispatch'; call: KernelCall; pipeline: Promise<GPUComputePipeline>; uniformOffset: number }
  | { kind: 'copy'; src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; bytes: number };

/**
 * Workgroups for `count` workgroups' worth of a flat 1-D problem, folded into two dimensions so that large
 * problems stay within the 65,535 per dimension every adapter allows. Kernels dispatched so index as
 * `gid.x + gid.y * nwg.x * WG` (nwg = @builtin(num_workgroups)) and bounds-check that index.
 */
export function flatGrid(count: number): [number, number] {
  const x = Math.min(count, 65535);
  return [x, x === 0 ? 1 : Math.ceil(count / x)];
}

/**
 * Collects kernel launches for one submit. Recording is synchronous (wrappers just describe their
 * dispatches); `finish()` awaits the pipelines once and returns a replayable Program whose bind groups and
 * packed uniform buffer are built a single time, so a training loop only re-encodes and submits.
 */
export class Recorder {
  #steps: Step[] = [];
  #uniformBytes = 0;
  #scratch: GPUBuffer[] = [];

  constructor(
    readonly device: GPUDevice,
    readonly pipelines: PipelineCache,
    readonly limits: GPUSupportedLimits,
    /** The adapter's kernel variants (Gpu.variants): wrappers read their choice here while recording. */
    readonly variants: KernelVariants = { adapter: null, chosen: new Map() },
  ) {}

  dispatch(call: KernelCall): void {
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    for (const n of call.workgroups) {
      if (n !== undefined && n > max) {
        throw new LimitError('maxComputeWorkgroupsPerDimension', n, max, `kernel '${call.kernel}'`);
      }
    }
    if (call.workgroups.some((n) => n === 0)) return; // empty problem: nothing to launch
    const align = this.limits.minUniformBufferOffsetAlignment;
    const uniformOffset = this.#uniformBytes;
    this.#uniformBytes += Math.ceil(Math.max(16, byteLength(call.uniforms)) / align) * align;
    const pipeline = this.pipelines.get(call.kernel, call.source, call.defines ?? {});
    this.#steps.push({ kind: 'dispatch', call, pipeline, uniformOffset });
  }

  /** Copies `src` into `dst` (element counts must match). Splits the compute pass there. */
  copy(src: Tensor, dst: Tensor): void {
    this.#steps.push({
      kind: 'copy',
      src: src.buffer,
      srcOffset: src.offset * 4,
      dst: dst.buffer,
      dstOffset: dst.offset * 4,
      bytes: src.size * 4,
    });
  }

  /**
   * A storage buffer of `floats` floats that only this program's kernels use between their dispatches (e.g. a
   * split reduction's partial sums); the Program owns it and destroys it with itself.
   */
  scratch(floats: number, label: string): GPUBuffer {
    const buffer = this.device.createBuffer({
      size: Math.max(16, floats * 4),
      usage: GPUBufferUsage.STORAGE,
      label: `${label}.scratch`,
    });
    this.#scratch.push(buffer);
    return buffer;
  }

  get dispatchCount(): number {
    return this.#steps.filter((s) => s.kind === 'dispatch').length;
  }

  /** Kernel names recorded so far, in launch order (which variant a wrapper chose, for tests). */
  get kernels(): string[] {
    return this.#steps.flatMap((s) => (s.kind === 'dispatch' ? [s.call.kernel] : []));
  }

  /** Defines of the dispatches recorded so far, in launch order: which variant each took (for tests). */
  get defines(): Defines[] {
    return this.#steps.flatMap((s) => (s.kind === 'dispatch' ? [s.call.defines ?? {}] : []));
  }

  /** Workgroup counts of the dispatches recorded so far, in launch order (for tests). */
  get workgroups(): number[][] {
    return this.#steps.flatMap((s) => (s.kind === 'dispatch' ? [s.call.workgroups.map((n) => n ?? 1)] : []));
  }

  async finish(label = 'program'): Promise<Program> {
    const device = this.device;
    const uniformBuffer = device.createBuffer({
      size: Math.max(256, this.#uniformBytes),
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      mappedAtCreation: true,
      label: `${label}.uniforms`,
    });
    const mapped = new Uint8Array(uniformBuffer.getMappedRange());
    const encoded: EncodedStep[] = [];
    for (const step of this.#steps) {
      if (step.kind === 'copy') {
        encoded.push(step);
        continue;
      }
      const { call, uniformOffset } = step;
      const bytes = toBytes(call.uniforms);
      mapped.set(bytes, uniformOffset);
      const pipeline = await step.pipeline;
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          {
            binding: 0,
            resource: { buffer: uniformBuffer, offset: uniformOffset, size: Math.max(16, bytes.length) },
          },
          ...call.buffers.flatMap((buffer, i) => (buffer ? [{ binding: i + 1, resource: { buffer } }] : [])),
        ],
        label: call.kernel,
      });
      const [x, y = 1, z = 1] = call.workgroups;
      encoded.push({ kind: 'dispatch', pipeline, bindGroup, workgroups: [x, y, z], kernel: call.kernel });
    }
    uniformBuffer.unmap();
    return new Program(device, encoded, uniformBuffer, label, this.#scratch);
  }
}

type EncodedStep =
  | {
      kind: 'dispatch';
      pipeline: GPUComputePipeline;
      bindGroup: GPUBindGroup;
      workgroups: [number, number, number];
      kernel: string;
    }
  | { kind: 'copy'; src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; bytes: number };

/** A recorded sequence of dispatches, replayed with one submit per `run()`. */
export class Program {
  constructor(
    readonly device: GPUDevice,
    readonly steps: readonly EncodedStep[],
    readonly uniformBuffer: GPUBuffer,
    readonly label: string,
    /** Buffers the recorder made for this program alone (Recorder.scratch). */
    readonly scratch: readonly GPUBuffer[] = [],
  ) {}

  get dispatchCount(): number {
    return this.steps.filter((s) => s.kind === 'dispatch').length;
  }

  /** Kernel names in launch order (for reports and tests of the dispatch structure). */
  get kernels(): string[] {
    return this.steps.flatMap((s) => (s.kind === 'dispatch' ? [s.kernel] : []));
  }

  /** Encodes all steps into `encoder`: consecutive dispatches share one compute pass. */
  encode(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void {
    let pass: GPUComputePassEncoder | null = null;
    let first = true;
    for (const step of this.steps) {
      if (step.kind === 'copy') {
        pass?.end();
        pass = null;
        encoder.copyBufferToBuffer(step.src, step.srcOffset, step.dst, step.dstOffset, step.bytes);
        continue;
      }
      if (!pass) {
        // Timestamps only around a single-pass program; multi-pass programs are timed by the caller.
        pass = encoder.beginComputePass(first && timestampWrites ? { timestampWrites } : {});
        first = false;
      }
      pass.setPipeline(step.pipeline);
      pass.setBindGroup(0, step.bindGroup);
      pass.dispatchWorkgroups(...step.workgroups);
    }
    pass?.end();
  }

  /** Encodes and submits in one go; returns without waiting for the GPU. */
  run(): void {
    const encoder = this.device.createCommandEncoder({ label: this.label });
    this.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    this.uniformBuffer.destroy();
    for (const b of this.scratch) b.destroy();
  }
}

function byteLength(u: Uint32Array | Float32Array | ArrayBuffer): number {
  return u instanceof ArrayBuffer ? u.byteLength : u.byteLength;
}

function toBytes(u: Uint32Array | Float32Array | ArrayBuffer): Uint8Array {
  return u instanceof ArrayBuffer ? new Uint8Array(u) : new Uint8Array(u.buffer, u.byteOffset, u.byteLength);
}
