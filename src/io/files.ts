/**
 * Node-side file I/O for the CLI: reading tensor files with messages a user can act on, and writing outputs
 * atomically so that a crash or error never leaves a half-written file that looks like a result.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileErrorReason, InputError } from '../runtime/errors';
import { parse, type TensorFile } from './safetensors';

/** Reads and parses a safetensors file; messages start with the path. */
export function readTensorsFile(path: string): TensorFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${fileErrorReason(e)}`);
  }
  return parse(bytes, path);
}

/**
 * Writes `bytes` to a temporary file next to `path`, flushes it to disk, then renames it over `path`: the
 * rename is atomic on one file system, so readers see either the old file or the complete new one.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
