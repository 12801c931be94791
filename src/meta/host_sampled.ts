/**
 * A black-box sequence learner whose episodes come from the host (the user's own data: series windows,
 * regression tables) rather than a GPU sampler. Each step's episodes are drawn on the CPU from the run's
 * seed and the step alone, and written into the recorded program's input in one write before its submit, so
 * a step stays one submit and a resumed run draws what the uninterrupted one would.
 */
import type { Recorder } from '../runtime/recorder';
import { BlackBoxSequenceLearner, type SampledEpisodes } from './blackbox_sequence';

/** One batch of episodes as the GRU reads them: sequences [B, S + Q, inputSize], query targets [B · Q]. */
export interface HostEpisodes {
  seq: Float32Array;
  target: Float32Array;
}

export abstract class HostSampledLearner extends BlackBoxSequenceLearner {
  /** The step whose episodes sample() writes into a pass it records (see gradientAt). */
  #sampleStep = 0;

  /** The training episodes of `step` (`tasks` of them), in training units. */
  protected abstract trainEpisodes(tasks: number, seed: number, step: number): HostEpisodes;

  protected sample(_rec: Recorder, tasks: number, _stream: number, seed: number): SampledEpisodes {
    const { shots: S, queries: Q } = this.config;
    const T = S + Q;
    const I = this.shape.inputSize;
    const episode = this.gpu.tensor([tasks * T * I + tasks * Q]);
    this.gpu.write(episode, this.#packed(tasks, seed, this.#sampleStep));
    return {
      episode,
      seq: episode.view(0, [tasks, T, I]),
      target: episode.view(tasks * T * I, [tasks * Q]),
    };
  }

  /** The episodes of `step` as the episode buffer holds them: sequences, then targets. */
  #packed(tasks: number, seed: number, step: number): Float32Array {
    const e = this.trainEpisodes(tasks, seed, step);
    const out = new Float32Array(e.seq.length + e.target.length);
    out.set(e.seq);
    out.set(e.target, e.seq.length);
    return out;
  }

  /** Writes the next step's episodes into the training pass's input (record() lists it first), then steps. */
  step(): void {
    const next = this.optimizer.step + 1; // the step super.step() is about to take
    this.gpu.write(this.trainPass.tensors[0], this.#packed(this.config.metaBatch, this.config.seed, next));
    super.step();
  }

  async gradientAt(step: number): Promise<{ loss: number; grads: Float32Array }> {
    this.#sampleStep = step;
    return super.gradientAt(step);
  }

  async lossAt(step: number): Promise<number> {
    this.#sampleStep = step;
    return super.lossAt(step);
  }
}
