/**
 * The black-box GRU forecaster ('forecast/blackbox'; blackbox_sequence.ts has the model and its training): the
 * GRU reads a task's context window (x_t, 1) step by step, then runs `horizon` query steps with input (0, 0)
 * and predicts x_{C+j} from its state at query step j. The queries never see a true future value, so the GRU
 * must unroll the dynamics it inferred from the context. Config: `shots` = context length C, `queries` =
 * horizon P.
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import { forecastEpisodeLayout, forecastTasks } from '../kernels/forecast_tasks';
import { BlackBoxSequenceLearner, type SampledEpisodes } from './blackbox_sequence';
import { forecastPredictor, type ForecastPredictor, type MetaConfig } from './learner';

const INPUT = 2; // (value, is-context) per step

export class BlackBoxForecaster extends BlackBoxSequenceLearner {
  private constructor(gpu: Gpu, config: MetaConfig) {
    super(gpu, config, INPUT);
  }

  static async create(gpu: Gpu, config: MetaConfig): Promise<BlackBoxForecaster> {
    const learner = new BlackBoxForecaster(gpu, config);
    if (!config.scoring) learner.setTrainPass(await learner.recordTrain());
    return learner;
  }

  protected get label(): string {
    return 'forecast';
  }

  protected sample(rec: Recorder, tasks: number, stream: number, seed: number): SampledEpisodes {
    const { shots: C, queries: P } = this.config;
    const ep = forecastEpisodeLayout({ tasks, context: C, horizon: P });
    const episode = this.gpu.tensor([ep.size]);
    forecastTasks(rec, { tasks, context: C, horizon: P }, { step: this.stepCounter, episode, seed, stream });
    return {
      episode,
      seq: episode.view(ep.sequence, [tasks, C + P, INPUT]),
      target: episode.view(ep.future, [tasks * P]),
    };
  }

  /** The next `queries` values after reading `context`; any context length works. */
  async forecast(context: number[]): Promise<number[]> {
    const C = context.length;
    const P = this.config.queries;
    const seq = new Float32Array((C + P) * INPUT);
    context.forEach((v, i) => seq.set([v, 1], i * INPUT));
    return Array.from(await this.run(1, C, P, seq));
  }

  /** The whole history is the context (this model reads any length). */
  async adapt(history: number[]): Promise<ForecastPredictor> {
    return forecastPredictor(this, history);
  }
}
