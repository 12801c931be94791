/**
 * Meta-training throughput: a black-box meta-training step over a batch of tasks recorded as one program and
 * submitted with no readback, against the same work done task by task with a readback after each (what a
 * naive loop over tasks with a per-task loss print does). Same model, same tasks per second counted.
 * And tasks/s against the meta-batch (benchMetaTraining), for the black-box learner and exact second-order
 * MAML: how far one submit per step scales before the device is full.
 */
import type { Gpu } from '../src/runtime/gpu';
import { BlackBoxRegressor } from '../src/meta/blackbox';
import { createLearner, DEFAULT_CONFIG, defaultsFor } from '../src/meta/trainer';
import type { MetaLearnerName } from './cases';

export interface ThroughputResult {
  metaBatch: number;
  batchedTasksPerSecond: number;
  taskByTaskTasksPerSecond: number;
  ratio: number;
  batchedSteps: number;
  taskByTaskSteps: number;
}

export async function benchThroughput(
  gpu: Gpu,
  o: { metaBatch: number; seconds: number },
): Promise<ThroughputResult> {
  const base = {
    ...DEFAULT_CONFIG,
    task: 'sinusoid' as const,
    learner: 'blackbox' as const,
    shots: 10,
    queries: 10,
  };
  const measure = async (metaBatch: number, readbackEach: boolean) => {
    const learner = await BlackBoxRegressor.create(gpu, { ...base, metaBatch });
    learner.step(); // warm-up: pipelines are built at create(), the first submit still pays for upload
    await learner.lastLoss();
    const t0 = performance.now();
    let steps = 0;
    while (performance.now() - t0 < o.seconds * 1000) {
      learner.step();
      if (readbackEach) await learner.lastLoss();
      else if (++steps % 25 === 0) await learner.lastLoss(); // a log point, as train() does
      if (readbackEach) steps++;
    }
    await learner.lastLoss();
    const seconds = (performance.now() - t0) / 1000;
    learner.destroy();
    return { tasksPerSecond: (steps * metaBatch) / seconds, steps };
  };
  const batched = await measure(o.metaBatch, false);
  const single = await measure(1, true);
  return {
    metaBatch: o.metaBatch,
    batchedTasksPerSecond: batched.tasksPerSecond,
    taskByTaskTasksPerSecond: single.tasksPerSecond,
    ratio: batched.tasksPerSecond / single.tasksPerSecond,
    batchedSteps: batched.steps,
    taskByTaskSteps: single.steps,
  };
}

export interface MetaTrainingPoint {
  learner: MetaLearnerName;
  metaBatch: number;
  tasksPerSecond: number;
  /** Timed steps and the seconds they took (at least one step, however long the point's time). */
  steps: number;
  seconds: number;
  /** The untimed first step, readback included (first submit: uploads, lazy pipeline work). */
  firstStepMs: number;
  dispatchesPerStep: number;
}

/**
 * Tasks/s of meta-training steps (10-shot sinusoid, 10 queries) at one meta-batch, after one untimed step:
 * steps are submitted back to back with at most two in flight, so the device never idles, and submitting stops
 * when the last one should end about `seconds` in; a step longer than that (a software adapter at meta-batch
 * 1,024: seconds per step) is timed once.
 */
export async function benchMetaTraining(
  gpu: Gpu,
  o: { learner: MetaLearnerName; metaBatch: number; seconds: number },
): Promise<MetaTrainingPoint> {
  const config = { ...defaultsFor('sinusoid', o.learner), metaBatch: o.metaBatch, shots: 10, queries: 10 };
  const learner = await createLearner(gpu, config);
  try {
    let t0 = performance.now();
    learner.step();
    await learner.lastLoss();
    const firstStepMs = performance.now() - t0;
    t0 = performance.now();
    let [steps, finished] = [0, 0];
    let inFlight: Promise<void> | null = null;
    for (;;) {
      learner.step();
      steps++;
      const done = gpu.device.queue.onSubmittedWorkDone();
      if (inFlight) {
        await inFlight;
        finished++;
      }
      inFlight = done;
      // The step in flight ends about one step from now: stop submitting once that reaches `seconds`.
      const elapsed = performance.now() - t0;
      if (elapsed + (finished ? elapsed / finished : firstStepMs) >= o.seconds * 1000) break;
    }
    await inFlight;
    const seconds = (performance.now() - t0) / 1000;
    return {
      learner: o.learner,
      metaBatch: o.metaBatch,
      tasksPerSecond: (steps * o.metaBatch) / seconds,
      steps,
      seconds,
      firstStepMs,
      dispatchesPerStep: learner.dispatchesPerStep,
    };
  } finally {
    learner.destroy();
  }
}
