/**
 * Node-only: the user's own images by path, for a trained classifier — labelled ones (a folder or a zip of
 * `<label>/<image>`) and query ones (files or folders of images). Only the bytes are read here; decoding is
 * user_images.ts, which the page uses too. Kept apart so that the page bundle never imports node:fs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileErrorReason, InputError } from '../runtime/errors';
import {
  checkCaps,
  compare,
  hidden,
  IMAGE,
  IMAGE_FOLDER_LIMITS,
  labelledLayout,
  readLabelledZip,
  type Entry,
  type LabelledImage,
} from './image_layout';
import { readDataFile } from './omniglot_file';

export { IMAGE_FOLDER_LIMITS, type LabelledImage } from './image_layout';

export interface QueryImage {
  /** The path as given, or joined to its folder's. */
  file: string;
  bytes: Uint8Array;
}

/**
 * Labelled images from a folder or a .zip laid out as `<label>/<image>` (or with every label folder under one
 * top folder, as zipping a folder gives). Images are .png/.jpg/.jpeg files directly in a label folder; other
 * files, deeper folders and dotfiles are skipped. Sorted by label, then file.
 */
export function readLabelledImages(path: string): LabelledImage[] {
  const st = statPath(path);
  if (!st.isDirectory() && !st.isFile()) throw new InputError(`cannot read ${path}: not a file or a folder`);
  if (st.isDirectory()) {
    const chosen = labelledLayout(listFolder(path), path);
    return chosen.map(({ label, name }) => ({
      label,
      file: join(path, name),
      bytes: readFile(join(path, name)),
    }));
  }
  return readLabelledZip(readDataFile(path), path);
}

/**
 * Query images: each path a file (taken whatever its name) or a folder (its .png/.jpg/.jpeg files, not
 * recursive, sorted). In the order given.
 */
export function readQueryImages(paths: string[]): QueryImage[] {
  const found: { file: string; size: number }[] = [];
  for (const path of paths) {
    const st = statPath(path);
    if (st.isFile()) {
      found.push({ file: path, size: st.size });
      continue;
    }
    if (!st.isDirectory()) throw new InputError(`cannot read ${path}: not a file or a folder`);
    let names: string[];
    try {
      names = readdirSync(path).sort(compare);
    } catch (e) {
      throw new InputError(`cannot read ${path}: ${fileErrorReason(e)}`);
    }
    if (names.length > IMAGE_FOLDER_LIMITS.entries) {
      throw new InputError(
        `${path}: more than ${IMAGE_FOLDER_LIMITS.entries} entries: not a folder of images`,
      );
    }
    for (const name of names) {
      if (hidden(name) || !IMAGE.test(name)) continue;
      const file = join(path, name);
      const entry = statPath(file);
      if (entry.isFile()) found.push({ file, size: entry.size });
    }
  }
  if (!found.length) {
    throw new InputError(
      `no query images in ${paths.join(', ') || '(no paths given)'}: give PNG or JPEG files, or folders of them`,
    );
  }
  checkCaps(
    found.map((f) => ({ where: f.file, size: f.size })),
    paths.join(', '),
  );
  return found.map(({ file }) => ({ file, bytes: readFile(file) }));
}

/** A folder's entries to depth 3 (wrapper/label/image): deeper ones are never images of a class. */
function listFolder(root: string): Entry[] {
  const entries: Entry[] = [];
  const walk = (parts: string[]) => {
    const dir = join(root, ...parts);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      throw new InputError(`cannot read ${dir}: ${fileErrorReason(e)}`);
    }
    for (const name of names) {
      if (hidden(name)) continue;
      if (entries.length >= IMAGE_FOLDER_LIMITS.entries) {
        throw new InputError(
          `${root}: more than ${IMAGE_FOLDER_LIMITS.entries} entries: not a folder of images`,
        );
      }
      const st = statPath(join(dir, name));
      const entry = { parts: [...parts, name], dir: st.isDirectory(), size: st.size };
      if (!entry.dir && !st.isFile()) continue;
      entries.push(entry);
      if (entry.dir && entry.parts.length < 3) walk(entry.parts);
    }
  };
  walk([]);
  return entries;
}

function statPath(path: string) {
  try {
    return statSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${fileErrorReason(e)}`);
  }
}

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${fileErrorReason(e)}`);
  }
}
