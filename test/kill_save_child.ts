/**
 * The child process of kill_save.test.ts: resumes the run in a directory (or starts one) and saves
 * checkpoints through the CLI's own RunWriter in a loop until it is killed. It prints `saving N` just before
 * writing checkpoint N and `saved N` once the write returned, so that the parent can kill it mid-write.
 * Run as `node --import tsx test/kill_save_child.ts <dir> <floats>`.
 */
import { writeSync } from 'node:fs';
import { holdsRun, readRun, RunWriter } from '../src/cli/run_dir';
import type { RunConfig } from '../src/io/run_config';

export const KILL_SAVE_CONFIG: RunConfig = {
  task: 'sinusoid',
  learner: 'blackbox',
  shots: 10,
  queries: 10,
  ways: 5,
  metaBatch: 32,
  steps: 1000,
  seed: 1,
  layers: 2,
  hidden: 64,
  lr: 0.001,
  clip: 10,
  logEvery: 25,
  evalEvery: 500,
  evalTasks: 200,
  maxBadSteps: 10,
};

/** Checkpoint N's weights: every value depends on N, so a mix of two versions cannot pass as either. */
export function payload(
  step: number,
  floats: number,
): { name: string; shape: number[]; data: Float32Array }[] {
  const w = new Float32Array(floats);
  let a = Math.imul(step, 0x9e3779b1) >>> 0;
  for (let i = 0; i < floats; i++) {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    w[i] = a / 2 ** 32;
  }
  return [
    { name: 'gru.weight', shape: [floats], data: w },
    { name: 'step', shape: [1], data: Float32Array.of(step) },
  ];
}

const say = (line: string) => writeSync(1, `${line}\n`);

function main(dir: string, floats: number): void {
  let config = KILL_SAVE_CONFIG;
  let step = 0;
  let metrics = undefined;
  if (holdsRun(dir)) {
    // As `train --resume DIR --steps S` does: the saved config with more steps, rewritten by begin().
    const saved = readRun(dir);
    step = saved.resume.step;
    config = { ...saved.config, steps: saved.config.steps + 1000 };
    metrics = saved.metrics;
  }
  const writer = new RunWriter(dir, config, metrics);
  say(`begin ${step}`);
  writer.begin(step === 0);
  say('ready');
  for (;;) {
    step++;
    const tensors = payload(step, floats);
    say(`saving ${step}`);
    writer.writeCheckpoint(step, tensors);
    say(`saved ${step}`);
    writer.addMetric({ step, loss: 1 / step, stepsPerSecond: 1, seconds: step });
  }
}

if (process.argv[1]?.endsWith('kill_save_child.ts')) main(process.argv[2], Number(process.argv[3]));
