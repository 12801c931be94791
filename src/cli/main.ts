/**
 * The `metarnn` command line. Each command lives in its own module (doctor.ts, gru.ts, bench_command.ts,
 * train_command.ts, eval.ts, start.ts) and exports `register(program)`; adding a command is one import and
 * one entry in COMMANDS.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { parseForcedVariants } from '../kernels/forced_variants';
import { MetarnnError } from '../runtime/errors';
import { allowBrowserInstall } from './browser';
import { exitCodeFor } from './exit_codes';
import { register as bench } from './bench_command';
import { register as doctor } from './doctor';
import { register as evaluate } from './eval';
import { register as exportModel } from './export_command';
import { register as gru } from './gru';
import { register as predict } from './predict';
import { register as start } from './start';
import { register as train } from './train_command';
import { setBackend } from './runner';

const COMMANDS: ((program: Command) => void)[] = [
  doctor,
  gru,
  bench,
  train,
  evaluate,
  predict,
  exportModel,
  start,
];

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function createProgram(): Command {
  const program = new Command('metarnn')
    .description('Recurrent meta-learning on WebGPU: fused GRU kernels, meta-learners, benchmarks.')
    .version(pkg.version)
    .showHelpAfterError('(run `metarnn --help` for usage)')
    // Commander's errors are thrown (not process.exit(1)) so that exitWithError gives usage errors code 2;
    // set before the commands are added, which inherit it, as they inherit showing the global options.
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .option(
      '--install-browser',
      'when no Chrome/Chromium is found, install it (Debian/Ubuntu as root: apt-get install chromium)',
    )
    .hook('preAction', (cmd) => allowBrowserInstall(Boolean(cmd.opts().installBrowser)))
    .option(
      '--backend <name>',
      'where GPU work runs: browser (headless Chrome/Chromium), dawn (Node with the npm package webgpu), ' +
        'or auto (Dawn when installed and on a hardware adapter, else the browser)',
      process.env.METARNN_BACKEND ?? 'auto',
    )
    .hook('preAction', (cmd) => setBackend(cmd.opts().backend as string))
    // Kernel variants forced in the environment are checked before any device starts (one line if bad).
    .hook('preAction', () => void parseForcedVariants(process.env.METARNN_VARIANTS));
  for (const add of COMMANDS) add(program);
  return program;
}

/**
 * Expected failures (bad input, no WebGPU, a limit) are one line; anything else is a bug and shows its stack.
 * Commander has printed its own errors already. The exit code says which kind it was (exit_codes.ts).
 */
function exitWithError(e: unknown): void {
  if (e instanceof CommanderError) {
    // nothing to add: commander printed the message (and the help) itself
  } else if (e instanceof MetarnnError) console.error(`metarnn: ${e.message}`);
  else console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = exitCodeFor(e);
}

await createProgram().parseAsync(process.argv).catch(exitWithError);
