/**
 * Checkpoints of the black-box classifier on data other than its own: the pretraining head has one row per
 * training class of the data it was trained on, so a model scored on another zip, other alphabets or a
 * shipped model without optimizer state would not load as is. After pretraining nothing reads that head, so
 * it (and its share of the encoder optimizer's moments) is refitted to this data's classes.
 */
import { InputError } from '../runtime/errors';
import type { ParamEntry } from '../layout/gru_layout';
import type { MetaConfig } from './learner';
import type { MetaOptimizer } from './optimizer';
import { encoderSchedule } from './classifier_config';

const HEAD = 'pretrain_head.';

/** `state` with the pretraining head and the optimizers' moments sized for `entries`; see the file comment. */
export function fitPretrainHead(
  state: Record<string, Float32Array>,
  entries: ParamEntry[],
  optimizers: readonly MetaOptimizer[],
  step: number,
  config: MetaConfig,
): Record<string, Float32Array> {
  const head = entries.filter((e) => e.name.startsWith(HEAD));
  const misfit = head.filter((e) => state[e.name]?.length !== e.size);
  if (!misfit.length) return state;
  if (step < encoderSchedule(config).pretrainSteps) {
    const [e] = misfit;
    throw new InputError(
      `this checkpoint (step ${step}) is still pretraining the encoder, over ${state[e.name]?.length ?? 0} ` +
        `values of '${e.name}' where this data gives ${e.size}: resume it with the data and alphabets it was ` +
        `trained on (a model to score or to start from must have finished pretraining)`,
    );
  }
  const out = { ...state };
  for (const e of head) out[e.name] = new Float32Array(e.size);
  const headSize = head.reduce((n, e) => n + e.size, 0);
  // Only the encoder's optimizer covers the head (the GRU's covers GRU, head and memory, sized by `ways`).
  for (const o of optimizers.filter((o) => o.name === 'encoder_optimizer')) {
    for (const moment of ['m', 'v'] as const) {
      const key = `${o.name}.${moment}`;
      const saved = state[key];
      if (!saved || saved.length === o[moment].size) continue;
      // The head is the end of the encoder optimizer's range: keep the encoder's moments, zero the head's.
      const keep = o[moment].size - headSize;
      const fitted = new Float32Array(o[moment].size);
      fitted.set(saved.subarray(0, keep));
      out[key] = fitted;
    }
  }
  return out;
}
