/**
 * The black-box GRU regressor on your own regression tasks ('regression/blackbox'): the model of blackbox.ts —
 * support steps (x̃, ỹ, 1), then each query (x̃, 0, 0) read alone after them — trained on episodes drawn
 * from the user's tasks (data/regression_tasks.ts: each CSV one task), which are split by name into train /
 * validation / test as series are. x and y are shifted and scaled by the training tasks' statistics, which
 * the run's config holds (xShift, xScale, yShift, yScale), so that a model reloaded to predict needs no data.
 */
import type { Gpu } from '../runtime/gpu';
import { InputError } from '../runtime/errors';
import type { EvalSplit } from '../data/omniglot_split';
import { seriesSplit, type SeriesSplit } from '../data/series_split';
import {
  checkTaskSizes,
  configScaling,
  drawTableEpisodes,
  queryRows,
  tableScaling,
  TASK_NAMES,
  type RegressionTask,
  type TableScaling,
} from '../data/regression_tasks';
import { HostSampledLearner, type HostEpisodes } from './host_sampled';
import {
  regressionPredictor,
  summarize,
  type EvalResult,
  type MetaConfig,
  type Point,
  type RegressionPredictor,
  type TaskData,
} from './learner';

const INPUT = 3; // (x̃, ỹ, is-support) per step

/** Settings of a regression run beyond MetaConfig (RunConfig carries them). */
export interface TablesConfig extends Partial<TableScaling> {
  testTasks?: string;
  valTasks?: string;
}

export { configScaling, TASK_NAMES };

export class BlackBoxTableRegressor extends HostSampledLearner {
  readonly tasks: RegressionTask[];
  readonly split: SeriesSplit | null;
  readonly scaling: TableScaling;
  /** The training tasks, picked once (every step draws from them). */
  #train: RegressionTask[] = [];

  private constructor(gpu: Gpu, config: MetaConfig, data: TaskData) {
    super(gpu, config, INPUT);
    const c = config as MetaConfig & TablesConfig;
    this.tasks = data.regression ?? [];
    const names = this.tasks.map((t) => t.name);
    this.split = this.tasks.length ? seriesSplit(names, c.testTasks, c.valTasks, TASK_NAMES) : null;
    const scaling = configScaling(c) ?? (this.split ? tableScaling(this.pick('train')) : null);
    if (!scaling) {
      throw new InputError(
        'this regression model has no input scaling in its config (xShift, xScale, yShift, yScale): ' +
          'load it with its --data',
      );
    }
    this.scaling = scaling;
    if (this.split) this.#train = this.pick('train');
  }

  static async create(gpu: Gpu, config: MetaConfig, data: TaskData = {}): Promise<BlackBoxTableRegressor> {
    const scoring = config.scoring === true;
    if (!data.regression?.length && !scoring) {
      throw new InputError('--task regression needs --data DIR: a folder of CSV files (x,y), one task each');
    }
    const learner = new BlackBoxTableRegressor(gpu, config, data);
    if (learner.tasks.length) checkTaskSizes(learner.tasks, config.shots, config.queries);
    if (!scoring) learner.setTrainPass(await learner.recordTrain());
    return learner;
  }

  /** The tasks of one split, in data order. */
  pick(split: keyof SeriesSplit): RegressionTask[] {
    if (!this.split) throw new InputError('no regression tasks loaded: give --data');
    const names = new Set(this.split[split]);
    return this.tasks.filter((t) => names.has(t.name));
  }

  protected get label(): string {
    return 'regression';
  }

  protected get lossScale(): number {
    return this.scaling.yScale ** 2;
  }

  protected trainEpisodes(tasks: number, seed: number, step: number): HostEpisodes {
    return drawTableEpisodes(this.#train, this.scaling, this.config, tasks, seed, step);
  }

  /** Query MSE (in y's units) on `tasks` episodes drawn with `seed` from the validation or test tasks. */
  async evaluate(tasks: number, seed: number, split: EvalSplit = 'test'): Promise<EvalResult> {
    const { shots: K, queries: Q } = this.config;
    const e = drawTableEpisodes(this.pick(split), this.scaling, this.config, tasks, seed, 0);
    const pred = await this.run(tasks, K, Q, e.seq);
    const values = Array.from({ length: tasks }, (_, b) => {
      let s = 0;
      for (let j = 0; j < Q; j++) s += (pred[b * Q + j] - e.target[b * Q + j]) ** 2;
      return (s / Q) * this.lossScale;
    });
    return summarize('mse', values);
  }

  /** y at `queryX` after reading `support`, each query its own row (in the task's own units). */
  async predict(support: Point[], queryX: number[]): Promise<number[]> {
    const { yShift, yScale } = this.scaling;
    const seq = queryRows(support, queryX, this.scaling);
    const pred = await this.run(queryX.length, support.length, 1, seq);
    return Array.from(pred, (v) => yShift + yScale * v);
  }

  async adapt(support: Point[]): Promise<RegressionPredictor> {
    return regressionPredictor(this, support);
  }
}
