import { InputError } from '../runtime/errors';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import treeSum from '../../shaders/tree_sum.wgsl?raw';
import body from '../../shaders/grad_norm.wgsl?raw';

const source = `${treeSum}\n${body}`;

/**
 * The slots every optimizer's `hyper` tensor starts with, so that one gradNorm feeds Adam and SGD alike:
 * sumSq is written by gradNorm, skipped counted by the optimizer step, clip (0 = off) and lr set by the host.
 */
export const OPTIM_SLOT = { sumSq: 0, skipped: 1, clip: 2, lr: 3 } as const;

/** Throws unless every tensor has as many elements as `params`: the kernels index all of them by one i. */
export function checkOptimizerSizes(
  what: string,
  tensors: Record<string, Tensor | null | undefined>,
): number {
  const n = tensors.params?.size ?? 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (t && t.size !== n) throw new InputError(`${what}: ${name} has ${t.size} elements, params has ${n}`);
  }
  return n;
}

/**
 * out[0] = Σ grads² (or += with `accumulate`), the squared global gradient norm, in one dispatch of one
 * workgroup (see shaders/grad_norm.wgsl for why one). Write it to `hyper.view(OPTIM_SLOT.sumSq, [1])` before
 * adamStep / sgdStep so that they clip by it and skip steps whose gradient holds a NaN or Inf; without it the
 * slot keeps whatever the host wrote (0: no clipping, never skipped). `accumulate` adds a second gradient
 * buffer into the same global norm.
 */
export function gradNorm(rec: Recorder, t: { grads: Tensor; out: Tensor; accumulate?: boolean }): void {
  rec.dispatch({
    kernel: 'grad_norm',
    source,
    defines: { ACCUMULATE: Boolean(t.accumulate) },
    uniforms: new Uint32Array([t.grads.size, t.grads.offset, t.out.offset, 0]),
    buffers: [t.grads.buffer, t.out.buffer],
    workgroups: [1],
  });
}
