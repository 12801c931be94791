/**
 * A view into a GPU buffer: element offset plus shape. Kernels bind whole buffers and receive element
 * offsets as uniforms, so views never hit the 256-byte binding-offset alignment rule.
 */
export type DType = 'f32' | 'u32';

export class Tensor {
  constructor(
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly offset = 0,
    readonly dtype: DType = 'f32',
  ) {}

  get size(): number {
    return shapeSize(this.shape);
  }

  /** A sub-view starting `elements` further in, with a new shape. */
  view(elements: number, shape: readonly number[]): Tensor {
    return new Tensor(this.buffer, shape, this.offset + elements, this.dtype);
  }
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
