/**
 * WebGPU in Node through Dawn, the npm package `webgpu` (an optional peer dependency: `npm install webgpu`).
 * Node has no `navigator.gpu` and none of WebGPU's global constants (GPUBufferUsage, …): Dawn provides both,
 * and the library needs the constants on globalThis as a page has them.
 */
import { WebGpuUnavailableError } from './errors';
import { acquireGpu, type AcquireOptions, type Gpu } from './gpu';

export interface Dawn {
  /** A `GPU` (what `navigator.gpu` is in a page); `flags` are Dawn toggles such as 'backend=vulkan'. */
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
  /** The `webgpu` package's version. */
  version: string;
}

/** What to install when Dawn is missing or finds no adapter: one message for the library and the CLI. */
export const DAWN_HELP =
  "needs the npm package 'webgpu' (Dawn for Node): `npm install webgpu`; on Linux also a Vulkan loader and " +
  "driver (Debian/Ubuntu: apt-get install libvulkan1, plus your GPU's driver; a CPU-only machine can use " +
  'SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json with Debian’s chromium installed)';

/** The `webgpu` package with WebGPU's globals installed, or null when it is not installed. */
export async function loadDawn(): Promise<Dawn | null> {
  let m: { create: Dawn['create']; globals: Dawn['globals'] };
  try {
    // A variable specifier: bundlers and the type checker leave the optional package alone.
    const name = 'webgpu';
    m = (await import(/* @vite-ignore */ name)) as typeof m;
  } catch {
    return null;
  }
  Object.assign(globalThis, m.globals);
  let version = '?';
  try {
    // A variable specifier here too: a browser-target bundle (scripts/dawn-build.mjs) would otherwise swap
    // node:module for an empty stub in a chunk of its own, which the device carry leaves behind.
    const nodeModule = 'node:module';
    const { createRequire } = (await import(/* @vite-ignore */ nodeModule)) as typeof import('node:module');
    version = (createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version;
  } catch {
    // shown only, never needed
  }
  return { create: m.create, globals: m.globals, version };
}

/**
 * A Gpu on Dawn, for library users in Node: `const gpu = await nodeGpu()` instead of `acquireGpu()`.
 * Fails with a WebGpuUnavailableError that says what to install.
 */
export async function nodeGpu(
  options: Omit<AcquireOptions, 'gpu'> & { flags?: string[] } = {},
): Promise<Gpu> {
  const dawn = await loadDawn();
  if (!dawn) throw new WebGpuUnavailableError(`WebGPU in Node ${DAWN_HELP}`);
  const { flags = [], ...rest } = options;
  try {
    return await acquireGpu({ ...rest, gpu: dawn.create(flags) });
  } catch (e) {
    if (!(e instanceof WebGpuUnavailableError)) throw e;
    throw new WebGpuUnavailableError(`Dawn found no GPU adapter: WebGPU in Node ${DAWN_HELP}`);
  }
}
