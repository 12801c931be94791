/**
 * The peers in Node on Dawn (`metarnn --backend dawn bench`): TF.js 4.22's GRU (bench/tfjs_gru.ts) on its
 * `webgpu` backend, with Dawn's `GPU` (the npm package `webgpu`) as its `navigator.gpu`, and on `wasm` and
 * `cpu`: the same model and timing rule as the page's peers (bench/peers.ts), on the same adapter as ours.
 *
 * TF.js is not a dependency of the npm package (README, "As a package"): it is loaded here at run time with
 * variable specifiers, which the CLI's bundle leaves alone, and a missing TF.js is a message, not a crash.
 */
import type * as TF from '@tensorflow/tfjs';
import { loadDawn } from '../src/runtime/dawn';
import type { BenchCase, PeerName, TimingOptions } from './cases';
import { BACKEND, backendConfig, benchTfjsGru, type PeerConfig, type PeerResult } from './tfjs_gru';

/** The packages the Node peers load: the model, and the two backends that are not in @tensorflow/tfjs. */
const PACKAGES = {
  tfjs: '@tensorflow/tfjs',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
} as const;

/**
 * Why the Node peers cannot run here (TF.js is not installed next to metarnn), or null when they can.
 * An installed metarnn has no TF.js; a clone has it (devDependencies), and so does a project that installs it.
 */
export async function tfjsMissing(): Promise<string | null> {
  // Through load(), not a plain import: scripts/dawn-build.mjs bundles this file as a browser library, where
  // Vite would swap node:module for an empty stub.
  const { createRequire } = await load<typeof import('node:module')>('node:module');
  const require = createRequire(import.meta.url);
  const missing = Object.values(PACKAGES).filter((p) => {
    try {
      require.resolve(p);
      return false;
    } catch {
      return true;
    }
  });
  if (!missing.length) return null;
  return (
    `TF.js is not installed (${missing.join(', ')}): run the peers from a clone of the metarnn repository ` +
    '(`npm install`), or `npm install @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-webgpu@4.22.0 ' +
    '@tensorflow/tfjs-backend-wasm@4.22.0` beside metarnn'
  );
}

/** A package by name at run time: the variable keeps bundlers (the CLI's, scripts/dawn-build.mjs) out. */
async function load<T>(name: string): Promise<T> {
  const m = (await import(/* @vite-ignore */ name)) as T & { default?: T };
  // TF.js's Node builds are CommonJS: Node's import gives their exports as `default`.
  return m.default ?? m;
}

/**
 * Gives Node a `navigator.gpu` before TF.js's webgpu backend loads: that module registers the backend only
 * if it sees one then, and the backend's factory calls `navigator.gpu.requestAdapter` itself. A `gpu`
 * already there (scripts/dawn-run.mjs sets one) is kept. Node 21+ has a `navigator` without `gpu`.
 */
async function installNavigatorGpu(): Promise<void> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return;
  const dawn = await loadDawn();
  // No Dawn: TF.js registers no webgpu backend, and that peer says so (below); wasm and cpu still run.
  if (!dawn) return;
  // A Dawn instance of its own, with the same (default) flags as ours (src/runtime/dawn.ts nodeGpu): the
  // same adapter, and a device of TF.js's own, as in a page. details.adapter shows which adapter it got.
  const gpu = dawn.create([]);
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

interface Loaded {
  tf: typeof TF;
  wasm: { getThreadsCount(): number };
}

let loaded: Promise<Loaded> | null = null;

function loadTfjs(): Promise<Loaded> {
  loaded ??= (async () => {
    const why = await tfjsMissing();
    if (why) throw new Error(why);
    await installNavigatorGpu();
    const tf = await load<typeof TF>(PACKAGES.tfjs);
    await load(PACKAGES.webgpu);
    const wasm = await load<Loaded['wasm']>(PACKAGES.wasm);
    // The cpu backend (which webgpu also hands small ops to) advertises tfjs-node on its first use in Node:
    // TensorFlow's C library is no peer here, so mark that use as past.
    const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
    if (cpu) cpu.firstUse = false;
    return { tf, wasm };
  })();
  return loaded;
}

/**
 * Sets TF.js's backend `name` up and says how it runs here. Initialisation errors become the peer's error
 * text: TF.js itself only warns (console.warn) and returns false.
 */
async function useBackend({ tf, wasm }: Loaded, name: string): Promise<PeerConfig> {
  if (!tf.findBackendFactory(name)) {
    throw new Error(
      name === 'webgpu'
        ? "TF.js registered no 'webgpu' backend: there was no navigator.gpu when it loaded (no Dawn: " +
            'the npm package `webgpu` is missing)'
        : `TF.js registered no '${name}' backend`,
    );
  }
  if (name === 'webgpu' && !(await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }))) {
    // TF.js's factory would fail on `null.features`: say what is actually missing.
    throw new Error("Dawn found no adapter for TF.js's navigator.gpu.requestAdapter()");
  }
  const warnings: string[] = [];
  const warn = console.warn;
  // TF.js warns with the error's stack: its first line is the reason.
  console.warn = (...xs: unknown[]) => warnings.push(xs.map((x) => String(x).split('\n')[0]).join(' '));
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    throw new Error(
      `TF.js backend '${name}' failed to initialise: ${warnings.join('; ') || 'no reason given'}`,
    );
  }
  for (const w of warnings) console.warn(w);
  await tf.ready();
  return { ...(await backendConfig(tf, name, wasm.getThreadsCount)), platform: 'node' };
}

/** One peer's forward and training-step times in this Node process (BenchTarget['peer']). */
export async function benchPeerNode(peer: PeerName, c: BenchCase, o: TimingOptions): Promise<PeerResult> {
  const t = await loadTfjs();
  const backend = BACKEND[peer];
  const details = await useBackend(t, backend);
  return benchTfjsGru(t.tf, backend, details, c, o);
}
