/**
 * Omniglot episodes on the GPU for one run: the images and the character table live on the device for the
 * whole run, and an episode only ever moves indices (omniglot_tasks draws image codes and labels, then
 * omniglot_gather turns and shifts the images into rows of pixels). Pools 0, 1, 2 hold the training,
 * validation and test classes (SPLITS order).
 */
import type { Gpu } from '../runtime/gpu';
import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { omniglotGather, omniglotTasks, packOmniglotTable } from '../kernels/omniglot_tasks';
import type { OmniglotDataset } from '../data/omniglot';
import { SPLITS, type OmniglotSplit, type SplitName } from '../data/omniglot_split';

export interface SampleRequest {
  /** Episodes and their shape. */
  tasks: number;
  ways: number;
  shots: number;
  queries: number;
  /** The u32 step number the draws depend on. */
  step: Tensor;
  pool: SplitName;
  seed: number;
  stream: number;
  /** Training images move by up to this many pixels (0: none). */
  shift: number;
  /** Out: image codes [rows] (u32), labels [rows] and the label slots (a view of the labels' buffer). */
  codes: Tensor;
  labels: Tensor;
  slots: Tensor;
  slotStride: number;
  /** Out: the rows' images [rows, size²]. */
  pixels: Tensor;
  /** Support labels shown with their image (see omniglot_tasks.wgsl). */
  paired?: boolean;
  /** Labels are positions in the pool (a classifier over all its classes) instead of episode labels. */
  poolLabels?: boolean;
}

export class OmniglotSampler {
  /** Pixels per image side. */
  readonly size: number;
  readonly #images: Tensor;
  readonly #table: Tensor;
  readonly #pools: { offset: number; size: number }[];
  readonly #charCount: number;

  constructor(
    readonly gpu: Gpu,
    dataset: OmniglotDataset,
    readonly split: OmniglotSplit,
  ) {
    this.size = dataset.size;
    this.#images = gpu.tensor([dataset.imageCount, dataset.size ** 2], dataset.images);
    const table = packOmniglotTable(
      dataset.characters,
      SPLITS.map((s) => split[s]),
    );
    this.#table = gpu.tensor([table.data.length], table.data, 'u32');
    this.#pools = table.pools;
    this.#charCount = table.charCount;
  }

  /** Classes in split `pool` (rotations of the training characters included). */
  poolSize(pool: SplitName): number {
    return this.#pools[SPLITS.indexOf(pool)].size;
  }

  /** Records the draw of `r.tasks` episodes and the gather of their images: two dispatches. */
  record(rec: Recorder, r: SampleRequest): void {
    const rows = r.labels.size;
    omniglotTasks(
      rec,
      { tasks: r.tasks, ways: r.ways, shots: r.shots, queries: r.queries },
      {
        step: r.step,
        table: this.#table,
        pool: this.#pools[SPLITS.indexOf(r.pool)],
        charStart: 0,
        charCount: this.#charCount,
        rotations: this.split.rotations,
        codes: r.codes,
        labels: r.labels,
        slots: r.slots,
        slotStride: r.slotStride,
        seed: r.seed,
        stream: r.stream,
        shift: r.shift,
        ...(r.paired === undefined ? {} : { paired: r.paired }),
        ...(r.poolLabels === undefined ? {} : { poolLabels: r.poolLabels }),
      },
    );
    omniglotGather(
      rec,
      { rows, size: this.size, shift: r.shift },
      { codes: r.codes, images: this.#images, pixels: r.pixels },
    );
  }

  destroy(): void {
    this.gpu.release(this.#images);
    this.gpu.release(this.#table);
  }
}
