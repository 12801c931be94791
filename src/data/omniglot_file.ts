/**
 * Node-only: reads an Omniglot zip from a path the user gives (the page receives the bytes instead, see
 * app/harness.ts). Kept apart from omniglot.ts so that the page bundle never imports node:fs.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileErrorReason } from '../runtime/errors';
import { loadOmniglot, OmniglotError, type OmniglotDataset, type OmniglotLoadOptions } from './omniglot';

/** Omniglot's largest zip (images_background.zip) is 9.5 MB; anything far larger is refused unread. */
export const MAX_ZIP_BYTES = 256 << 20;

/** The bytes of a data file, with a message naming the path and the reason when it cannot be read. */
export function readDataFile(path: string, maxBytes = MAX_ZIP_BYTES): Uint8Array {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new OmniglotError(`cannot read ${path}: is a directory (give the .zip file)`);
    if (st.size > maxBytes)
      throw new OmniglotError(`cannot read ${path}: ${st.size} bytes, over ${maxBytes}`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof OmniglotError) throw e;
    throw new OmniglotError(`cannot read ${path}: ${fileErrorReason(e)}`);
  }
}

export function loadOmniglotFile(path: string, options: OmniglotLoadOptions = {}): OmniglotDataset {
  return loadOmniglot(readDataFile(path), { name: path, ...options });
}
