/**
 * Which alphabets `eval` scores an Omniglot run on, and the combinations it refuses, so that a figure printed
 * as a test figure is one: never on alphabets the run trained or chose on without saying so.
 */
import type { RunConfig } from '../io/run_config';
import type { EvalSplit } from '../data/omniglot_split';
import type { OmniglotSummary } from '../protocol/harness';
import { heldOutAlphabets } from '../data/omniglot_split';
import { configFromOptions } from './config_options';
import type { SavedRun } from './run_dir';
import { InputError } from '../runtime/errors';

export interface SplitOptions {
  checkpoint: string;
  which: string;
  data?: string;
  alphabets?: string;
  withinAlphabet?: boolean;
}

/** A run trained before its config recorded validation alphabets: it chose on its held-out (now test) ones. */
export const chosenOnTest = (c: RunConfig) => c.task === 'omniglot' && c.valAlphabets === undefined;

/**
 * Tasks `eval --split validation` applies to: held-out alphabets or series, or for synthetic tasks the stream
 * of validation tasks training chose on (seed + EVAL_SEED_OFFSET.validation).
 */
const SPLIT_TASKS: readonly string[] = ['omniglot', 'series', 'sinusoid', 'forecast'];

/** Refuses options that do not apply to this run or would mix splits. */
export function checkEvalOptions(run: SavedRun, opts: SplitOptions, split: EvalSplit): void {
  const omniglotOnly = opts.alphabets !== undefined || opts.withinAlphabet;
  const splitOnly = split !== 'test' && !SPLIT_TASKS.includes(run.config.task);
  if ((run.config.task !== 'omniglot' && omniglotOnly) || splitOnly) {
    throw new InputError(
      `--alphabets and --within-alphabet apply to omniglot runs, --split to ${SPLIT_TASKS.join(', ')} runs; ` +
        `${opts.checkpoint} holds ${run.config.task}`,
    );
  }
  if (
    split === 'validation' &&
    (opts.alphabets !== undefined || opts.data !== undefined || opts.withinAlphabet)
  ) {
    throw new InputError(
      `--split validation scores the run's own validation ${{ series: 'series', omniglot: 'alphabets' }[run.config.task as string] ?? 'tasks'}: it takes no --alphabets, --data or ` +
        '--within-alphabet (those choose test episodes)',
    );
  }
  if (split === 'validation' && chosenOnTest(run.config)) {
    throw new InputError(
      `${opts.checkpoint} was trained before runs recorded validation alphabets: it has none (it chose on its ` +
        'held-out alphabets, which are its test alphabets)',
    );
  }
}

/**
 * The run's config for scoring on `opts`' data and alphabets: other test alphabets or another zip leave the
 * run's validation alphabets out (the split is drawn again on that data; scoring test needs no validation).
 */
export function evalConfig(run: SavedRun, opts: SplitOptions, split: EvalSplit): RunConfig {
  const given = configFromOptions({ data: opts.data, alphabets: opts.alphabets });
  const config: RunConfig = { ...run.config, ...given };
  if (split === 'test' && (opts.alphabets !== undefined || opts.data !== undefined))
    delete config.valAlphabets;
  return config;
}

/**
 * Lines for stderr when a "test" figure is not one: `--alphabets` naming alphabets the run trained or chose
 * on (same data), or a best checkpoint chosen on the alphabets it is scored on (runs from before validation).
 */
export function splitWarnings(run: SavedRun, opts: SplitOptions, data: OmniglotSummary | null): string[] {
  const out: string[] = [];
  const c = run.config;
  if (chosenOnTest(c) && opts.which === 'best' && opts.alphabets === undefined) {
    out.push(
      `note: ${opts.checkpoint} chose its best checkpoint on its held-out alphabets (it was trained before ` +
        'validation splits): this is not a clean test figure; --which last is',
    );
  }
  const named = heldOutAlphabets(opts.alphabets);
  if (!named || !data || opts.data !== undefined || chosenOnTest(c)) return out;
  const test = heldOutAlphabets(c.alphabets) ?? [];
  const val = heldOutAlphabets(c.valAlphabets) ?? [];
  const trained = named.filter((a) => data.alphabets.includes(a) && !test.includes(a) && !val.includes(a));
  const chosen = named.filter((a) => val.includes(a));
  if (trained.length) out.push(`note: this run trained on ${trained.join(', ')}: not a test figure for them`);
  if (chosen.length) out.push(`note: this run chose on ${chosen.join(', ')} (validation): not a test figure`);
  return out;
}
