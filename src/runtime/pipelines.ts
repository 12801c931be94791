import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { GpuError, MetarnnError, ShaderCompileError } from './errors';

/** Compile-time specialisation values, substituted for `${NAME}` in a .wgsl file. */
export type Defines = Record<string, number | boolean | string>;

/**
 * Turns a .wgsl file into a specialised shader: `${NAME}` placeholders take values from `defines`, and
 * `#if ${FLAG}` … `#endif` blocks are resolved by wgsl-preprocessor. Shapes are not specialised (they
 * travel as uniforms) so that one pipeline serves every batch size and sequence length.
 */
export function specialize(kernel: string, source: string, defines: Defines): string {
  const parts = source.split(/\$\{(\w+)\}/);
  const strings: string[] = [];
  const values: unknown[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) strings.push(parts[i]);
    else {
      if (!(parts[i] in defines)) {
        throw new MetarnnError(
          `kernel '${kernel}' needs define '${parts[i]}', which was not given`,
          'define',
        );
      }
      values.push(defines[parts[i]]);
    }
  }
  return wgsl(strings, ...values);
}

/** Formats compilation messages as `kernel:line:col: error: message` plus the source line and a caret. */
function formatCompilationMessages(kernel: string, code: string, messages: readonly GPUCompilationMessage[]) {
  const lines = code.split('\n');
  return messages
    .map((m) => {
      const src = lines[m.lineNum - 1] ?? '';
      const caret = ' '.repeat(Math.max(0, m.linePos - 1)) + '^';
      return `${kernel}.wgsl:${m.lineNum}:${m.linePos}: ${m.type}: ${m.message}\n  ${src}\n  ${caret}`;
    })
    .join('\n');
}

/**
 * A cache for compiled compute pipelines, keyed by kernel name plus its specialisation. Pipeline creation
 * costs 25 ms–1.4 s on a software adapter, so every pipeline is built once per device.
 */
export class PipelineCache {
  #cache = new Map<string, Promise<GPUComputePipeline>>();

  constructor(readonly device: GPUDevice) {}

  get size(): number {
    return this.#cache.size;
  }

  get(kernel: string, source: string, defines: Defines = {}): Promise<GPUComputePipeline> {
    const key = kernel + JSON.stringify(defines, Object.keys(defines).sort());
    let p = this.#cache.get(key);
    if (!p) {
      p = this.#create(kernel, specialize(kernel, source, defines));
      p.catch(() => this.#cache.delete(key));
      this.#cache.set(key, p);
    }
    return p;
  }

  async #create(kernel: string, code: string): Promise<GPUComputePipeline> {
    const device = this.device;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code, label: kernel });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      await device.popErrorScope();
      throw new ShaderCompileError(kernel, formatCompilationMessages(kernel, code, errors));
    }
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: kernel,
      });
    } catch (e) {
      await device.popErrorScope();
      throw new GpuError('validation', `creating pipeline '${kernel}': ${(e as Error).message}`);
    }
    const err = await device.popErrorScope();
    if (err) throw new GpuError('validation', `creating pipeline '${kernel}': ${err.message}`);
    return pipeline;
  }
}
