/**
 * Typed errors. Every message says what was wrong, the value seen and what is allowed, so that a user can
 * act on it without reading a stack trace.
 */
export class MetarnnError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
  // Names are spelled out (not new.target.name) because minified bundles rename classes.
  override name = 'MetarnnError';
}

/** No WebGPU at all: old browser, insecure context, or a Node process without a GPU binding. */
export class WebGpuUnavailableError extends MetarnnError {
  override name = 'WebGpuUnavailableError';
  constructor(message: string) {
    super(message, 'webgpu-unavailable');
  }
}

/** The adapter cannot satisfy a limit the model or batch needs. */
export class LimitError extends MetarnnError {
  override name = 'LimitError';
  constructor(
    readonly limit: string,
    readonly needed: number,
    readonly available: number,
    what: string,
  ) {
    super(`${what} needs ${limit} = ${needed}, but this adapter allows ${available}`, 'limit');
  }
}

/** WGSL did not compile; the message carries line:column and the offending source line. */
export class ShaderCompileError extends MetarnnError {
  override name = 'ShaderCompileError';
  constructor(
    readonly kernel: string,
    readonly details: string,
  ) {
    super(`WGSL compile error in kernel '${kernel}':\n${details}`, 'shader-compile');
  }
}

/** A validation or out-of-memory error reported by the device. */
export class GpuError extends MetarnnError {
  override name = 'GpuError';
  constructor(
    readonly kind: 'validation' | 'out-of-memory' | 'internal',
    message: string,
  ) {
    super(`GPU ${kind} error: ${message}`, `gpu-${kind}`);
  }
}

/** The device was lost (driver reset, `device.destroy()`, tab in background too long). */
export class DeviceLostError extends MetarnnError {
  override name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`GPU device lost (${reason}): ${message}`, 'device-lost');
  }
}

/**
 * Training hit `limit` optimizer steps in a row whose gradient was NaN/Inf (each skipped, weights untouched):
 * the run cannot recover by itself, so it stops before a checkpoint could save the state it reached.
 */
export class NonFiniteStepsError extends MetarnnError {
  override name = 'NonFiniteStepsError';
  constructor(
    readonly step: number,
    readonly inARow: number,
    readonly limit: number,
    readonly skipped: number,
  ) {
    super(
      `training stopped at step ${step}: ${inARow} steps in a row had a NaN/Inf gradient and were skipped ` +
        `(limit ${limit}: maxBadSteps, --max-bad-steps; ${skipped} skipped in all). Likely causes: a learning ` +
        `rate too high for this model (try a lower --lr or --clip) or bad data (NaN/Inf values in the dataset). ` +
        `The last checkpoint, written before this, is kept as it was`,
      'non-finite-steps',
    );
  }
}

/** Bad user input: shapes, files, options. */
export class InputError extends MetarnnError {
  override name = 'InputError';
  constructor(message: string) {
    super(message, 'input');
  }
}

/** Why a file could not be read, in words, from a Node file-system error (`cannot read PATH: <this>`). */
export function fileErrorReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (e as Error).message;
}
