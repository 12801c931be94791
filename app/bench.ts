/**
 * The page `metarnn bench` drives: our GRU and TF.js's in one page, so that both use the same browser and
 * the same adapter. TF.js is loaded only when a peer is first measured (a separate chunk), so a run of ours
 * alone never downloads or initialises it.
 */
import { acquireGpu, type Gpu } from '../src/runtime/gpu';
import type { BenchCase, PeerName, TimingOptions } from '../bench/cases';
import { benchMatmul, benchOurs } from '../bench/ours';
import { benchThroughput } from '../bench/throughput';

let gpu: Promise<Gpu> | null = null;
const device = () => (gpu ??= acquireGpu());

export const bench = {
  /** The adapter, and whether the page is cross-origin isolated (TF.js wasm threads need it). */
  async info() {
    const g = await device();
    return {
      adapter: { ...g.adapter },
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency,
      userAgent: navigator.userAgent,
    };
  },
  async matmul(size: number, o: TimingOptions) {
    return benchMatmul(await device(), size, o);
  },
  async ours(c: BenchCase, o: TimingOptions) {
    return benchOurs(await device(), c, o);
  },
  async throughput(o: { metaBatch: number; seconds: number }) {
    return benchThroughput(await device(), o);
  },
  async peer(peer: PeerName, c: BenchCase, o: TimingOptions) {
    const { benchPeer } = await import('../bench/peers');
    return benchPeer(peer, c, o);
  },
};

export type BenchPage = typeof bench;

declare global {
  interface Window {
    bench: BenchPage;
  }
}
window.bench = bench;
