/**
 * The harness functions behind `metarnn train`, `eval` and `start`: meta-training runs in the page (it owns
 * the device) and reports to Node through one function that Node installs with page.exposeFunction
 * (TRAIN_EVENT_FUNCTION; the messages are in src/protocol/training.ts). The page awaits each event, so Node
 * has written a checkpoint to disk before training goes on. Nothing here knows a particular learner: optional
 * abilities (plot predictions, tensor shapes) are detected on the learner object.
 */
import * as lib from '../src/index';
import type { EvalResult, MetaLearner, TaskData } from '../src/meta/learner';
import type { MetaConfig } from '../src/io/meta_config';
import type { Gpu } from '../src/runtime/gpu';
import type { HarnessCalls } from '../src/protocol/harness';
import {
  TRAIN_EVENT_FUNCTION,
  type NamedTensor,
  type PlotPrediction,
  type PlotTask,
  type Resume,
  type TrainEvent,
  type TrainRunArgs,
  type TrainRunResult,
} from '../src/protocol/training';

const send = async (e: TrainEvent): Promise<unknown> => window[TRAIN_EVENT_FUNCTION]?.(e);

export async function namedTensors(learner: MetaLearner): Promise<NamedTensor[]> {
  const shapes = new Map<string, number[]>();
  for (const e of learner.entries) shapes.set(e.name, e.shape);
  return Object.entries(await learner.state()).map(([name, data]) => {
    const shape = shapes.get(name);
    const fits = shape && shape.reduce((a, b) => a * b, 1) === data.length;
    return { name, shape: fits ? shape : [data.length], data };
  });
}

async function predictions(learner: MetaLearner, plots: PlotTask[] = []): Promise<PlotPrediction[] | null> {
  if (!plots.length || !lib.isRegressor(learner)) return null;
  const out: PlotPrediction[] = [];
  for (const p of plots) {
    out.push({ before: await learner.predict([], p.grid), after: await learner.predict(p.support, p.grid) });
  }
  return out;
}

async function forecasts(learner: MetaLearner, contexts: number[][] = []): Promise<number[][] | null> {
  if (!contexts.length || !lib.isForecaster(learner)) return null;
  const out: number[][] = [];
  for (const c of contexts) out.push(await learner.forecast(c));
  return out;
}

/** `taskData` gives what some task families need beyond their config (loaded into the page beforehand). */
export function trainHarness(
  getGpu: () => Promise<Gpu>,
  taskData: () => TaskData = () => ({}),
): Pick<HarnessCalls, 'trainRun' | 'runsEvalRun' | 'compareRun' | 'evalRun'> {
  return {
    /**
     * Meta-trains to `config.steps` (from `resume.step` when given), sending progress, eval and checkpoint
     * events. A stop (Node answering a progress event with true) still ends with an eval and a checkpoint.
     * A lost device is replaced and training goes on from the last checkpoint (a `recovered` event).
     */
    async trainRun(a: TrainRunArgs): Promise<TrainRunResult> {
      let learner = await lib.loadLearner(await getGpu(), a.config, taskData(), a.resume);
      try {
        await send({ type: 'ready', step: learner.stepCount, dispatchesPerStep: learner.dispatchesPerStep });
        let stop = false;
        let saved = -1;
        const evaluate = async (step: number, r: EvalResult) => {
          const { metric, mean, ci95 } = r;
          await send({ type: 'eval', step, result: { metric, mean, ci95 }, tasks: r.values.length });
        };
        const checkpoint = async (step: number, learner: MetaLearner) => {
          saved = step;
          const plots = await predictions(learner, a.plots);
          const tensors = await namedTensors(learner);
          await send({
            type: 'checkpoint',
            step,
            tensors,
            plots,
            forecasts: await forecasts(learner, a.forecasts),
          });
        };
        const callbacks: lib.TrainCallbacks = {
          onProgress: async (progress) => {
            stop = (await send({ type: 'progress', progress })) === true;
          },
          onEval: evaluate,
          onCheckpoint: checkpoint,
          shouldStop: () => stop,
        };
        learner = await lib.trainWithRecovery(learner, a.config.steps, callbacks, {
          acquire: getGpu,
          data: taskData(),
          onRecovered: async (r) => {
            learner = r.learner;
            await send({ type: 'recovered', lostAt: r.lostAt, step: r.restoredFrom, reason: r.error.reason });
          },
        });
        const step = learner.stepCount;
        if (step !== saved) {
          // train() leaves at a stop without its eval and checkpoint: keep the promise of one at the end.
          await evaluate(
            step,
            await learner.evaluate(a.config.evalTasks, a.config.seed + lib.EVAL_SEED_OFFSET.validation),
          );
          await checkpoint(step, learner);
        }
        return { step, stopped: step < a.config.steps };
      } finally {
        learner.destroy();
      }
    },

    /** Lake et al.'s 20-way one-shot runs (all_runs.zip layout) through a trained classifier. */
    async runsEvalRun(config: MetaConfig, resume: Resume, runsZipBase64: string) {
      const runs = lib.parseOmniglotRuns(Uint8Array.from(atob(runsZipBase64), (c) => c.charCodeAt(0)));
      const learner = await lib.loadLearner(await getGpu(), config, taskData(), resume);
      try {
        if (!lib.isClassifier(learner))
          throw new lib.InputError(`learner '${config.learner}' cannot classify images`);
        return await lib.evaluateOmniglotRuns(runs, lib.learnerClassifier(learner));
      } finally {
        learner.destroy();
      }
    },
    /**
     * A learned optimizer against SGD, RMSprop and Adam (each with its learning rate tuned on training tasks)
     * on `tasks` held-out tasks, for each run length in `steps` (LearnedOptimizer.compare).
     */
    async compareRun(config: MetaConfig, resume: Resume, tasks: number, seed: number, steps: number[]) {
      const learner = await lib.loadLearner(await getGpu(), config, taskData(), resume);
      try {
        if (!(learner instanceof lib.LearnedOptimizer))
          throw new lib.InputError(`learner '${config.learner}' is not an optimizer to compare`);
        const out: lib.OptimizerComparison[] = [];
        for (const n of steps) out.push(await learner.compare(tasks, seed, n));
        return out;
      } finally {
        learner.destroy();
      }
    },
    /** Adapts to `tasks` held-out tasks drawn with `seed` and returns the metric per task and summarised. */
    async evalRun(config: MetaConfig, resume: Resume, tasks: number, seed: number): Promise<EvalResult> {
      const learner = await lib.loadLearner(await getGpu(), config, taskData(), resume);
      try {
        return await learner.evaluate(tasks, seed);
      } finally {
        learner.destroy();
      }
    },
  };
}
