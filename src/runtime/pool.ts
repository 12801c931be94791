/**
 * Buffer pool: free lists keyed by (size class, usage), as tfjs's buffer manager does. Above 4 KiB a size
 * rounds up to one of 8 classes per power of two (at most 12.5% waste; plain powers of two waste up to 50%),
 * so buffers of similar size get reused instead of reallocated.
 * `bytesInUse` lets tests show that memory does not grow across training steps.
 */
export class BufferPool {
  #free = new Map<string, GPUBuffer[]>();
  #sizes = new WeakMap<GPUBuffer, number>();
  bytesInUse = 0;
  bytesAllocated = 0;

  constructor(readonly device: GPUDevice) {}

  static sizeClass(bytes: number): number {
    const b = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (b <= 4096) return b;
    const step = 2 ** (Math.floor(Math.log2(b)) - 3);
    return Math.ceil(b / step) * step;
  }

  acquire(bytes: number, usage: GPUBufferUsageFlags, label?: string): GPUBuffer {
    const size = BufferPool.sizeClass(bytes);
    const key = `${size}:${usage}`;
    const list = this.#free.get(key);
    let buffer = list?.pop();
    if (!buffer) {
      buffer = this.device.createBuffer({ size, usage, label });
      this.bytesAllocated += size;
    }
    this.#sizes.set(buffer, size);
    this.bytesInUse += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = this.#sizes.get(buffer);
    if (size === undefined) throw new Error('BufferPool.release: buffer was not acquired from this pool');
    this.#sizes.delete(buffer);
    this.bytesInUse -= size;
    const key = `${size}:${buffer.usage}`;
    const list = this.#free.get(key) ?? [];
    list.push(buffer);
    this.#free.set(key, list);
  }

  /** Frees every idle buffer (e.g. after a model is disposed). */
  trim(): void {
    for (const list of this.#free.values()) {
      for (const b of list) {
        this.bytesAllocated -= b.size;
        b.destroy();
      }
    }
    this.#free.clear();
  }
}
