/**
 * A training run's configuration as the CLI builds it: defaults (DEFAULT_CONFIG), then a --config file, then
 * command-line options, each value checked against one table of fields so that a wrong value gets the same
 * message wherever it came from: where, which key, the value seen, what is allowed.
 */
import { readFileSync } from 'node:fs';
import type { MetaConfig } from '../io/meta_config';
import { InputError } from '../runtime/errors';
import { allowed, checkConfigObject, FIELDS, fits, optionName, type RunConfig } from '../io/run_config';

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
    const v = f.kind === 'int' || f.kind === 'number' ? (text.trim() === '' ? NaN : Number(text)) : text;
    if (!fits(f, v))
      throw new InputError(`${optionName(key)} ${JSON.stringify(text)}: expected ${allowed(f)}`);
    out[key] = v;
  }
  return out as Partial<RunConfig>;
}

/** The library's defaults and the learners on offer (loaded on demand: it pulls in every kernel module). */
export async function library(): Promise<{
  defaults: MetaConfig;
  pairs: string[];
  defaultsFor: (task: string, learner: string) => MetaConfig;
}> {
  const { DEFAULT_CONFIG, supportedPairs, defaultsFor } = await import('../meta/trainer');
  return { defaults: DEFAULT_CONFIG, pairs: supportedPairs(), defaultsFor };
}

/** Refuses a task/learner pair that has no implementation, before anything starts. */
export function checkPair(c: RunConfig, pairs: string[]): void {
  if (!pairs.includes(`${c.task}/${c.learner}`)) {
    throw new InputError(
      `learner '${c.learner}' is not available for task '${c.task}': available are ${pairs.join(', ')}`,
    );
  }
}
