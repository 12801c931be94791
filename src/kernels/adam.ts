import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import common from '../../shaders/optim_step.wgsl?raw';
import body from '../../shaders/adam.wgsl?raw';
import { checkOptimizerSizes, OPTIM_SLOT } from './grad_norm';
import { softwareAdapter, starts4 } from './linear_tile';

const source = `${common}\n${body}`;

/**
 * Where each hyper-parameter sits in Adam's `hyper` tensor [ADAM_HYPER_SIZE]. The host rewrites lr or step
 * with `gpu.write(hyper.view(ADAM_SLOT.step, [1]), [t])` before a submit; the recorded program stays as is.
 */
export const ADAM_SLOT = {
  ...OPTIM_SLOT,
  beta1: 4,
  beta2: 5,
  eps: 6,
  weightDecay: 7,
  step: 8,
  inARow: 9,
} as const;
export const ADAM_HYPER_SIZE = 10;

/** Defaults are torch.optim.Adam's; weightDecay > 0 is decoupled (AdamW); clip is a max global norm, 0 = off. */
export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  clip?: number;
}

/** Initial contents of the `hyper` tensor: `step` is the 1-based index of the next step (PyTorch's t). */
export function adamHyper(o: AdamOptions = {}, step = 1): number[] {
  const h = new Array<number>(ADAM_HYPER_SIZE).fill(0);
  h[ADAM_SLOT.clip] = o.clip ?? 0;
  h[ADAM_SLOT.lr] = o.lr ?? 1e-3;
  h[ADAM_SLOT.beta1] = o.beta1 ?? 0.9;
  h[ADAM_SLOT.beta2] = o.beta2 ?? 0.999;
  h[ADAM_SLOT.eps] = o.eps ?? 1e-8;
  h[ADAM_SLOT.weightDecay] = o.weightDecay ?? 0;
  h[ADAM_SLOT.step] = step;
  return h;
}

/**
 * One Adam/AdamW step on a flat parameter buffer: params, m and v updated in place (see shaders/adam.wgsl).
 * Hyper-parameters are read from `hyper` on the GPU, so a recorded program replays with new lr / step.
 * Run gradNorm into hyper's sumSq slot first for clipping and for skipping non-finite steps (counted in
 * the skipped slot, and in the inARow slot until a finite step resets it). The host keeps `step` counting:
 * a skipped step still advances it. m, v start at zero.
 * params, m, v and hyper must be distinct GPU buffers (WebGPU forbids aliasing writable bindings).
 */
export function adamStep(
  rec: Recorder,
  t: { params: Tensor; grads: Tensor; m: Tensor; v: Tensor; hyper: Tensor },
): void {
  const n = checkOptimizerSizes('adamStep', { params: t.params, grads: t.grads, m: t.m, v: t.v });
  // VEC4 on the software adapter where n and every offset are multiples of 4: 4 elements per load there.
  const views = [t.params, t.grads, t.m, t.v];
  const aligned = starts4(
    [n, ...views.map((x) => x.offset)],
    views.map((x) => x.buffer),
  );
  const w = aligned && softwareAdapter(rec.variants) ? 4 : 1;
  rec.dispatch({
    kernel: 'adam',
    source,
    defines: {
      SUM_SQ: ADAM_SLOT.sumSq,
      SKIPPED: ADAM_SLOT.skipped,
      IN_A_ROW: ADAM_SLOT.inARow,
      CLIP: ADAM_SLOT.clip,
      LR: ADAM_SLOT.lr,
      BETA1: ADAM_SLOT.beta1,
      BETA2: ADAM_SLOT.beta2,
      EPS: ADAM_SLOT.eps,
      WEIGHT_DECAY: ADAM_SLOT.weightDecay,
      STEP: ADAM_SLOT.step,
      VEC4: w === 4,
    },
    // Sizes and offsets in the kernel's elements (vec4s under VEC4); the hyper-parameters stay floats.
    // prettier-ignore
    uniforms: new Uint32Array([n / w, t.params.offset / w, t.grads.offset / w, t.m.offset / w, t.v.offset / w, t.hyper.offset, 0, 0]),
    buffers: [t.params.buffer, t.grads.buffer, t.m.buffer, t.v.buffer, t.hyper.buffer],
    workgroups: [Math.ceil(n / w / 256)], // 64 invocations × 4 elements (or vec4s) each
  });
}
