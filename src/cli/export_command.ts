/**
 * `metarnn export`: a run's checkpoint as a model to ship or share (models/NAME in this repository): config.json
 * and checkpoint.safetensors with the weights only — no optimizer state, and no encoder-pretraining head, which
 * nothing reads after pretraining — so that it is small, and `eval`, `train --init-from` and the page start
 * from it. Its __metadata__ keeps the step and the validation figure it was chosen by.
 */
import type { Command } from 'commander';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINT_FILE,
  CONFIG_FILE,
  checkpointFromFile,
  encodeCheckpoint,
  encodeConfig,
} from '../io/checkpoint';
import { readTensorsFile, writeFileAtomic } from '../io/files';
import { InputError } from '../runtime/errors';
import { BEST_FILE, HISTORY_DIR, readRun, WHICH_CHECKPOINTS, type WhichCheckpoint } from './run_dir';
import { chosenOnTest } from './eval_split';

/** Tensors a shipped model leaves out: optimizer moments and counters, the pretraining head. */
export const NOT_SHIPPED = /^(\w+_)?optimizer\.(m|v|hyper)$|^pretrain_head\./;

interface ExportOptions {
  checkpoint: string;
  which: string;
  out: string;
}

export function register(program: Command): void {
  program
    .command('export')
    .description("write a run's checkpoint as a model to ship: config and weights only (no optimizer state)")
    .requiredOption('--checkpoint <dir>', 'run directory')
    .option('--which <checkpoint>', 'best (chosen on validation; default) or last', 'best')
    .requiredOption('--out <dir>', 'model directory to write (e.g. models/omniglot-5w1s)')
    .action((opts: ExportOptions) => {
      if (!(WHICH_CHECKPOINTS as readonly string[]).includes(opts.which)) {
        throw new InputError(
          `--which ${JSON.stringify(opts.which)}: expected ${WHICH_CHECKPOINTS.join(' or ')}`,
        );
      }
      const which = opts.which as WhichCheckpoint;
      const run = readRun(opts.checkpoint, which); // checks config and checkpoint belong together
      if (run.resume.step < (run.config.pretrainSteps ?? 0)) {
        throw new InputError(
          `${opts.checkpoint}'s ${which} checkpoint (step ${run.resume.step}) is still pretraining the encoder ` +
            `(${run.config.pretrainSteps} steps): nothing to ship yet`,
        );
      }
      if (chosenOnTest(run.config) && which === 'best')
        console.error(`note: ${opts.checkpoint} chose its best checkpoint on its held-out (test) alphabets`);
      const path =
        which === 'best'
          ? join(opts.checkpoint, HISTORY_DIR, BEST_FILE)
          : join(opts.checkpoint, CHECKPOINT_FILE);
      const file = readTensorsFile(path);
      const { validation } = checkpointFromFile(file, path);
      const tensors = [...file.tensors]
        .filter(([name]) => !NOT_SHIPPED.test(name))
        .map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
      if (existsSync(join(opts.out, CHECKPOINT_FILE)))
        throw new InputError(
          `--out ${opts.out} already holds a model: remove it or choose another directory`,
        );
      mkdirSync(opts.out, { recursive: true });
      writeFileAtomic(
        join(opts.out, CHECKPOINT_FILE),
        encodeCheckpoint(run.resume.step, run.config, tensors, validation),
      );
      writeFileAtomic(join(opts.out, CONFIG_FILE), encodeConfig(run.config));
      const bytes = tensors.reduce((n, t) => n + 4 * t.data.length, 0);
      console.log(
        `${opts.out}: ${tensors.length} tensors (${(bytes / 2 ** 20).toFixed(2)} MiB), step ${run.resume.step}` +
          (validation ? `, validation ${validation.metric} ${validation.mean.toPrecision(3)}` : ''),
      );
    });
}
