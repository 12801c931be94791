/**
 * The peers' model and timing rule: TF.js 4.22's own GRU (tf.layers.gru, returnSequences) timed for a
 * forward pass and a training step on whichever backend is set. Shared by the page (bench/peers.ts) and
 * Node on Dawn (bench/tfjs_node.ts), which differ only in how they load TF.js and set a backend up, so the
 * figures of both measure the same model the same way. TF.js comes in as an argument (types only here).
 */
import type * as TF from '@tensorflow/tfjs';
import { rng, uniform } from '../src/layout/random';
import { time, type BenchCase, type PeerName, type Timing, type TimingOptions } from './cases';

/**
 * What the peers use of `@tensorflow/tfjs`: Node passes the module, the page these members alone, since its
 * namespace passed as a value would keep all of TF.js in the page's chunk (no tree-shaking).
 */
export type Tfjs = Pick<
  typeof TF,
  | 'sequential'
  | 'layers'
  | 'tensor3d'
  | 'tidy'
  | 'train'
  | 'losses'
  | 'memory'
  | 'version'
  | 'getBackend'
  | 'backend'
  | 'env'
>;

export const BACKEND: Record<PeerName, string> = {
  'tfjs-webgpu': 'webgpu',
  'tfjs-wasm': 'wasm',
  'tfjs-cpu': 'cpu',
};

/**
 * How a peer's backend runs here, so that a slow figure can be explained: TF.js's version, where it runs
 * (Node), wasm's SIMD and threads, the adapter TF.js's webgpu device came from.
 */
export type PeerConfig = Record<string, unknown>;

export interface PeerResult {
  forwardMs: number;
  trainStepMs: number;
  forward: Timing;
  trainStep: Timing;
  backend: string;
  /** The backend's configuration, plus `memory`: what TF.js holds with the model and Adam state alive. */
  details: PeerConfig;
}

/**
 * What TF.js actually runs once backend `name` is set, as it reports it: a slow figure is often a
 * configuration (wasm without threads or SIMD, webgpu on another adapter), not the library.
 * `getThreadsCount` is tfjs-backend-wasm's.
 */
export async function backendConfig(
  tf: Tfjs,
  name: string,
  getThreadsCount: () => number,
): Promise<PeerConfig> {
  const config: PeerConfig = { tfjs: tf.version.tfjs, backend: tf.getBackend() };
  if (name === 'webgpu') {
    // TF.js requests an adapter and a device of its own ('high-performance'): the same as ours, if all is well.
    const info = (tf.backend() as unknown as { device?: GPUDevice }).device?.adapterInfo;
    if (info) {
      const { vendor, architecture, device, description } = info;
      config.adapter = {
        vendor,
        architecture,
        device,
        description,
        isFallbackAdapter: info.isFallbackAdapter,
      };
    }
  }
  if (name !== 'wasm') return config;
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  // True only where SharedArrayBuffer exists, i.e. when the page is cross-origin isolated (COOP/COEP); TF.js
  // 4.22 says false in Node whatever the host (flags_wasm.ts, IS_NODE; tensorflow/tfjs#3830).
  const multithreadSupport = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  return {
    ...config,
    simd,
    multithreadSupport,
    // XNNPACK's thread pool as initialised (by default one thread per logical CPU).
    threads: multithreadSupport ? getThreadsCount() : 1,
    // The binary TF.js's init() picks from the two flags: threads only together with SIMD.
    binary: `tfjs-backend-wasm${simd && multithreadSupport ? '-threaded-simd' : simd ? '-simd' : ''}.wasm`,
  };
}

function buildModel(tf: Tfjs, c: BenchCase): TF.Sequential {
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

/**
 * Forward and training step (forward + backward + Adam on MSE over all outputs) times on the backend `tf`
 * has set (`backend`, its name); `details` says how that backend runs here and is passed through.
 */
export async function benchTfjsGru(
  tf: Tfjs,
  backend: string,
  details: PeerConfig,
  c: BenchCase,
  o: TimingOptions,
): Promise<PeerResult> {
  const rand = rng(1);
  const x = tf.tensor3d(uniform(rand, c.batch * c.T * c.input), [c.batch, c.T, c.input]);
  const target = tf.tensor3d(uniform(rand, c.batch * c.T * c.hidden), [c.batch, c.T, c.hidden]);
  const model = buildModel(tf, c);
  const optimizer = tf.train.adam(1e-3);
  const vars = model.trainableWeights.map((w) => w.read() as TF.Variable);
  const last = vars[vars.length - 1];
  try {
    const forward = await time(async () => {
      const y = tf.tidy(() => model.apply(x) as TF.Tensor);
      await y.data(); // waits for the GPU on webgpu
      y.dispose();
    }, o);
    const loss = () =>
      tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as TF.Tensor) as TF.Scalar;
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
