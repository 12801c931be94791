/**
 * `train`'s options for how a run is saved: `--checkpoint-minutes M` (a checkpoint at the first step after M
 * minutes since the last one, evaluation point or not) and `--keep N` (the N most recent checkpoints kept in
 * checkpoints/, besides checkpoint.safetensors and the best). They change no result, so they are not config
 * keys: config.json and `--resume` leave them out, and a resumed run takes them from its own command line.
 */
import { InputError } from '../runtime/errors';
import { DEFAULT_CHECKPOINT_MINUTES, DEFAULT_KEEP } from './train_recorder';

export const CHECKPOINT_OPTION_HELP = {
  checkpointMinutes:
    'also checkpoint at the first step after m minutes since the last checkpoint (fractions allowed) ' +
    `(default: ${DEFAULT_CHECKPOINT_MINUTES})`,
  keep:
    'keep the n most recent checkpoints as checkpoints/step-<step>.safetensors, besides ' +
    'checkpoint.safetensors (the latest) and checkpoints/best.safetensors (the best evaluated); 0: none ' +
    `(default: ${DEFAULT_KEEP})`,
};

/** Shown after `train --help`'s options. */
export const STOP_HELP = [
  '',
  'Ctrl-C (SIGINT) or SIGTERM stops training at the end of the current step, writes a checkpoint, says where',
  'and exits with 130 (SIGTERM: 143); `metarnn train --resume DIR` continues. A second signal exits at once,',
  'leaving the last complete checkpoint.',
].join('\n');

/** The options' values, checked (commander hands over strings); defaults for those not given. */
export function checkpointOptions(opts: Record<string, unknown>): {
  checkpointMinutes: number;
  keep: number;
} {
  let checkpointMinutes = DEFAULT_CHECKPOINT_MINUTES;
  if (opts.checkpointMinutes !== undefined) {
    const text = String(opts.checkpointMinutes);
    checkpointMinutes = text.trim() === '' ? NaN : Number(text);
    if (!(checkpointMinutes > 0) || !Number.isFinite(checkpointMinutes))
      throw new InputError(`--checkpoint-minutes ${JSON.stringify(text)}: expected a number > 0`);
  }
  let keep = DEFAULT_KEEP;
  if (opts.keep !== undefined) {
    const text = String(opts.keep);
    keep = text.trim() === '' ? NaN : Number(text);
    if (!Number.isSafeInteger(keep) || keep < 0)
      throw new InputError(`--keep ${JSON.stringify(text)}: expected an integer >= 0`);
  }
  return { checkpointMinutes, keep };
}
