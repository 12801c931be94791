/**
 * The calls behind `metarnn train`, `eval` and `start`, wherever the device is: in the harness page (the
 * browser backend; events reach Node through TRAIN_EVENT_FUNCTION) or in Node itself (the Dawn backend; events
 * are a plain callback). Training reports every event through `send` and awaits it, so the CLI has written a
 * checkpoint to disk before training goes on. Nothing here knows a particular learner: optional abilities
 * (plot predictions, forecasts, classifying episodes) are asked of the learner through its guards.
 */
import { InputError } from '../runtime/errors';
import type { Gpu } from '../runtime/gpu';
import type { MetaConfig } from '../io/meta_config';
import { isClassifier } from '../meta/classifier_config';
import {
  EVAL_SEED_OFFSET,
  isForecaster,
  isRegressor,
  type EvalResult,
  type MetaLearner,
  type TaskData,
} from '../meta/learner';
import type { EvalSplit } from '../data/omniglot_split';
import { LearnedOptimizer } from '../meta/lopt';
import type { OptimizerComparison } from '../meta/lopt_compare';
import type { CoordOptimizer } from '../layout/coord_map';
import { evaluateOmniglotRuns, learnerClassifier, parseOmniglotRuns } from '../meta/omniglot_runs';
import { trainWithRecovery } from '../meta/recovery';
import { checkCanTrain, loadLearner, type TrainCallbacks } from '../meta/trainer';
import type { EvalOptions, HarnessCalls, PredictInput, PredictOutput } from '../protocol/harness';
import { BlackBoxSeriesForecaster, scoreForecasts } from '../meta/blackbox_series';
import { scratchForecasts } from '../meta/series_scratch';
import { ownImagesBuild } from '../meta/classifier_own';
import {
  CONTROL_INTERVAL_MS,
  type NamedTensor,
  type PlotPrediction,
  type PlotTask,
  type Resume,
  type TrainEvent,
  type TrainOrder,
  type TrainRunArgs,
  type TrainRunResult,
} from '../protocol/training';

/** Decodes base64 (how bytes cross from Node into a page) in the page and in Node alike. */
export function fromBase64(text: string): Uint8Array {
  const chars = atob(text);
  const out = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) out[i] = chars.charCodeAt(i);
  return out;
}

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
  if (!plots.length || !isRegressor(learner)) return null;
  const out: PlotPrediction[] = [];
  for (const p of plots) {
    out.push({ before: await learner.predict([], p.grid), after: await learner.predict(p.support, p.grid) });
  }
  return out;
}

async function forecasts(learner: MetaLearner, contexts: number[][] = []): Promise<number[][] | null> {
  if (!contexts.length || !isForecaster(learner)) return null;
  const out: number[][] = [];
  for (const c of contexts) out.push(await learner.forecast(c));
  return out;
}

const cannot = (c: MetaConfig, what: string) =>
  new InputError(`a ${c.task}/${c.learner} model cannot do ${what}: give a checkpoint trained for it`);

/** A config for a learner built only to score or predict (MetaConfig.scoring). */
const scoring = (config: MetaConfig): MetaConfig => ({ ...config, scoring: true }) as MetaConfig;

/** Copies the tensors of `init` whose name and size fit into the learner's weights (see TrainRunArgs.init). */
async function warmStart(learner: MetaLearner, init: Record<string, Float32Array>) {
  const flat = await learner.getParams();
  const fresh: string[] = [];
  for (const e of learner.entries) {
    const v = init[e.name];
    if (v?.length === e.size) flat.set(v, e.offset);
    else fresh.push(e.name);
  }
  const copied = learner.entries.length - fresh.length;
  if (!copied) {
    throw new InputError(
      `--init-from: none of the source's tensors fits this model (this model has ${learner.entries
        .slice(0, 3)
        .map((e) => e.name)
        .join(', ')}, …): start from a run of the same task and learner`,
    );
  }
  learner.setParams(flat);
  return { copied, fresh };
}

/**
 * `taskData` gives what some task families need beyond their config (loaded beforehand); `send` carries
 * training events to the CLI and returns its answer (a TrainOrder to progress and control events).
 */
export function trainCalls(
  getGpu: () => Promise<Gpu>,
  taskData: () => TaskData,
  send: (e: TrainEvent) => Promise<unknown>,
): Pick<HarnessCalls, 'trainRun' | 'runsEvalRun' | 'compareRun' | 'evalRun' | 'predictRun'> {
  return {
    /**
     * Meta-trains to `config.steps` (from `resume.step` when given), sending progress, eval and checkpoint
     * events, and obeying Node's answers (TrainOrder): a stop (the time budget) still ends with an eval and a
     * checkpoint, an interrupt (a signal) ends at the step the GPU is on with a checkpoint, and a checkpoint
     * can be asked for at any step. A lost device is replaced and training goes on from the last checkpoint
     * (a `recovered` event).
     */
    async trainRun(a: TrainRunArgs): Promise<TrainRunResult> {
      let learner = await loadLearner(await getGpu(), a.config, taskData(), a.resume);
      try {
        checkCanTrain(learner); // before 'ready': nothing is written for a run that cannot start
        const init = a.init && !a.resume ? await warmStart(learner, a.init) : undefined;
        const ready = { step: learner.stepCount, dispatchesPerStep: learner.dispatchesPerStep };
        await send({ type: 'ready', ...ready, ...(init ? { init } : {}) });
        let stop = false; // Node answered true (the time budget): evaluate and checkpoint, then end
        let interrupted = false; // Node answered 'interrupt' (a signal): checkpoint at once, then end
        let checkpointDue = false; // Node answered 'checkpoint' (time since the last one)
        let asked = -Infinity; // when Node was last asked for orders (performance.now())
        const obey = (order: unknown) => {
          const o = order as TrainOrder;
          if (o === true) stop = true;
          else if (o === 'interrupt') interrupted = true;
          else if (o === 'checkpoint') checkpointDue = true;
        };
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
        const callbacks: TrainCallbacks = {
          onProgress: async (progress) => {
            asked = performance.now();
            obey(await send({ type: 'progress', progress }));
          },
          onEval: evaluate,
          onCheckpoint: checkpoint,
          shouldStop: () => stop,
          // Between log points, Node is asked at most every CONTROL_INTERVAL_MS: a round trip to Node per
          // step would slow a fast GPU, and orders (a signal, a checkpoint every few minutes) can wait that long.
          control: async (step) => {
            if (!interrupted && !checkpointDue && performance.now() - asked >= CONTROL_INTERVAL_MS) {
              asked = performance.now();
              obey(await send({ type: 'control', step }));
            }
            if (interrupted) return 'stop';
            if (!checkpointDue) return undefined;
            checkpointDue = false;
            return 'checkpoint';
          },
        };
        learner = await trainWithRecovery(learner, a.config.steps, callbacks, {
          acquire: getGpu,
          data: taskData(),
          onRecovered: async (r) => {
            learner = r.learner;
            await send({ type: 'recovered', lostAt: r.lostAt, step: r.restoredFrom, reason: r.error.reason });
          },
        });
        const step = learner.stepCount;
        if (step !== saved) {
          // train() leaves at a stop without its eval and checkpoint: keep the promise of one at the end
          // (after a signal without the eval, which would keep the user waiting for a figure not asked for).
          if (!interrupted) {
            await evaluate(
              step,
              await learner.evaluate(
                a.config.evalTasks,
                a.config.seed + EVAL_SEED_OFFSET.validation,
                'validation',
              ),
            );
          }
          await checkpoint(step, learner);
        }
        return { step, stopped: step < a.config.steps };
      } finally {
        learner.destroy();
      }
    },

    /** Lake et al.'s 20-way one-shot runs (all_runs.zip layout) through a trained classifier. */
    async runsEvalRun(config: MetaConfig, resume: Resume, runsZipBase64: string) {
      const runs = parseOmniglotRuns(fromBase64(runsZipBase64));
      const learner = await loadLearner(await getGpu(), scoring(config), taskData(), resume);
      try {
        if (!isClassifier(learner))
          throw new InputError(`learner '${config.learner}' cannot classify images`);
        return await evaluateOmniglotRuns(runs, learnerClassifier(learner));
      } finally {
        learner.destroy();
      }
    },
    /**
     * A learned optimizer against SGD, RMSprop and Adam (each with its learning rate tuned on training tasks)
     * on `tasks` held-out tasks, for each run length in `steps` (LearnedOptimizer.compare).
     */
    async compareRun(
      config: MetaConfig,
      resume: Resume,
      tasks: number,
      seed: number,
      steps: number[],
      baselines?: CoordOptimizer[],
    ) {
      const learner = await loadLearner(await getGpu(), scoring(config), taskData(), resume);
      try {
        if (!(learner instanceof LearnedOptimizer))
          throw new InputError(`learner '${config.learner}' is not an optimizer to compare`);
        const out: OptimizerComparison[] = [];
        for (const n of steps) {
          const progress = (what: string, done: number, total: number) =>
            send({ type: 'work', what: `${n} inner steps: ${what}`, done, total });
          out.push(await learner.compare(tasks, seed, n, progress, baselines));
        }
        return out;
      } finally {
        learner.destroy();
      }
    },
    /** A checkpoint adapted to the caller's examples, through the learner's adapt() (see PredictInput). */
    async predictRun(config: MetaConfig, resume: Resume, input: PredictInput): Promise<PredictOutput> {
      if (input.kind === 'classification') {
        // The user's images come with no data set: the classifier gets a stand-in of the right shape.
        const own = ownImagesBuild(config);
        const learner = await loadLearner(await getGpu(), own.config, own.data, resume);
        try {
          if (!isClassifier(learner)) throw cannot(config, 'classification');
          const fit = await learner.adapt(input.support);
          return { kind: 'classification', probabilities: await fit.predict(input.queries) };
        } finally {
          learner.destroy();
        }
      }
      const learner = await loadLearner(await getGpu(), scoring(config), {}, resume);
      try {
        if (input.kind === 'regression') {
          if (!isRegressor(learner)) throw cannot(config, 'regression');
          return { kind: 'regression', y: await (await learner.adapt(input.support)).predict(input.query) };
        }
        if (input.kind !== 'forecast' || !isForecaster(learner)) throw cannot(config, 'forecasting');
        const adapted = await learner.adapt(input.history);
        return { kind: 'forecast', context: adapted.context, values: await adapted.predict(input.horizon) };
      } finally {
        learner.destroy();
      }
    },
    /** Adapts to `tasks` held-out tasks drawn with `seed` and returns the metric per task and summarised. */
    async evalRun(
      config: MetaConfig,
      resume: Resume,
      tasks: number,
      seed: number,
      split: EvalSplit = 'test',
      options: EvalOptions = {},
    ): Promise<EvalResult> {
      const gpu = await getGpu();
      const learner = await loadLearner(gpu, scoring(config), taskData(), resume);
      try {
        if (options.scratchSteps && learner instanceof BlackBoxSeriesForecaster) {
          const f = await learner.forecastsOn(split);
          const steps = options.scratchSteps;
          f.forecasts.scratch = await scratchForecasts(gpu, config, f.series, { steps });
          return scoreForecasts(f.series, f.windows, config.shots, f.forecasts);
        }
        return await learner.evaluate(tasks, seed, split);
      } finally {
        learner.destroy();
      }
    },
  };
}
