/**
 * The CLI's exit codes, as command-line tools use them: 0 done; 2 a usage error — the command line or the
 * input it names cannot be used (an unknown option, a bad or missing option value, a config that contradicts
 * itself, a malformed file: commander's errors and every InputError, whether thrown here or in the page);
 * 1 a failure while running (no browser or no GPU, a browser that would not start, a device lost for good,
 * a run stuck on NaN/Inf steps, a model larger than this adapter allows, a bug).
 */
import { CommanderError } from 'commander';
import { MetarnnError } from '../runtime/errors';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(e: unknown): number {
  // --help and --version end through the same path with exit code 0.
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
  // The code, not the class: errors from the page arrive as PageError carrying the original's code.
  if (e instanceof MetarnnError && e.code === 'input') return EXIT_USAGE;
  return EXIT_FAILURE;
}
