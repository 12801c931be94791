/**
 * Where the CLI's GPU work runs. Two backends offer the same calls (src/protocol/harness.ts):
 * - 'browser': headless Chrome/Chromium on the built harness page (session.ts), calls through page.evaluate;
 * - 'dawn': Node itself, with Dawn from the npm package `webgpu` (not a dependency: `npm install webgpu`),
 *   the calls made directly (src/harness/calls.ts) — for GPU servers and CI with no browser.
 * 'auto' (the default) takes Dawn when the package is installed and finds a hardware adapter, else the
 * browser. `--backend` (or $METARNN_BACKEND) chooses.
 */
import { readdirSync } from 'node:fs';
import type { HarnessCalls } from '../protocol/harness';
import { TRAIN_EVENT_FUNCTION, type TrainEvent } from '../protocol/training';
import { DAWN_HELP, loadDawn, type Dawn } from '../runtime/dawn';
import { MetarnnError } from '../runtime/errors';
import { callHarness, withSession } from './page';

export const BACKENDS = ['auto', 'browser', 'dawn'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The calls, wherever they run. */
export interface Runner {
  readonly backend: 'browser' | 'dawn';
  /** What runs them: the browser's path and version, or Node's and Dawn's versions. */
  readonly host: { name: string; version: string; path?: string; source?: string };
  call<K extends keyof HarnessCalls>(
    name: K,
    ...args: Parameters<HarnessCalls[K]>
  ): Promise<Awaited<ReturnType<HarnessCalls[K]>>>;
  /** Where training events go (one handler; set before trainRun). */
  onTrainEvent(handler: (e: TrainEvent) => Promise<unknown>): Promise<void>;
}

let chosen: BackendName = (process.env.METARNN_BACKEND as BackendName | undefined) ?? 'auto';

/** Set from the global --backend option before a command runs. */
export function setBackend(name: string): void {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new MetarnnError(`--backend ${name}: expected one of ${BACKENDS.join(', ')}`, 'input');
  }
  chosen = name as BackendName;
}

const NO_DAWN = `--backend dawn ${DAWN_HELP}`;

/**
 * Linux with no GPU device node (/dev/dri/renderD*, /dev/nvidia*, WSL's /dev/dxg): Dawn's Vulkan can find only a
 * software adapter there, which 'auto' would not take, so it skips loading and probing Dawn (~0.4 s a command).
 */
export function noGpuDeviceNode(): boolean {
  if (process.platform !== 'linux') return false;
  const list = (dir: string): string[] | null => {
    try {
      return readdirSync(dir);
    } catch {
      return null;
    }
  };
  const dev = list('/dev');
  if (!dev) return false; // cannot tell: probe
  if (dev.some((n) => /^nvidia\d|^dxg$/.test(n))) return false;
  return !(list('/dev/dri') ?? []).some((n) => n.startsWith('renderD'));
}

/** Which backend `withRunner` would use now: 'dawn' or 'browser' (auto resolved, Dawn's adapter probed). */
export async function resolveBackend(backend: BackendName = chosen): Promise<'browser' | 'dawn'> {
  if (backend === 'browser' || (backend === 'auto' && noGpuDeviceNode())) return 'browser';
  const dawn = await loadDawn();
  if (!dawn) {
    if (backend === 'dawn') throw new MetarnnError(NO_DAWN, 'backend');
    return 'browser';
  }
  if (backend === 'dawn') return 'dawn';
  const adapter = await dawn.create([]).requestAdapter();
  return adapter && !isSoftware(adapter.info) ? 'dawn' : 'browser';
}

const isSoftware = (info: GPUAdapterInfo) =>
  info.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software/i.test(info.description);

/** Runs `fn` with the chosen backend and always releases it, so the process can exit. */
export async function withRunner<T>(
  fn: (r: Runner) => Promise<T>,
  backend: BackendName = chosen,
): Promise<T> {
  if (backend === 'dawn' || (backend === 'auto' && !noGpuDeviceNode())) {
    const dawn = await loadDawn();
    if (dawn) {
      const runner = await dawnRunner(dawn);
      if (backend === 'dawn' || (runner && !runner.software)) {
        if (!runner)
          throw new MetarnnError(`--backend dawn: Dawn found no GPU adapter. ${NO_DAWN}`, 'backend');
        return fn(runner);
      }
    } else if (backend === 'dawn') {
      throw new MetarnnError(NO_DAWN, 'backend');
    }
  }
  return withSession((s) => {
    let handler: ((e: TrainEvent) => Promise<unknown>) | null = null;
    let exposed = false;
    const runner: Runner = {
      backend: 'browser',
      host: { name: 'browser', version: s.browser.version(), path: s.found.path, source: s.found.source },
      call: (name, ...args) => callHarness(s.page, name, ...args),
      async onTrainEvent(h) {
        handler = h;
        if (exposed) return;
        exposed = true;
        await s.page.exposeFunction(TRAIN_EVENT_FUNCTION, (e: TrainEvent) => handler?.(e));
      },
    };
    return fn(runner);
  });
}

/** A runner on Dawn in this process, or null when Dawn finds no adapter; `software` for a CPU adapter. */
async function dawnRunner(dawn: Dawn): Promise<(Runner & { software: boolean }) | null> {
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info;
  const software = isSoftware(info);
  const { createHarness } = await import('../harness/calls');
  let handler: ((e: TrainEvent) => Promise<unknown>) | null = null;
  const harness = createHarness({
    acquire: { gpu },
    userAgent: `Node ${process.version}, Dawn (npm webgpu ${dawn.version})`,
    variants: process.env.METARNN_VARIANTS,
    send: async (e) => handler?.(e),
  });
  return {
    backend: 'dawn',
    software,
    host: { name: 'dawn', version: `npm webgpu ${dawn.version}, Node ${process.version}` },
    call: (name, ...args) =>
      (harness[name] as (...a: unknown[]) => Promise<Awaited<ReturnType<HarnessCalls[typeof name]>>>)(
        ...args,
      ),
    async onTrainEvent(h) {
      handler = h;
    },
  };
}
