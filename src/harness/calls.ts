/**
 * Everything the CLI asks of a device (src/protocol/harness.ts lists it), implemented once for both
 * backends: the harness page builds it with the browser's WebGPU and sends training events through the
 * function Node exposes; `metarnn --backend dawn` builds it in Node with Dawn and a plain callback.
 */
import { acquireGpu, type AcquireOptions, type Gpu } from '../runtime/gpu';
import { gruProbeOf, tuneGpu } from '../kernels/gru_probe';
import { GRU_BROADCAST_MAX_HIDDEN, gruTiles, useBroadcastGru } from '../kernels/gru_tuning';
import { forceVariants, forcedVariantsOf } from '../kernels/forced_variants';
import { loadOmniglotSources, type ImageLayout } from '../data/omniglot_merge';
import { InputError } from '../runtime/errors';
import type { TaskData } from '../meta/learner';
import { DOCTOR_LIMITS, type DoctorReport, type HarnessCalls } from '../protocol/harness';
import type { TrainEvent } from '../protocol/training';
import { gruRun } from './gru_run';
import { fromBase64, trainCalls } from './train_calls';

export interface HarnessOptions {
  /** Where the device comes from: the browser's navigator.gpu by default, Dawn's in Node. */
  acquire?: AcquireOptions;
  /** Who runs it, for `doctor` (navigator.userAgent in a page; the Node and Dawn versions in Node). */
  userAgent: string;
  /** Carries a training event to the CLI and returns its answer. */
  send: (e: TrainEvent) => Promise<unknown>;
  /** Kernel variants forced for the run (`METARNN_VARIANTS`, see src/kernels/forced_variants.ts). */
  variants?: string | null;
}

/** HarnessCalls plus the device and data they share. */
export interface Harness extends HarnessCalls {
  /** The device (acquired on first use, and again once lost: training recovers so, see trainRun). */
  gpu(): Promise<Gpu>;
  /** Data for task families that need more than a config (Omniglot images). */
  taskData: TaskData;
}

export function createHarness(o: HarnessOptions): Harness {
  let gpu: Promise<Gpu> | null = null;
  let current: Gpu | null = null;
  const harness: Harness = {
    taskData: {},
    async gpu(): Promise<Gpu> {
      if (current?.isLost) gpu = current = null;
      // One promise: concurrent callers share one device. tuneGpu picks the GRU tiles for the adapter.
      gpu ??= acquireGpu(o.acquire)
        .then(tuneGpu)
        .then((g) => (current = forceVariants(g, o.variants)));
      return gpu;
    },
    ...trainCalls(
      () => harness.gpu(),
      () => harness.taskData,
      o.send,
    ),
    /**
     * Loads Omniglot zips sent as base64 (a page cannot read paths) into `taskData.omniglot`, merged into one
     * data set when there are several (a character in more than one counts once, see mergeOmniglot).
     */
    async omniglotLoad(zipsBase64: string[], names: string[], layout?: ImageLayout) {
      if (zipsBase64.length !== names.length) {
        throw new InputError(`omniglotLoad: ${zipsBase64.length} zips but ${names.length} names`);
      }
      const sources = zipsBase64.map((z, i) => ({ name: names[i], zip: fromBase64(z) }));
      const ds = loadOmniglotSources(sources, { layout });
      harness.taskData.omniglot = ds;
      return { alphabets: ds.alphabets, characters: ds.characters.length, images: ds.imageCount };
    },
    async tablesLoad(tasks) {
      harness.taskData.regression = tasks;
      return { tasks: tasks.length, points: tasks.reduce((n, t) => n + t.x.length, 0) };
    },
    async seriesLoad(series) {
      harness.taskData.series = series;
      return { series: series.length, values: series.reduce((n, s) => n + s.values.length, 0) };
    },
    /** What `metarnn doctor` shows, as plain JSON: the adapter, the features on our device, key limits. */
    async doctor(): Promise<DoctorReport> {
      const g = await harness.gpu();
      return {
        adapter: { ...g.adapter },
        features: [...g.features].sort(),
        limits: Object.fromEntries(DOCTOR_LIMITS.map((k) => [k, g.limits[k]])) as DoctorReport['limits'],
        userAgent: o.userAgent,
        gruTiles: gruTilesReport(g),
        forced: forcedVariantsOf(g),
      };
    },
    async gruRun(a) {
      return gruRun(await harness.gpu(), a);
    },
  };
  return harness;
}

/** The GRU tiles in use and where they came from, for `doctor`. */
function gruTilesReport(g: Gpu): DoctorReport['gruTiles'] {
  const probe = gruProbeOf(g);
  // A sequence the broadcast recurrences would take if this adapter (or a forced variant) says so.
  const broadcast = useBroadcastGru(g.variants, { hidden: 64, steps: 2, rowsPerGroup: 1 });
  const tiles = { ...gruTiles(g.variants), broadcast, broadcastMaxHidden: GRU_BROADCAST_MAX_HIDDEN };
  if (probe instanceof Error) return { ...tiles, source: 'default', error: probe.message };
  return { ...tiles, source: probe?.source ?? 'default' };
}
