/**
 * The entry of bench.html, the page `metarnn bench` drives: our GRU and TF.js's in one page, so that both
 * use the same browser and the same adapter. TF.js is loaded only when a peer is first measured (a separate
 * chunk), so a run of ours alone never downloads or initialises it. The web page's Bench view loads this
 * page in a frame for the peers: TF.js's threaded wasm loader needs `new Function`, which only this page's
 * policy allows (src/protocol/csp.ts).
 */
import { localTarget } from '../bench/local';
import type { BenchTarget } from '../bench/run';
import { acquireGpu, type Gpu } from '../src/runtime/gpu';
import { tuneGpu } from '../src/kernels/gru_probe';
import { forceVariants } from '../src/kernels/forced_variants';

let gpu: Promise<Gpu> | null = null;

export const bench: BenchTarget = localTarget(
  () =>
    (gpu ??= acquireGpu()
      .then(tuneGpu)
      .then((g) => forceVariants(g, new URLSearchParams(location.search).get('variants')))),
  async (peer, c, o) => {
    const { benchPeer } = await import('../bench/peers');
    return benchPeer(peer, c, o);
  },
);

declare global {
  interface Window {
    bench: BenchTarget;
  }
}
window.bench = bench;
