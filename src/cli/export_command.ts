/**
 * `metarnn export`: a run's checkpoint as a model to ship or share (models/NAME in this repository): config.json
 * and checkpoint.safetensors with the weights only — no optimizer state, and no encoder-pretraining head, which
 * nothing reads after pretraining — so that it is small, and `eval`, `train --init-from` and the page start
 * from it. Its __metadata__ keeps the step and the validation figure it was chosen by. `--format onnx` writes
 * a black-box sequence model as one .onnx file instead, for ONNX Runtime (onnx_export.ts).
 */
import type { Command } from 'commander';
import { existsSync, mkdirSync, statSync } from 'node:fs';
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
import {
  BEST_FILE,
  HISTORY_DIR,
  readRun,
  WHICH_CHECKPOINTS,
  type SavedRun,
  type WhichCheckpoint,
} from './run_dir';
import { chosenOnTest } from './eval_split';
import { onnxModel } from './onnx_export';

/** Tensors a shipped model leaves out: optimizer moments and counters, the pretraining head. */
export const NOT_SHIPPED = /^(\w+_)?optimizer\.(m|v|hyper)$|^pretrain_head\./;

/** dir: config + weights for metarnn and PyTorch; onnx: one graph for ONNX Runtime. */
const FORMATS = ['dir', 'onnx'] as const;

interface ExportOptions {
  checkpoint: string;
  which: string;
  format: string;
  out: string;
}

export function register(program: Command): void {
  program
    .command('export')
    .description(
      "write a run's checkpoint as a model to ship: config and weights only (no optimizer state), or an ONNX graph",
    )
    .requiredOption('--checkpoint <dir>', 'run directory')
    .option('--which <checkpoint>', 'best (chosen on validation; default) or last', 'best')
    .option(
      '--format <format>',
      'dir (config + safetensors) or onnx (one .onnx file; sinusoid, forecast and series black-box models)',
      'dir',
    )
    .requiredOption(
      '--out <path>',
      'model directory to write (e.g. models/omniglot-5w1s), or with --format onnx the file (model.onnx)',
    )
    .action((opts: ExportOptions) => {
      if (!(WHICH_CHECKPOINTS as readonly string[]).includes(opts.which)) {
        throw new InputError(
          `--which ${JSON.stringify(opts.which)}: expected ${WHICH_CHECKPOINTS.join(' or ')}`,
        );
      }
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new InputError(`--format ${JSON.stringify(opts.format)}: expected ${FORMATS.join(' or ')}`);
      }
      const which = opts.which as WhichCheckpoint;
      const run = readRun(opts.checkpoint, which); // checks config and checkpoint belong together
      if (opts.format === 'onnx') {
        exportOnnx(run, which, opts.out);
        return;
      }
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

/** `--format onnx`: the run's graph, written atomically (an existing file is replaced, a directory refused). */
function exportOnnx(run: SavedRun, which: WhichCheckpoint, out: string): void {
  const bytes = onnxModel(run.config, run.resume.tensors);
  if (existsSync(out) && statSync(out).isDirectory())
    throw new InputError(`--out ${out} is a directory: with --format onnx give a file, e.g. model.onnx`);
  writeFileAtomic(out, bytes);
  const { task, learner, layers, hidden } = run.config;
  console.log(
    `${out}: ONNX (opset 14) of ${task}/${learner}, ${layers}x${hidden} GRU, ${which} checkpoint at step ` +
      `${run.resume.step} (${(bytes.length / 2 ** 10).toFixed(1)} KiB)`,
  );
}
