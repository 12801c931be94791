/**
 * What the views share: the device (acquired once), the current learner and its config, and listeners that
 * redraw when either changes. The Train view creates learners; Checkpoints loads them; Adapt uses them.
 */
import * as lib from '../../src/index';
import type { RunConfig } from '../../src/io/run_config';
import type { MetaLearner } from '../../src/meta/learner';
import type { Gpu } from '../../src/runtime/gpu';
import { ownImagesBuild } from '../../src/meta/classifier_own';

let gpu: Promise<Gpu> | null = null;

export const state = {
  learner: null as MetaLearner | null,
  config: { ...lib.defaultsFor('sinusoid', 'blackbox') } as RunConfig,
  /** True while meta-training runs: loading or adapting waits for a pause. */
  training: false,
  /** Data a task needs beyond its config: the Omniglot images the user picked (see data.ts). */
  taskData: {} as lib.TaskData,
};

const listeners: (() => void)[] = [];
export const onLearnerChange = (f: () => void) => listeners.push(f);

/** Replaces the current learner (destroying the old one's buffers) and tells the views. */
export function setLearner(learner: MetaLearner | null, config?: RunConfig): void {
  if (state.learner && state.learner !== learner) state.learner.destroy();
  state.learner = learner;
  if (config) state.config = config;
  for (const f of listeners) f();
}

let current: Gpu | null = null;

/** The device, acquired on first use and again once lost (training recovers so: app/page/train_view.ts). */
export function getGpu(): Promise<Gpu> {
  if (current?.isLost) gpu = current = null;
  gpu ??= lib
    .acquireGpu()
    .then(lib.tuneGpu) // the GRU tiles for this adapter, probed once and kept in localStorage
    .then((g) => (current = g));
  gpu.catch(() => (gpu = null)); // a failure may be fixed (flag, browser) without reloading the module
  return gpu;
}

/**
 * Builds a learner for `config` on the device, loading `resume` when given. A trained Omniglot classifier
 * loads without the Omniglot images too, to classify the user's own drawings only (a stand-in data set, see
 * src/meta/classifier_own.ts): drawing episodes from held-out alphabets and training need the images.
 */
export async function buildLearner(
  config: RunConfig,
  resume?: { tensors: Record<string, Float32Array>; step: number },
): Promise<MetaLearner> {
  if (config.task === 'omniglot' && !state.taskData.omniglot && resume) {
    const own = ownImagesBuild(config);
    return lib.loadLearner(await getGpu(), own.config, own.data, resume);
  }
  if (config.task === 'omniglot' && !state.taskData.omniglot) {
    throw new lib.InputError(
      'task omniglot needs the Omniglot images: pick or drop an images_background*.zip under Data in the Train view',
    );
  }
  return lib.loadLearner(await getGpu(), config, state.taskData, resume);
}

/** Sinusoid learners that can plot: `predict(support, xs)`. */
export const canPredict = (l: MetaLearner | null): l is lib.Regressor => !!l && lib.isRegressor(l);
