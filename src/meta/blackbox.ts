/**
 * The black-box GRU meta-learner on sinusoid regression ('sinusoid/blackbox'; blackbox_sequence.ts has the
 * model and its training): support steps carry (x, y, 1), query steps (x, 0, 0), and the head predicts each
 * query's y. x and y enter divided by Y_SCALE so that inputs and targets are of order 1.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import { sinusoidEpisodeLayout, sinusoidTasks } from '../kernels/sinusoid_tasks';
import { queryRows } from '../data/regression_tasks';
import { BlackBoxSequenceLearner, type SampledEpisodes } from './blackbox_sequence';
import { regressionPredictor, type MetaConfig, type Point, type RegressionPredictor } from './learner';

const INPUT = 3; // (x, y, is-support) per step
/** The network reads x / Y_SCALE and predicts y / Y_SCALE (order 1); losses are reported in units of y. */
const Y_SCALE = 5;
const SCALING = { xShift: 0, xScale: Y_SCALE, yShift: 0, yScale: Y_SCALE };

export class BlackBoxRegressor extends BlackBoxSequenceLearner {
  private constructor(gpu: Gpu, config: MetaConfig) {
    super(gpu, config, INPUT);
  }

  static async create(gpu: Gpu, config: MetaConfig): Promise<BlackBoxRegressor> {
    const learner = new BlackBoxRegressor(gpu, config);
    if (!config.scoring) learner.setTrainPass(await learner.recordTrain());
    return learner;
  }

  protected get label(): string {
    return 'blackbox';
  }

  protected get lossScale(): number {
    return Y_SCALE ** 2;
  }

  protected sample(rec: Recorder, tasks: number, stream: number, seed: number): SampledEpisodes {
    const { shots: K, queries: Q } = this.config;
    const ep = sinusoidEpisodeLayout({ tasks, shots: K, queries: Q });
    const episode = this.gpu.tensor([ep.size]);
    sinusoidTasks(rec, { tasks, shots: K, queries: Q }, { step: this.stepCounter, episode, seed, stream });
    return {
      episode,
      seq: episode.view(ep.sequence, [tasks, K + Q, INPUT]),
      target: episode.view(ep.queryT, [tasks * Q]),
    };
  }

  /**
   * Predictions at `queryX` for one task given its support set: each query gets its own row that reads the
   * support steps and then that single query, so predictions do not depend on each other.
   */
  async predict(support: { x: number; y: number }[], queryX: number[]): Promise<number[]> {
    const seq = queryRows(support, queryX, SCALING);
    return Array.from(await this.run(queryX.length, support.length, 1, seq), (v) => v * Y_SCALE);
  }

  async adapt(support: Point[]): Promise<RegressionPredictor> {
    return regressionPredictor(this, support);
  }
}
