/**
 * The `metarnn` command line. Each command lives in its own module (doctor.ts, gru.ts, bench_command.ts,
 * train_command.ts, eval.ts, start.ts) and exports `register(program)`; adding a command is one import and
 * one entry in COMMANDS.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { MetarnnError } from '../runtime/errors';
import { register as bench } from './bench_command';
import { register as doctor } from './doctor';
import { register as evaluate } from './eval';
import { register as gru } from './gru';
import { register as start } from './start';
import { register as train } from './train_command';

const COMMANDS: ((program: Command) => void)[] = [doctor, gru, bench, train, evaluate, start];

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function createProgram(): Command {
  const program = new Command('metarnn')
    .description('Recurrent meta-learning on WebGPU: fused GRU kernels, meta-learners, benchmarks.')
    .version(pkg.version)
    .showHelpAfterError('(run `metarnn --help` for usage)');
  for (const add of COMMANDS) add(program);
  return program;
}

/** Expected failures (bad input, no WebGPU, a limit) are one line; anything else is a bug and shows its stack. */
function exitWithError(e: unknown): void {
  if (e instanceof MetarnnError) console.error(`metarnn: ${e.message}`);
  else console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
}

await createProgram().parseAsync(process.argv).catch(exitWithError);
