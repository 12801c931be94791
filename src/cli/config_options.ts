/**
 * A training run's configuration as the CLI builds it: defaults (DEFAULT_CONFIG), then a --config file, then
 * command-line options, each value checked against one table of fields so that a wrong value gets the same
 * message wherever it came from: where, which key, the value seen, what is allowed.
 */
import { readFileSync } from 'node:fs';
import type { MetaConfig } from '../io/meta_config';
import { InputError } from '../runtime/errors';
import { parseChannels } from '../layout/encoder_channels';
import {
  allowed,
  checkConfigObject,
  checkRunConfig,
  FIELDS,
  fits,
  optionName,
  type LoptDefaults,
  type RunConfig,
} from '../io/run_config';

// The pure part lives in src/io so that the page checks imported configs the same way.
export { allowed, checkConfigObject, FIELDS, optionName, type RunConfig };

/** Reads and checks a JSON config file. */
export function readConfigFile(path: string): Partial<RunConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  return checkConfigObject(raw, path);
}

/** Config values given on the command line (commander hands over strings); unknown keys are ignored. */
export function configFromOptions(opts: Record<string, unknown>): Partial<RunConfig> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(FIELDS)) {
    const given = opts[key];
    if (given === undefined) continue;
    const text = String(given);
    const v =
      f.kind === 'int' || f.kind === 'number'
        ? text.trim() === ''
          ? NaN
          : Number(text)
        : f.kind === 'bool'
          ? text === 'true' || (text === 'false' ? false : text)
          : text;
    if (!fits(f, v))
      throw new InputError(`${optionName(key)} ${JSON.stringify(text)}: expected ${allowed(f)}`);
    // One spelling of a channel list ("32, 64,64" → "32,64,64"), so that a resumed run compares like with like.
    out[key] = key === 'channels' ? (parseChannels(text)?.join(',') ?? v) : v;
  }
  return out as Partial<RunConfig>;
}

/** The library's defaults and the learners on offer (loaded on demand: it pulls in every kernel module). */
export async function library(): Promise<{
  defaults: MetaConfig;
  pairs: string[];
  defaultsFor: (task: string, learner: string) => MetaConfig;
  /** The learned optimizer's run length and truncation, for configs that leave them out. */
  lopt: LoptDefaults;
}> {
  const [{ DEFAULT_CONFIG, supportedPairs, defaultsFor }, { DEFAULT_LOPT }] = await Promise.all([
    import('../meta/trainer'),
    import('../meta/lopt'),
  ]);
  return { defaults: DEFAULT_CONFIG, pairs: supportedPairs(), defaultsFor, lopt: DEFAULT_LOPT };
}

/** Refuses a task/learner pair that has no implementation, before anything starts. */
export function checkPair(c: RunConfig, pairs: string[]): void {
  if (!pairs.includes(`${c.task}/${c.learner}`)) {
    throw new InputError(
      `learner '${c.learner}' is not available for task '${c.task}': available are ${pairs.join(', ')}`,
    );
  }
}

/**
 * Refuses a config that cannot run as meant, before anything starts: a pair with no implementation, or
 * settings that contradict each other (checkRunConfig: a phase that would take the whole run).
 */
export function checkConfig(c: RunConfig, lib: { pairs: string[]; lopt: LoptDefaults }): void {
  checkPair(c, lib.pairs);
  checkRunConfig(c, { lopt: lib.lopt });
}
