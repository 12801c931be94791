/**
 * The peers in the page: TF.js 4.22's own GRU (bench/tfjs_gru.ts) on its webgpu, wasm and cpu backends, in
 * the same page and on the same adapter as ours. Only the bench page loads this module (dynamically), so
 * the library never pulls TF.js in. Node on Dawn has its own loader (bench/tfjs_node.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BenchCase, PeerName, TimingOptions } from './cases';
import {
  BACKEND,
  backendConfig,
  benchTfjsGru,
  type PeerConfig,
  type PeerResult,
  type Tfjs,
} from './tfjs_gru';

export type { PeerConfig, PeerResult } from './tfjs_gru';

/** The members the shared code uses (bench/tfjs_gru.ts says why not `tf` itself). */
const TFJS: Tfjs = {
  sequential: tf.sequential,
  layers: tf.layers,
  tensor3d: tf.tensor3d,
  tidy: tf.tidy,
  train: tf.train,
  losses: tf.losses,
  memory: tf.memory,
  version: tf.version,
  getBackend: tf.getBackend,
  backend: tf.backend,
  env: tf.env,
};

let wasmPathsSet = false;

async function useBackend(name: string): Promise<PeerConfig> {
  if (name === 'wasm' && !wasmPathsSet) {
    // The build copies the binaries to tfjs-wasm/ next to bench.html (vite.config.ts): same origin, so
    // they load under COEP, and threads work because the server sends COOP/COEP.
    setWasmPaths(new URL('./tfjs-wasm/', location.href).href);
    wasmPathsSet = true;
  }
  // A backend whose workers fail to start never settles: give up after a minute rather than hang the bench.
  const ok = await Promise.race([
    tf.setBackend(name),
    new Promise<false>((done) => setTimeout(() => done(false), 60_000)),
  ]);
  if (!ok) throw new Error(`TF.js backend '${name}' failed to initialise within 60 s (see the page console)`);
  await tf.ready();
  return backendConfig(TFJS, name, getThreadsCount);
}

/** Forward and training step (forward + backward + Adam on MSE over all outputs) times of one peer. */
export async function benchPeer(peer: PeerName, c: BenchCase, o: TimingOptions): Promise<PeerResult> {
  const backend = BACKEND[peer];
  const details = await useBackend(backend);
  return benchTfjsGru(TFJS, backend, details, c, o);
}
