/**
 * A run directory: config.json (everything needed to rebuild the learner and resume), checkpoint.safetensors
 * (weights by name + optimizer state; __metadata__ holds the step and the config), metrics.jsonl and
 * report.html. Every file is replaced atomically, so a crash leaves the previous complete version.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINT_FILE,
  CONFIG_FILE,
  checkpointFromFile,
  decodeConfig,
  encodeCheckpoint,
  encodeConfig,
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

/** Reads config.json and checkpoint.safetensors from a run directory, checking both. */
export function readRun(dir: string): SavedRun {
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

  const ckptPath = join(dir, RUN_FILES.checkpoint);
  if (!existsSync(ckptPath)) {
    throw new InputError(
      `${dir} has no ${RUN_FILES.checkpoint}: the run stopped before its first checkpoint`,
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

  constructor(
    readonly dir: string,
    readonly config: RunConfig,
    metrics: MetricsLine[] = [],
  ) {
    this.metrics = [...metrics];
  }

  path(file: keyof typeof RUN_FILES): string {
    return join(this.dir, RUN_FILES[file]);
  }

  /** Creates the directory, drops files of an earlier run in it (`replace`), writes config.json. */
  begin(replace = false): void {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw new InputError(`cannot create ${this.dir}: ${(e as Error).message}`);
    }
    if (replace) for (const f of Object.values(RUN_FILES)) rmSync(join(this.dir, f), { force: true });
    removeStaleTemporaries(this.dir);
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

  writeCheckpoint(step: number, tensors: NamedTensor[]): void {
    writeFileAtomic(this.path('checkpoint'), encodeCheckpoint(step, this.config, tensors));
  }

  writeReport(html: string): void {
    writeFileAtomic(this.path('report'), encode(html));
  }
}

/**
 * Temporary files (writeFileAtomic's `.<name>.<pid>.<time>.tmp`) of run files left by a process that was
 * killed mid-write. They are never read as results; this only stops them piling up. Files of a process that
 * is still running are kept.
 */
function removeStaleTemporaries(dir: string): void {
  const names = new Set<string>(Object.values(RUN_FILES));
  for (const f of readdirSync(dir)) {
    const m = /^\.(.+)\.(\d+)\.[0-9a-z]+\.tmp$/.exec(f);
    if (!m || !names.has(m[1]) || isRunning(Number(m[2]))) continue;
    rmSync(join(dir, f), { force: true });
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
