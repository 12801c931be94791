import { DeviceLostError, GpuError, LimitError, WebGpuUnavailableError } from './errors';
import { PipelineCache } from './pipelines';
import { BufferPool } from './pool';
import { Program, Recorder, type KernelVariants } from './recorder';
import { shapeSize, Tensor, type DType } from './tensor';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface AcquireOptions {
  /** A `GPU` object: `navigator.gpu` in a page, or `create([])` from the npm package `webgpu` in Node. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /** Called once if the device is lost; the run can then re-acquire and restore from a checkpoint. */
  onLost?: (error: DeviceLostError) => void;
  /** Called for every uncaptured validation / out-of-memory error, as a typed error. */
  onError?: (error: GpuError) => void;
}

/**
 * Acquires an adapter and device, requesting the adapter's own limits (WebGPU otherwise hands out spec
 * defaults: 16 KiB workgroup storage, 128 MiB bindings) and the features we use when present.
 * Depends on no DOM API: pass `gpu` from Node's `webgpu` package to run without a browser.
 */
export async function acquireGpu(options: AcquireOptions = {}): Promise<Gpu> {
  const gpu = options.gpu ?? (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    if (secure === false) {
      throw new WebGpuUnavailableError(
        'navigator.gpu is missing because this page is not a secure context: serve it from https:// or http://localhost',
      );
    }
    throw new WebGpuUnavailableError(
      'WebGPU is not available (navigator.gpu is undefined): use Chrome/Edge 113+ or Chromium started with ' +
        '--enable-unsafe-webgpu, or in Node pass { gpu } from the npm package "webgpu"',
    );
  }
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? 'high-performance',
  });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'WebGPU found no adapter: on Linux start Chromium with --enable-unsafe-webgpu (and --enable-features=Vulkan ' +
        'on a machine with a GPU); check chrome://gpu for "WebGPU: Hardware accelerated"',
    );
  }
  const wanted = ['timestamp-query', 'subgroups'] as GPUFeatureName[];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const key of LIMIT_NAMES) {
    const v = (adapter.limits as unknown as Record<string, number>)[key];
    if (typeof v === 'number') requiredLimits[key] = v;
  }
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'metarnn' });
  const info = adapter.info;
  const summary: AdapterSummary = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean })?.isFallbackAdapter),
  };
  return new Gpu(device, summary, options);
}

const LIMIT_NAMES = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
];

/**
 * One device and everything tied to it: pipeline cache, buffer pool, error and loss reporting.
 * Knows nothing about GRUs or meta-learning.
 */
export class Gpu {
  readonly pipelines: PipelineCache;
  readonly pool: BufferPool;
  readonly features: ReadonlySet<string>;
  readonly lost: Promise<DeviceLostError>;
  /** Kernel variants for this adapter, set by a start-up probe (see Recorder's KernelVariants). */
  readonly variants: KernelVariants;
  #errors: GpuError[] = [];
  #lost: DeviceLostError | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    options: AcquireOptions = {},
  ) {
    this.pipelines = new PipelineCache(device);
    this.pool = new BufferPool(device);
    this.features = new Set(device.features as unknown as Iterable<string>);
    this.variants = { adapter, chosen: new Map() };
    this.lost = device.lost.then((info) => {
      const err = new DeviceLostError(info.reason ?? 'unknown', info.message);
      this.#lost = err;
      options.onLost?.(err);
      return err;
    });
    device.addEventListener('uncapturederror', (event) => {
      const e = (event as GPUUncapturedErrorEvent).error;
      const kind =
        e instanceof GPUOutOfMemoryError
          ? 'out-of-memory'
          : e instanceof GPUValidationError
            ? 'validation'
            : 'internal';
      const err = new GpuError(kind, e.message);
      this.#errors.push(err);
      options.onError?.(err);
    });
  }

  /** Set (synchronously, before `lost` resolves for anyone else) once the device is gone. */
  get isLost(): boolean {
    return this.#lost !== null;
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Throws the first uncaptured device error since the last call, if any. */
  throwIfErrors(): void {
    const e = this.#errors.shift();
    this.#errors.length = 0;
    if (e) throw e;
  }

  /** Checks a size against a device limit before allocating, with a message that names the limit. */
  checkLimit(limit: keyof GPUSupportedLimits, needed: number, what: string): void {
    const available = this.limits[limit] as number;
    if (needed > available) throw new LimitError(String(limit), needed, available, what);
  }

  /** Allocates a tensor (from the pool) and optionally uploads data. */
  tensor(shape: readonly number[], data?: ArrayLike<number>, dtype: DType = 'f32', label?: string): Tensor {
    const size = shapeSize(shape);
    const bytes = Math.max(4, size * 4);
    this.checkLimit('maxStorageBufferBindingSize', bytes, `tensor [${shape.join(', ')}]`);
    const buffer = this.pool.acquire(
      bytes,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      label,
    );
    const t = new Tensor(buffer, shape, 0, dtype);
    if (data) this.write(t, data);
    return t;
  }

  release(t: Tensor): void {
    this.pool.release(t.buffer);
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    if (data.length !== t.size) {
      throw new RangeError(
        `write: tensor [${t.shape.join(', ')}] has ${t.size} elements, data has ${data.length}`,
      );
    }
    // Already the tensor's type: written as it is (no copy of a large upload).
    const arr =
      t.dtype === 'u32'
        ? data instanceof Uint32Array
          ? data
          : Uint32Array.from(data)
        : data instanceof Float32Array
          ? data
          : Float32Array.from(data);
    this.device.queue.writeBuffer(t.buffer, t.offset * 4, arr.buffer, arr.byteOffset, arr.byteLength);
  }

  /** Fills a tensor with a value (tests poison outputs with NaN this way). */
  fill(t: Tensor, value: number): void {
    this.write(t, new Float32Array(t.size).fill(value));
  }

  /**
   * Reads a tensor back to the CPU. The only place that waits on the GPU, so it is where a lost device
   * surfaces: it throws the DeviceLostError (a lost device's submits do nothing and throw nothing).
   */
  async read(t: Tensor): Promise<Float32Array> {
    if (this.#lost) throw this.#lost;
    const bytes = t.size * 4;
    const staging = this.device.createBuffer({
      size: Math.max(4, bytes),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = this.device.createCommandEncoder();
    if (bytes > 0) encoder.copyBufferToBuffer(t.buffer, t.offset * 4, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      staging.destroy();
      // A map fails when the device is lost, possibly just before device.lost settles: give it a moment.
      if (!this.#lost) await Promise.race([this.lost, new Promise((ok) => setTimeout(ok, 200))]);
      throw this.#lost ?? e;
    }
    const out = new Float32Array(staging.getMappedRange().slice(0, bytes));
    staging.unmap();
    staging.destroy();
    return out;
  }

  recorder(): Recorder {
    return new Recorder(this.device, this.pipelines, this.limits, this.variants);
  }

  /** Waits until all submitted work is done. */
  async sync(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  /**
   * GPU time of one run of `program` in ms, from timestamp queries around its compute pass; null when the
   * adapter has no `timestamp-query` or the program has copies between passes.
   */
  async gpuTimeMs(program: Program): Promise<number | null> {
    if (!this.features.has('timestamp-query') || program.steps.some((s) => s.kind === 'copy')) return null;
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 });
    const resolve = this.device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    const staging = this.device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = this.device.createCommandEncoder();
    program.encode(encoder, { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 });
    encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, staging, 0, 16);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const [t0, t1] = new BigUint64Array(staging.getMappedRange());
    const ms = Number(t1 - t0) / 1e6;
    staging.unmap();
    staging.destroy();
    resolve.destroy();
    querySet.destroy();
    return ms;
  }

  destroy(): void {
    this.device.destroy();
  }
}
