import type { Gpu } from '../runtime/gpu';
import type { Program } from '../runtime/recorder';
import { rng, uniform } from '../layout/random';
import { gruParamLayout, type GruShape } from '../layout/gru_layout';
import { gruBackward } from './gru_backward';
import { allocGruBuffers, gruForward } from './gru_forward';
import { defaultGruTiles, GRU_ROWS, GRU_UNITS, GRU_WEIGHTS, setGruTiles, type GruTiles } from './gru_tuning';

/**
 * The start-up probe behind gru_tuning's choice: times a small GRU forward + backward (B 32, T 16, H 64) with
 * each candidate tile and keeps the fastest for this device.
 */
export interface GruProbe {
  tiles: GruTiles;
  /** Best time of 8 back-to-back runs, per candidate, in ms (empty when nothing was timed). */
  timings: { tiles: GruTiles; ms: number }[];
  /** `cached`: this adapter's earlier answer; `default`: nothing to time (see probeCandidates). */
  source: 'probe' | 'cached' | 'default';
}

export interface ProbeOptions {
  /** Keeps the answer per adapter across start-ups (the page passes localStorage). */
  store?: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** What to time; default probeCandidates(gpu). */
  candidates?: GruTiles[];
}

/**
 * Every rows × units (1, 2) × weights combination on a GPU (pipelines compile in milliseconds there). None on the
 * software adapter: each variant costs ~1 s of shader compilation there, and its best tile was measured
 * once (defaultGruTiles).
 */
export function probeCandidates(gpu: Gpu): GruTiles[] {
  if (gpu.adapter.isFallbackAdapter || gpu.adapter.architecture === 'swiftshader') return [];
  return GRU_ROWS.flatMap((rows) =>
    ([1, 2] as const).flatMap((units) => GRU_WEIGHTS.map((weights) => ({ rows, units, weights }))),
  );
}

/** Bump when the kernels change enough that an old probe's answer may no longer hold. */
const PROBE_VERSION = 3; // 2: the recurrences prefetch the next step's loads (2026-12-04); 3: gru_backward's 2-unit loop

function cacheKey(gpu: Gpu): string {
  const a = gpu.adapter;
  return `metarnn.gru-tiles.v${PROBE_VERSION}:${a.vendor}/${a.architecture}/${a.device}/${a.description}`;
}

function readCache(gpu: Gpu, o: ProbeOptions): GruTiles | null {
  try {
    const t = JSON.parse(o.store?.getItem(cacheKey(gpu)) ?? 'null') as GruTiles | null;
    const ok =
      t && GRU_ROWS.includes(t.rows) && GRU_UNITS.includes(t.units) && GRU_WEIGHTS.includes(t.weights);
    return ok ? t : null;
  } catch {
    return null; // a damaged entry: probe again and overwrite it
  }
}

/** Chooses this device's GRU tiles, once: from the cache, else by timing the candidates. */
export async function probeGruTiles(gpu: Gpu, o: ProbeOptions = {}): Promise<GruProbe> {
  const cached = readCache(gpu, o);
  if (cached) {
    setGruTiles(gpu, cached);
    return { tiles: cached, timings: [], source: 'cached' };
  }
  const candidates = o.candidates ?? probeCandidates(gpu);
  if (candidates.length === 0) {
    setGruTiles(gpu, null);
    return { tiles: defaultGruTiles(gpu.variants.adapter), timings: [], source: 'default' };
  }
  const shape: GruShape = { layers: 1, inputSize: 8, hiddenSize: 64, groups: 1 };
  const run = { batch: 32, steps: 16 };
  const size = gruParamLayout(shape).size;
  const rand = rng(3);
  const params = gpu.tensor([size], uniform(rand, size, -0.125, 0.125));
  const x = gpu.tensor([32, 16, 8], uniform(rand, 32 * 16 * 8));
  const dOut = gpu.tensor([32, 16, 64], uniform(rand, 32 * 16 * 64));
  const grads = gpu.tensor([size]);
  const bufs = allocGruBuffers(gpu, shape, run);
  const programs: Program[] = [];
  try {
    for (const tiles of candidates) {
      setGruTiles(gpu, tiles);
      const rec = gpu.recorder();
      gruForward(rec, shape, run, { params, x, ...bufs });
      gruBackward(rec, shape, run, { params, x, hs: bufs.hs, gates: bufs.gates, dOut, grads });
      programs.push(await rec.finish(`probe.gru.${tiles.rows}.${tiles.units}.${tiles.weights}`));
    }
    const ms = candidates.map(() => Infinity);
    // Round 0 warms every pipeline up; the candidates alternate so that load drifts hit them alike.
    for (let round = 0; round < 4; round++) {
      for (const [i, program] of programs.entries()) {
        const t0 = performance.now();
        for (let k = 0; k < 8; k++) program.run();
        await gpu.sync();
        if (round > 0) ms[i] = Math.min(ms[i], performance.now() - t0);
      }
    }
    gpu.throwIfErrors();
    const best = ms.indexOf(Math.min(...ms));
    const tiles = candidates[best];
    setGruTiles(gpu, tiles);
    try {
      o.store?.setItem(cacheKey(gpu), JSON.stringify(tiles));
    } catch {
      // storage full or denied: the choice still holds for this device
    }
    return { tiles, timings: candidates.map((t, i) => ({ tiles: t, ms: ms[i] })), source: 'probe' };
  } catch (e) {
    setGruTiles(gpu, null);
    throw e;
  } finally {
    for (const p of programs) p.destroy();
    for (const t of [params, x, dOut, grads, ...bufs.tensors]) gpu.release(t);
  }
}

const probes = new WeakMap<Gpu, GruProbe | Error>();

/**
 * Start-up: chooses the device's GRU tiles once (cached in the page's localStorage when there is one) and
 * returns the device. A probe that fails leaves the default tiles; gruProbeOf says what happened.
 */
export async function tuneGpu(gpu: Gpu): Promise<Gpu> {
  const store = (globalThis as { localStorage?: Storage }).localStorage ?? null;
  try {
    probes.set(gpu, await probeGruTiles(gpu, { store }));
  } catch (e) {
    probes.set(gpu, e as Error);
  }
  return gpu;
}

/** What tuneGpu found on this device: the probe, its error, or undefined when it did not run. */
export function gruProbeOf(gpu: Gpu): GruProbe | Error | undefined {
  return probes.get(gpu);
}
