/**
 * The peers: TF.js 4.22's own GRU (tf.layers.gru, returnSequences) on its webgpu, wasm and cpu backends, in
 * the same page and on the same adapter as ours. Only the bench page loads this module (dynamically), so
 * the library never pulls TF.js in.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { rng, uniform } from '../src/layout/random';
import { time, type BenchCase, type PeerName, type Timing, type TimingOptions } from './cases';

const BACKEND: Record<PeerName, string> = { 'tfjs-webgpu': 'webgpu', 'tfjs-wasm': 'wasm', 'tfjs-cpu': 'cpu' };

export interface PeerResult {
  forwardMs: number;
  trainStepMs: number;
  forward: Timing;
  trainStep: Timing;
  backend: string;
  /** How the backend runs here (wasm: SIMD, threads), so that a slow figure can be explained. */
  details: Record<string, unknown>;
}

let wasmPathsSet = false;

async function useBackend(name: string): Promise<Record<string, unknown>> {
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
  if (name !== 'wasm') return {};
  return {
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    threads: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? getThreadsCount() : 1,
  };
}

function buildModel(c: BenchCase): tf.Sequential {
  const model = tf.sequential();
  for (let l = 0; l < c.layers; l++) {
    model.add(
      tf.layers.gru({
        units: c.hidden,
        returnSequences: true,
        // Plain sigmoid as ours (Keras defaults to hard sigmoid); glorot instead of orthogonal init only to
        // skip a QR decomposition at build time, which is not timed anyway.
        recurrentActivation: 'sigmoid',
        recurrentInitializer: 'glorotUniform',
        ...(l === 0 ? { inputShape: [c.T, c.input] } : {}),
      }),
    );
  }
  return model;
}

/** Forward and training step (forward + backward + Adam on MSE over all outputs) times of one peer. */
export async function benchPeer(peer: PeerName, c: BenchCase, o: TimingOptions): Promise<PeerResult> {
  const backend = BACKEND[peer];
  const details = await useBackend(backend);
  const rand = rng(1);
  const x = tf.tensor3d(uniform(rand, c.batch * c.T * c.input), [c.batch, c.T, c.input]);
  const target = tf.tensor3d(uniform(rand, c.batch * c.T * c.hidden), [c.batch, c.T, c.hidden]);
  const model = buildModel(c);
  const optimizer = tf.train.adam(1e-3);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const last = vars[vars.length - 1];
  try {
    const forward = await time(async () => {
      const y = tf.tidy(() => model.apply(x) as tf.Tensor);
      await y.data(); // waits for the GPU on webgpu
      y.dispose();
    }, o);
    const loss = () =>
      tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
    const trainStep = await time(async () => {
      const cost = optimizer.minimize(loss, true, vars)!;
      await cost.data();
      cost.dispose();
      await last.data(); // Adam updates the variables in order: once the last is readable, the step is done
    }, o);
    // What TF.js holds with the model, Adam state and inputs alive, beside ours' memory figures.
    const memory = tf.memory();
    return {
      forwardMs: forward.medianMs,
      trainStepMs: trainStep.medianMs,
      forward,
      trainStep,
      backend,
      details: { ...details, memory },
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    x.dispose();
    target.dispose();
  }
}
