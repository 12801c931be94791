/**
 * A BenchTarget (bench/run.ts) that measures in this very page on `device()`: used by the bench page
 * (app/bench_page.ts, which `metarnn bench` drives) and by the web page's Bench view, so both time the same
 * code.
 * The peers are the caller's: the bench page imports TF.js itself, the web page asks a frame of bench.html.
 */
import type { Gpu } from '../src/runtime/gpu';
import { benchMatmul, benchOurs } from './ours';
import type { BenchTarget } from './run';
import { benchMetaTraining, benchThroughput } from './throughput';

export function localTarget(device: () => Promise<Gpu>, peer: BenchTarget['peer']): BenchTarget {
  return {
    async info() {
      const g = await device();
      return {
        adapter: { ...g.adapter },
        crossOriginIsolated: globalThis.crossOriginIsolated === true,
        // In Node (the Dawn backend) there may be no navigator: the CLI records the host's CPUs itself.
        hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 0,
        userAgent: globalThis.navigator?.userAgent ?? 'Node (Dawn)',
      };
    },
    matmul: async (size, o) => benchMatmul(await device(), size, o),
    ours: async (c, o) => benchOurs(await device(), c, o),
    throughput: async (o) => benchThroughput(await device(), o),
    metaTraining: async (o) => benchMetaTraining(await device(), o),
    peer,
  };
}
