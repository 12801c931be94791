/**
 * A run directory: config.json (everything needed to rebuild the learner and resume), checkpoint.safetensors
 * (the latest: weights by name + optimizer state; __metadata__ holds the step, the config and, at an eval
 * point, the held-out figure), metrics.jsonl and report.html; and in checkpoints/, the `keep` most recent
 * checkpoints as step-<n>.safetensors and the best by held-out figure as best.safetensors. Every file is
 * replaced atomically, so a crash leaves the previous complete version.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINT_FILE,
  CONFIG_FILE,
  checkpointFromFile,
  decodeConfig,
  encodeCheckpoint,
  encodeConfig,
  type CheckpointValidation,
} from '../io/checkpoint';
import { readTensorsFile, writeFileAtomic } from '../io/files';
import { InputError } from '../runtime/errors';
import type { MetricsLine } from '../report/report';
import type { NamedTensor, Resume } from '../protocol/training';
import type { RunConfig } from './config_options';

const RUN_FILES = {
  checkpoint: CHECKPOINT_FILE,
  config: CONFIG_FILE,
  metrics: 'metrics.jsonl',
  report: 'report.html',
} as const;

/** Earlier and best checkpoints, beside the latest (checkpoint.safetensors, which tools read). */
export const HISTORY_DIR = 'checkpoints';
export const BEST_FILE = 'best.safetensors';
export const stepFile = (step: number) => `step-${step}.safetensors`;
const STEP_FILE = /^step-(\d+)\.safetensors$/;
const isHistoryFile = (name: string) => name === BEST_FILE || STEP_FILE.test(name);

/** Which of a run's checkpoints to read: the latest (what `--resume` continues) or the best evaluated. */
export const WHICH_CHECKPOINTS = ['last', 'best'] as const;
export type WhichCheckpoint = (typeof WHICH_CHECKPOINTS)[number];

/** `a` is a better held-out figure than `b` (none yet, or a lower MSE, or a higher accuracy). */
function better(a: CheckpointValidation, b: CheckpointValidation | null): boolean {
  if (!Number.isFinite(a.mean)) return false;
  if (!b || !Number.isFinite(b.mean)) return true;
  return a.metric === 'accuracy' ? a.mean > b.mean : a.mean < b.mean;
}

/**
 * Fields that config.json may hold newer values of than the checkpoint's own copy: the ones a resume may
 * change (`train --resume` refuses others), written to config.json when the resumed run starts, before its
 * first checkpoint. Any other difference means the two files are not one run's.
 */
export const RESUMABLE_FIELDS: readonly (keyof RunConfig)[] = [
  'steps',
  'logEvery',
  'evalEvery',
  'evalTasks',
  'data',
  'maxBadSteps',
];

export interface SavedRun {
  dir: string;
  config: RunConfig;
  resume: Resume;
  /** metrics.jsonl lines up to the checkpoint's step (later ones belong to work the checkpoint lost). */
  metrics: MetricsLine[];
}

const encode = (s: string) => new TextEncoder().encode(s);

/**
 * True when `dir` holds a run's checkpoint, which must not be overwritten silently. Files of a run that
 * stopped before its first checkpoint hold nothing worth keeping and are replaced.
 */
export function holdsRun(dir: string): boolean {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new InputError(`--out ${dir} is a file, not a directory`);
  }
  return existsSync(join(dir, RUN_FILES.checkpoint));
}

/**
 * Reads config.json and a checkpoint from a run directory, checking both: checkpoint.safetensors (`last`,
 * the default), or checkpoints/best.safetensors (`best`).
 */
export function readRun(dir: string, which: WhichCheckpoint = 'last'): SavedRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError(`cannot read run ${dir}: no such directory`);
  }
  const configPath = join(dir, RUN_FILES.config);
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file (is this a run directory?)' : (e as Error).message;
    throw new InputError(`cannot read ${configPath}: ${why}`);
  }
  const config = decodeConfig(text, configPath);

  const ckptPath = which === 'best' ? join(dir, HISTORY_DIR, BEST_FILE) : join(dir, RUN_FILES.checkpoint);
  if (!existsSync(ckptPath)) {
    throw new InputError(
      which === 'best'
        ? `${dir} has no ${HISTORY_DIR}/${BEST_FILE}: the run has not checkpointed at an evaluation yet ` +
            '(or was written by a version without one); --which last reads its latest checkpoint'
        : `${dir} has no ${RUN_FILES.checkpoint}: the run stopped before its first checkpoint`,
    );
  }
  const { step, tensors, configText } = checkpointFromFile(readTensorsFile(ckptPath), ckptPath);
  if (configText !== null) checkSameRun(config, decodeConfig(configText, `${ckptPath} (__metadata__)`), dir);
  return { dir, config, resume: { tensors, step }, metrics: readMetrics(join(dir, RUN_FILES.metrics), step) };
}

/**
 * config.json and checkpoint.safetensors are two files, replaced one at a time; the checkpoint carries its
 * own copy of the config, so a pair that does not belong together is refused rather than loaded as a model
 * it is not.
 */
function checkSameRun(config: RunConfig, saved: RunConfig, dir: string): void {
  const keys = new Set([...Object.keys(config), ...Object.keys(saved)]) as Set<keyof RunConfig>;
  const differ = [...keys].filter(
    (k) => !RESUMABLE_FIELDS.includes(k) && JSON.stringify(config[k]) !== JSON.stringify(saved[k]),
  );
  if (differ.length) {
    const what = differ.map((k) => `${k} (${JSON.stringify(config[k])} vs ${JSON.stringify(saved[k])})`);
    throw new InputError(
      `${dir}: ${RUN_FILES.config} and ${RUN_FILES.checkpoint} are not from the same run: they differ in ` +
        `${what.join(', ')}; put back the run's own ${RUN_FILES.config} (its values are in the checkpoint's ` +
        `__metadata__ "config")`,
    );
  }
}

function readMetrics(path: string, upTo: number): MetricsLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as MetricsLine;
      } catch {
        throw new InputError(`${path}:${i + 1}: not a JSON line`);
      }
    })
    .filter((l) => l.step <= upTo);
}

/** Writes a run's files as training reports progress; the directory is created on the first write. */
export class RunWriter {
  readonly metrics: MetricsLine[];
  /** How many of the most recent checkpoints to keep in checkpoints/ (0: only checkpoint.safetensors). */
  readonly keep: number;
  /** The figure of checkpoints/best.safetensors; null while there is none. */
  #best: (CheckpointValidation & { step: number }) | null = null;

  constructor(
    readonly dir: string,
    readonly config: RunConfig,
    metrics: MetricsLine[] = [],
    options: { keep?: number } = {},
  ) {
    this.metrics = [...metrics];
    this.keep = options.keep ?? 0;
  }

  path(file: keyof typeof RUN_FILES): string {
    return join(this.dir, RUN_FILES[file]);
  }

  /** The best checkpoint so far: its step and held-out figure; null before the first evaluated one. */
  get best(): (CheckpointValidation & { step: number }) | null {
    return this.#best;
  }

  get #history(): string {
    return join(this.dir, HISTORY_DIR);
  }

  /**
   * Creates the directory, drops files of an earlier run in it (`replace`), writes config.json. A run that
   * goes on in its directory keeps its best checkpoint, so that a later one must beat it.
   */
  begin(replace = false): void {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw new InputError(`cannot create ${this.dir}: ${(e as Error).message}`);
    }
    if (replace) {
      for (const f of Object.values(RUN_FILES)) rmSync(join(this.dir, f), { force: true });
      removeHistory(this.#history);
    }
    removeStaleTemporaries(this.dir, new Set(Object.values(RUN_FILES)));
    removeStaleTemporaries(this.#history, null);
    this.#best = replace ? null : readBest(this.#history);
    writeFileAtomic(this.path('config'), encodeConfig(this.config));
  }

  addMetric(line: MetricsLine): void {
    this.metrics.push(line);
    writeFileAtomic(this.path('metrics'), encode(this.metrics.map((l) => `${JSON.stringify(l)}\n`).join('')));
  }

  /** Drops metrics after `step` (work lost with a device, to be done again from the checkpoint there). */
  rewind(step: number): void {
    const keep = this.metrics.filter((l) => l.step <= step);
    this.metrics.splice(0, this.metrics.length, ...keep);
    writeFileAtomic(this.path('metrics'), encode(this.metrics.map((l) => `${JSON.stringify(l)}\n`).join('')));
  }

  /**
   * Writes checkpoint.safetensors, then (with `keep`) checkpoints/step-<step>.safetensors and drops all but
   * the `keep` most recent there, then, when `validation` beats the best so far, checkpoints/best.safetensors:
   * each file atomically, and the latest first, so a kill at any point leaves every file complete.
   */
  writeCheckpoint(step: number, tensors: NamedTensor[], validation?: CheckpointValidation | null): void {
    const bytes = encodeCheckpoint(step, this.config, tensors, validation);
    writeFileAtomic(this.path('checkpoint'), bytes);
    const best = validation && better(validation, this.#best) ? validation : null;
    if (this.keep === 0 && !best) return;
    try {
      mkdirSync(this.#history, { recursive: true });
    } catch (e) {
      throw new InputError(`cannot create ${this.#history}: ${(e as Error).message}`);
    }
    if (this.keep > 0) {
      writeFileAtomic(join(this.#history, stepFile(step)), bytes);
      this.#prune(step);
    }
    if (best) {
      writeFileAtomic(join(this.#history, BEST_FILE), bytes);
      this.#best = { ...best, step };
    }
  }

  /**
   * Keeps the `keep` most recent step files: the one just written (`step`) and the latest before it. Any of a
   * later step belongs to a run that went past this one and was abandoned (resumed from earlier): dropped.
   */
  #prune(step: number): void {
    const steps = readdirSync(this.#history)
      .map((f) => STEP_FILE.exec(f))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]));
    const earlier = steps.filter((s) => s < step).sort((a, b) => b - a);
    const kept = new Set([step, ...earlier.slice(0, this.keep - 1)]);
    for (const s of steps) if (!kept.has(s)) rmSync(join(this.#history, stepFile(s)), { force: true });
  }

  writeReport(html: string): void {
    writeFileAtomic(this.path('report'), encode(html));
  }
}

/**
 * Temporary files (writeFileAtomic's `.<name>.<pid>.<time>.tmp`) of run files left by a process that was
 * killed mid-write. They are never read as results; this only stops them piling up. Files of a process that
 * is still running are kept. `names`: the files whose temporaries these are (null: checkpoints/ files).
 */
function removeStaleTemporaries(dir: string, names: Set<string> | null): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    const m = /^\.(.+)\.(\d+)\.[0-9a-z]+\.tmp$/.exec(f);
    if (!m || !(names ? names.has(m[1]) : isHistoryFile(m[1])) || isRunning(Number(m[2]))) continue;
    rmSync(join(dir, f), { force: true });
  }
}

/** An earlier run's checkpoints/ files (only ours: anything else a user put there stays, and the folder). */
function removeHistory(dir: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (isHistoryFile(f)) rmSync(join(dir, f), { force: true });
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/** The held-out figure and step of checkpoints/best.safetensors, if there is one that reads. */
function readBest(dir: string): (CheckpointValidation & { step: number }) | null {
  const path = join(dir, BEST_FILE);
  if (!existsSync(path)) return null;
  try {
    const { step, validation } = checkpointFromFile(readTensorsFile(path), path);
    return validation ? { ...validation, step } : null;
  } catch {
    return null; // an unreadable best is replaced by the next evaluated checkpoint
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}
