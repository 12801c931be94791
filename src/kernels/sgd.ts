import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/optim_step.wgsl?raw';
import body from '../../shaders/sgd.wgsl?raw';
import { checkOptimizerSizes, OPTIM_SLOT } from './grad_norm';

const source = `${common}\n${body}`;

/** Where each hyper-parameter sits in SGD's `hyper` tensor [SGD_HYPER_SIZE] (the host may rewrite lr). */
export const SGD_SLOT = { ...OPTIM_SLOT, momentum: 4 } as const;
export const SGD_HYPER_SIZE = 5;

/** Initial contents of SGD's `hyper` tensor; momentum is used only when sgdStep gets a momentum buffer. */
export function sgdHyper(o: { lr: number; momentum?: number; clip?: number }): number[] {
  const h = new Array<number>(SGD_HYPER_SIZE).fill(0);
  h[SGD_SLOT.clip] = o.clip ?? 0;
  h[SGD_SLOT.lr] = o.lr;
  h[SGD_SLOT.momentum] = o.momentum ?? 0;
  return h;
}

/**
 * One SGD step, params -= lr · grads, or with a zero-initialised `momentum` buffer torch.optim.SGD's
 * heavy-ball momentum (see shaders/sgd.wgsl). lr comes from `hyper` on the GPU, so a recorded program
 * replays with a new lr. Clipping and the non-finite skip work as in adamStep (run gradNorm first).
 */
export function sgdStep(
  rec: Recorder,
  t: { params: Tensor; grads: Tensor; hyper: Tensor; momentum?: Tensor | null },
): void {
  const n = checkOptimizerSizes('sgdStep', { params: t.params, grads: t.grads, momentum: t.momentum });
  rec.dispatch({
    kernel: 'sgd',
    source,
    defines: {
      HAS_MOMENTUM: Boolean(t.momentum),
      SUM_SQ: SGD_SLOT.sumSq,
      SKIPPED: SGD_SLOT.skipped,
      CLIP: SGD_SLOT.clip,
      LR: SGD_SLOT.lr,
      MOMENTUM: SGD_SLOT.momentum,
    },
    // prettier-ignore
    uniforms: new Uint32Array([n, t.params.offset, t.grads.offset, t.momentum?.offset ?? 0, t.hyper.offset, 0, 0, 0]),
    buffers: [t.params.buffer, t.grads.buffer, t.hyper.buffer, t.momentum?.buffer ?? null],
    workgroups: [Math.ceil(n / 256)], // 64 invocations × 4 elements each
  });
}
