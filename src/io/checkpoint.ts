/**
 * A run's checkpoint and config as files: checkpoint.safetensors (weights by name + optimizer state, with
 * the step and the config in __metadata__) and config.json. Pure TypeScript, so the CLI's run directories
 * and the page's saved/exported checkpoints are one format read and written by one implementation.
 */
import { InputError } from '../runtime/errors';
import { checkConfigObject, FIELDS, type RunConfig } from './run_config';
import { parse, serialize, type TensorFile, type TensorInput } from './safetensors';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const CONFIG_FILE = 'config.json';

/** Marks our checkpoints, so that a future layout change can still read old runs. */
const CHECKPOINT_FORMAT = 'metarnn-checkpoint-1';

export interface CheckpointTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The held-out evaluation at a checkpoint's step, when there was one: how the best checkpoint is chosen. */
export interface CheckpointValidation {
  metric: 'mse' | 'accuracy';
  mean: number;
  ci95: number;
  tasks: number;
}

export interface Checkpoint {
  step: number;
  tensors: Record<string, Float32Array>;
  /** config.json's content as stored with the weights (check with decodeConfig); null when absent. */
  configText: string | null;
  /** The evaluation at this step (__metadata__ "validation"); null when absent or unreadable. */
  validation: CheckpointValidation | null;
}

export function encodeCheckpoint(
  step: number,
  config: RunConfig,
  tensors: CheckpointTensor[],
  validation?: CheckpointValidation | null,
): Uint8Array {
  const map = new Map<string, TensorInput>(tensors.map((t) => [t.name, { shape: t.shape, data: t.data }]));
  const meta: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    step: String(step),
    config: JSON.stringify(config),
  };
  if (validation) meta.validation = JSON.stringify(validation);
  return serialize(map, meta);
}

/** Only informs (which checkpoint was best): a value that does not read as one is ignored, not an error. */
function readValidation(text: string | undefined): CheckpointValidation | null {
  if (text === undefined) return null;
  try {
    const v = JSON.parse(text) as Partial<CheckpointValidation> | null;
    const ok =
      (v?.metric === 'mse' || v?.metric === 'accuracy') &&
      typeof v.mean === 'number' &&
      typeof v.ci95 === 'number' &&
      typeof v.tasks === 'number';
    return ok ? (v as CheckpointValidation) : null;
  } catch {
    return null;
  }
}

/** Parses and checks a checkpoint; messages start with `source` (a path or a file name). */
export const decodeCheckpoint = (bytes: Uint8Array, source: string): Checkpoint =>
  checkpointFromFile(parse(bytes, source), source);

export function checkpointFromFile(file: TensorFile, source: string): Checkpoint {
  const step = Number(file.metadata.get('step'));
  if (file.metadata.get('format') !== CHECKPOINT_FORMAT || !Number.isSafeInteger(step) || step < 0) {
    throw new InputError(
      `${source}: not a metarnn checkpoint (__metadata__ needs format "${CHECKPOINT_FORMAT}" and an integer step)`,
    );
  }
  const tensors: Record<string, Float32Array> = {};
  for (const [name, t] of file.tensors) tensors[name] = t.data;
  return {
    step,
    tensors,
    configText: file.metadata.get('config') ?? null,
    validation: readValidation(file.metadata.get('validation')),
  };
}

export const encodeConfig = (config: RunConfig): Uint8Array =>
  new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`);

/** Keys a config.json may lack: data settings, and settings added later or left to the learner's default. */
const OPTIONAL_KEYS = [
  'data',
  'alphabets',
  'valAlphabets',
  'layout',
  'testSeries',
  'testTasks',
  'valTasks',
  'xShift',
  'xScale',
  'yShift',
  'yScale',
  'valSeries',
  'value',
  'seriesColumn',
  'season',
  'lossWeight',
  'maxBadSteps',
  'innerSteps',
  'innerLr',
  'contextSize',
  'unroll',
  'hvp',
  'cellSteps',
  'readSupport',
  'secondOrder',
  'features',
  'maxRunSteps',
  'taskHidden',
  'maxUpdate',
  'pretrainSteps',
  'encoderLr',
  'pretrainWarmup',
  'encoder',
  'channels',
  'embed',
  'shift',
  'labels',
  'memory',
  'lrDecay',
];

/** Parses config.json text and checks every field; all but OPTIONAL_KEYS must be present. */
export function decodeConfig(text: string, source: string): RunConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
  const config = checkConfigObject(raw, source) as RunConfig;
  const missing = Object.keys(FIELDS).filter((k) => !(k in config) && !OPTIONAL_KEYS.includes(k));
  if (missing.length) throw new InputError(`${source}: missing ${missing.join(', ')}`);
  return config;
}
