import type { Gpu } from '../runtime/gpu';
import type { KernelVariants } from '../runtime/recorder';
import { softwareAdapter } from './linear_tile';

/**
 * The tiles of the GRU recurrences (gru_forward, gru_backward and their tangents), chosen per adapter:
 * - `rows`: batch rows one workgroup owns. Each weight a thread loads feeds that many rows, but fewer
 *   workgroups run: the software adapter (2 cores, a workgroup per core) wants 8; a GPU with a hundred
 *   cores wants many small workgroups, each step's latency being what counts.
 * - `units`: hidden units per thread (threads per workgroup ⌈H/32⌉·32/units). More units per thread share
 *   each load of h (forward) or d(gh) (backward) between more dot products, over fewer threads per barrier.
 * - `backwardUnits`: units per thread in gru_backward when it differs from `units`. With 2, gru_backward runs
 *   both units in one loop, so each vec4 of d(gh) it loads feeds two sums (the software adapter: its
 *   workgroup-memory loads are dear; gru_backward 1.4× faster there, BENCHMARKS.md). gru_forward's loads of h
 *   already feed three gates each, and its sums would not fit twice.
 * - `weights`: where gru_forward / gru_backward keep each thread's W_hh entries across the T steps.
 *   `private` copies them once into private memory (on SwiftShader a private array is laid out lane by lane,
 *   so a uniform index is one vector load: ~5% faster there); `storage` re-reads the storage buffer at every
 *   step (GPUs: cached there, and a private array that large would spill out of registers).
 */
export interface GruTiles {
  rows: 1 | 2 | 4 | 8;
  units: 1 | 2 | 4;
  backwardUnits?: 1 | 2 | 4;
  weights: 'private' | 'storage';
}

export type GruWeights = GruTiles['weights'];
export const GRU_WEIGHTS: readonly GruWeights[] = ['private', 'storage'];
export const GRU_ROWS: readonly GruTiles['rows'][] = [1, 2, 4, 8];
export const GRU_UNITS: readonly GruTiles['units'][] = [1, 2, 4];

/** Private copies larger than this (vec4s per thread: units · 3 · ⌈H/4⌉) always read storage instead. */
export const GRU_PRIVATE_MAX = 3 * 64;

const KEY = 'gru.tiles';

/**
 * Measured on the software adapter (B 32, T 50, H 64): 8 rows 1.3× faster than 4 and 2× faster than 1;
 * private weights ~5% faster than storage; gru_backward with 2 units per thread 1.4× faster than with 1.
 * GPUs start from one row per workgroup until a probe says better.
 */
export function defaultGruTiles(adapter: KernelVariants['adapter']): GruTiles {
  const software = adapter !== null && (adapter.isFallbackAdapter || adapter.architecture === 'swiftshader');
  return software
    ? { rows: 8, units: 1, backwardUnits: 2, weights: 'private' }
    : { rows: 1, units: 1, weights: 'storage' };
}

/**
 * The tiles for a recording: the probe's (or a forced) choice when there is one, else the default;
 * `METARNN_VARIANTS=gru.backward-units=N` (forced_variants.ts) overrides gru_backward's units of either.
 */
export function gruTiles(variants: KernelVariants): GruTiles {
  const backward = variants.chosen.get('gru.backward-units');
  const tiles = chosenTiles(variants);
  return backward ? { ...tiles, backwardUnits: Number(backward) as GruTiles['units'] } : tiles;
}

function chosenTiles(variants: KernelVariants): GruTiles {
  const chosen = variants.chosen.get(KEY);
  if (chosen) {
    const t = JSON.parse(chosen) as GruTiles;
    const backwardOk = t.backwardUnits === undefined || GRU_UNITS.includes(t.backwardUnits);
    if (
      GRU_ROWS.includes(t.rows) &&
      GRU_UNITS.includes(t.units) &&
      GRU_WEIGHTS.includes(t.weights) &&
      backwardOk
    )
      return t;
  }
  return defaultGruTiles(variants.adapter);
}

/** The weights' place for a kernel whose threads would hold `vec4PerThread` vec4s privately. */
export function gruWeights(variants: KernelVariants, vec4PerThread: number): GruWeights {
  return vec4PerThread > GRU_PRIVATE_MAX ? 'storage' : gruTiles(variants).weights;
}

/**
 * Forces tiles on this device (tests, benchmarks, the probe); null returns to the default. Fields not given
 * keep their current value, except that new `units` without `backwardUnits` apply to gru_backward too.
 */
export function setGruTiles(gpu: Gpu, tiles: Partial<GruTiles> | null): void {
  if (tiles === null) return void gpu.variants.chosen.delete(KEY);
  const next = { ...chosenTiles(gpu.variants), ...tiles }; // not METARNN_VARIANTS' override: it stays apart
  if (tiles.units !== undefined && tiles.backwardUnits === undefined) delete next.backwardUnits;
  gpu.variants.chosen.set(KEY, JSON.stringify(next));
}

/** The largest hidden size the broadcast recurrences unroll (their steps are 3H · rows generated lines). */
export const GRU_BROADCAST_MAX_HIDDEN = 64;
/** Batch rows per workgroup in the broadcast recurrences: their sums cost the same at 1, 2 or 4 rows (measured),
 *  and fewer rows compile less code. */
export const GRU_BROADCAST_ROWS = 2;

/**
 * Whether the GRU's recurrences take their broadcast form (gru_forward_broadcast and gru_backward_broadcast in
 * shaders/): on the software adapter, for sequences of more than one step and hidden sizes that are multiples of
 * 4 from 4 to GRU_BROADCAST_MAX_HIDDEN (a one-step cell, MAML's, keeps the plain kernels, which skip its
 * recurrent sums), while the row blocks fit in one dispatch dimension. `variants.chosen` 'gru.broadcast' forces
 * it ('on', where those hold, on any adapter) or not ('off').
 */
export function useBroadcastGru(
  variants: KernelVariants,
  s: { hidden: number; steps: number; rowsPerGroup: number },
): boolean {
  const forced = variants.chosen.get('gru.broadcast');
  const { hidden } = s;
  const sizes = hidden % 4 === 0 && hidden >= 4 && hidden <= GRU_BROADCAST_MAX_HIDDEN;
  const blocks = broadcastGeometry(hidden, s.rowsPerGroup).blocks;
  if (forced === 'off' || !sizes || s.steps < 2 || blocks > 65535) return false;
  return forced === 'on' || softwareAdapter(variants);
}

/** Launch geometry and shared defines of the broadcast recurrences: 4 units per thread, GRU_BROADCAST_ROWS rows. */
export function broadcastGeometry(hidden: number, rowsPerGroup: number) {
  const rows = Math.min(GRU_BROADCAST_ROWS, rowsPerGroup);
  return {
    rows,
    blocks: Math.ceil(rowsPerGroup / rows),
    defines: { HIDDEN: hidden, ROWS: rows, WG: hidden / 4, UNITS: 4 },
  };
}
