/**
 * Meta-training that survives a lost device (driver reset, GPU process crash, `device.destroy()`): train()
 * runs as usual while the state of every checkpoint is kept in memory; when the device goes, a new one is
 * acquired, the learner is rebuilt on it (its pipelines and buffers belong to the old device), the last
 * checkpoint is loaded and training goes on to the same step. Tasks depend only on (seed, step) and the
 * optimizer state travels with the checkpoint, so the result is bit-identical to a run resumed from that
 * checkpoint by hand.
 */
import { DeviceLostError } from '../runtime/errors';
import type { Gpu } from '../runtime/gpu';
import type { MetaConfig, MetaLearner, TaskData } from './learner';
import { loadLearner, train, type TrainCallbacks } from './trainer';

export interface DeviceRecovery {
  /** The step the run had reached when the loss was noticed. */
  lostAt: number;
  /** The checkpoint it went back to (the step it started from when no checkpoint was taken yet). */
  restoredFrom: number;
  error: DeviceLostError;
  /** The learner that carries on, on the new device. */
  learner: MetaLearner;
}

export interface RecoveryOptions {
  /** A working device: called after a loss (the caller's cache must not hand back the lost one). */
  acquire: () => Promise<Gpu>;
  data?: TaskData;
  /** Give up (rethrow the DeviceLostError) after this many losses in one call; default 3. */
  maxRecoveries?: number;
  onRecovered?: (r: DeviceRecovery) => void | Promise<void>;
}

/** Whether `e` (thrown by train()) came from a lost device: a DeviceLostError, or any failure once it is. */
async function lostDevice(learner: MetaLearner, e: unknown): Promise<DeviceLostError | null> {
  if (e instanceof DeviceLostError) return e;
  const { gpu } = learner;
  if (!gpu.isLost) await Promise.race([gpu.lost, new Promise((ok) => setTimeout(ok, 200))]);
  return gpu.isLost ? gpu.lost : null;
}

/**
 * train() to `steps`, recovering from device loss as described above. Returns the learner that finished
 * (a new one after a recovery: the caller destroys it; the lost ones are destroyed here). Callbacks see
 * the current learner; after a recovery, progress and eval events repeat from the restored step.
 */
export async function trainWithRecovery(
  learner: MetaLearner,
  steps: number,
  cb: TrainCallbacks,
  o: RecoveryOptions,
): Promise<MetaLearner> {
  const config: MetaConfig = learner.config;
  // Where a loss before the first checkpoint goes back to: one read of the weights when training starts.
  let saved = { step: learner.stepCount, state: await learner.state() };
  let recoveries = 0;
  const callbacks: TrainCallbacks = {
    ...cb,
    onCheckpoint: async (step, l) => {
      saved = { step, state: await l.state() };
      await cb.onCheckpoint?.(step, l);
    },
  };
  for (;;) {
    try {
      await train(learner, steps, callbacks);
      return learner;
    } catch (e) {
      const error = await lostDevice(learner, e);
      if (!error) throw e;
      if (recoveries >= (o.maxRecoveries ?? 3)) throw error;
      recoveries++;
      const lostAt = learner.stepCount;
      learner.destroy(); // frees our bookkeeping; the lost device's buffers are gone already
      learner = await loadLearner(await o.acquire(), config, o.data, {
        tensors: saved.state,
        step: saved.step,
      });
      await o.onRecovered?.({ lostAt, restoredFrom: saved.step, error, learner });
    }
  }
}
