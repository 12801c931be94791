import { InputError } from '../runtime/errors';
import { OMNIGLOT_MAX_SHIFT } from '../layout/omniglot_codes';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import philox from '../../shaders/philox.wgsl?raw';
import body from '../../shaders/omniglot_tasks.wgsl?raw';
import gatherSource from '../../shaders/omniglot_gather.wgsl?raw';

const source = `${philox}\n${body}`;

/** Private-array bounds of shaders/omniglot_tasks.wgsl. */
const OMNIGLOT_EPISODE_LIMITS = {
  ways: 64,
  supportSteps: 256,
  querySteps: 256,
  perClass: 32,
} as const;

export interface OmniglotEpisodeShape {
  tasks: number;
  ways: number;
  shots: number;
  /** Query images per class. */
  queries: number;
}

/** Steps per episode: N·K support steps, then N·Q query steps. */
export const omniglotSteps = (s: Omit<OmniglotEpisodeShape, 'tasks'>) => s.ways * (s.shots + s.queries);

/**
 * The u32 table the sampler reads: for each character its first image and drawing count, then each class
 * pool (class ids character · rotations + quarter turns). Offsets are element offsets into the table.
 */
export function packOmniglotTable(
  characters: readonly { start: number; count: number }[],
  pools: number[][],
) {
  const C = characters.length;
  const data = new Uint32Array(2 * C + pools.reduce((n, p) => n + p.length, 0));
  characters.forEach((c, i) => {
    data[i] = c.start;
    data[C + i] = c.count;
  });
  let at = 2 * C;
  const offsets = pools.map((pool) => {
    data.set(pool, at);
    at += pool.length;
    return { offset: at - pool.length, size: pool.length };
  });
  return { data, charStart: 0, charCount: C, pools: offsets };
}

export interface OmniglotTaskTensors {
  /** u32 step number, bumped by the host before each submit. */
  step: Tensor;
  /** u32 table from packOmniglotTable, with the pool to draw from. */
  table: Tensor;
  pool: { offset: number; size: number };
  charStart: number;
  charCount: number;
  /** 1, or 4 when pools hold rotated classes. */
  rotations: number;
  /** u32 [tasks · T]: image · 4 + quarter turns per step. */
  codes: Tensor;
  /** f32 [tasks · T]: class label per step. */
  labels: Tensor;
  /** The first label column of the GRU input (f32, same buffer as labels), rows `slotStride` apart. */
  slots: Tensor;
  slotStride: number;
  seed: number;
  stream: number;
  /** Label each step with its class's position in the pool instead of the episode's label (pretraining). */
  poolLabels?: boolean;
  /**
   * Support steps show image and label together (slots = own label, labels = −1: no loss) instead of the
   * label arriving one step later.
   */
  paired?: boolean;
  /** Augmentation: move each image by a random whole number of pixels in [−shift, shift] on both axes
   * (coded into `codes`; give omniglotGather the same value). 0 or absent: no shift. */
  shift?: number;
}

function checkShift(shift: number): number {
  if (!Number.isInteger(shift) || shift < 0 || shift > OMNIGLOT_MAX_SHIFT) {
    throw new InputError(
      `Omniglot shift ${shift}: use a whole number of pixels from 0 to ${OMNIGLOT_MAX_SHIFT}`,
    );
  }
  return shift;
}

/**
 * Samples `tasks` episodes (see shaders/omniglot_tasks.wgsl). Classes in the pool must have at least
 * shots + queries drawings each (checkEpisodeShape in src/data/omniglot.ts says so to the user first).
 */
export function omniglotTasks(rec: Recorder, s: OmniglotEpisodeShape, t: OmniglotTaskTensors): void {
  const L = OMNIGLOT_EPISODE_LIMITS;
  const bad =
    s.ways > L.ways
      ? `ways ${s.ways} > ${L.ways}`
      : s.ways * s.shots > L.supportSteps
        ? `ways × shots = ${s.ways * s.shots} > ${L.supportSteps}`
        : s.ways * s.queries > L.querySteps
          ? `ways × queries = ${s.ways * s.queries} > ${L.querySteps}`
          : s.shots + s.queries > L.perClass
            ? `shots + queries = ${s.shots + s.queries} > ${L.perClass}`
            : s.ways > t.pool.size
              ? `ways ${s.ways} > ${t.pool.size} classes in the pool`
              : '';
  if (bad) throw new InputError(`Omniglot episode sampler: ${bad}`);
  if (t.labels.buffer !== t.slots.buffer) {
    throw new RangeError(
      'omniglotTasks: labels and slots must be views of one buffer (one writable binding)',
    );
  }
  rec.dispatch({
    kernel: 'omniglot_tasks',
    source,
    defines: { POOL_LABELS: t.poolLabels ?? false, PAIRED: t.paired ?? false },
    uniforms: new Uint32Array([
      s.tasks, s.ways, s.shots, s.queries,
      t.seed >>> 0, t.stream >>> 0, t.step.offset, t.rotations,
      t.table.offset + t.pool.offset, t.pool.size, t.table.offset + t.charStart, t.table.offset + t.charCount,
      t.codes.offset, t.labels.offset, t.slots.offset, t.slotStride,
      checkShift(t.shift ?? 0), 0, 0, 0,
    ]), // prettier-ignore
    buffers: [t.step.buffer, t.table.buffer, t.codes.buffer, t.labels.buffer],
    workgroups: [Math.ceil(s.tasks / 64)],
  });
}

/**
 * pixels[row] = images[codes[row] / 4] turned by codes[row] % 4 quarter turns; `size`² pixels per image.
 * With `shift`, codes also carry a translation (as omniglotTasks wrote them with the same shift).
 */
export function omniglotGather(
  rec: Recorder,
  s: { rows: number; size: number; shift?: number },
  t: { codes: Tensor; images: Tensor; pixels: Tensor },
): void {
  rec.dispatch({
    kernel: 'omniglot_gather',
    source: gatherSource,
    uniforms: new Uint32Array([
      s.rows, s.size, t.codes.offset, t.images.offset, t.pixels.offset, checkShift(s.shift ?? 0), 0, 0,
    ]), // prettier-ignore
    buffers: [t.codes.buffer, t.images.buffer, t.pixels.buffer],
    workgroups: [Math.ceil((s.rows * s.size) / 64)],
  });
}
