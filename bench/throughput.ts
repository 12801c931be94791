/**
 * Meta-training throughput: a black-box meta-training step over a batch of tasks recorded as one program and
 * submitted with no readback, against the same work done task by task with a readback after each (what a
 * naive loop over tasks with a per-task loss print does). Same model, same tasks per second counted.
 */
import type { Gpu } from '../src/runtime/gpu';
import { BlackBoxRegressor } from '../src/meta/blackbox';
import { DEFAULT_CONFIG } from '../src/meta/trainer';

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
