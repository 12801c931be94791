/**
 * Node-only: the user's own images by path, for a trained classifier — labelled ones (a folder or a zip of
 * `<label>/<image>`) and query ones (files or folders of images). Only the bytes are read here; decoding is
 * user_images.ts, which the page uses too. Kept apart so that the page bundle never imports node:fs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileErrorReason, InputError } from '../runtime/errors';
import { readDataFile } from './omniglot_file';
import { unzipChecked, ZipError } from './zip';

/**
 * Caps checked before anything is read or inflated: a few-shot support set is tens of images, so these only
 * stop a wrong path (a home folder, a photo library) or a zip bomb. `entries` bounds the listing itself.
 */
export const IMAGE_FOLDER_LIMITS = {
  images: 10_000,
  imageBytes: 32 << 20,
  totalBytes: 1 << 30,
  entries: 100_000,
} as const;

export interface LabelledImage {
  /** The class folder's name. */
  label: string;
  /** Where it was read, for messages: the file's path, or `<zip>/<entry>`. */
  file: string;
  bytes: Uint8Array;
}

export interface QueryImage {
  /** The path as given, or joined to its folder's. */
  file: string;
  bytes: Uint8Array;
}

const LAYOUT = 'expected one folder per class: <label>/<image>.png|.jpg';
const IMAGE = /\.(png|jpe?g)$/i;
/** Dotfiles, dot-folders and macOS's resource forks in zips are never the user's images. */
const hidden = (part: string) => part.startsWith('.') || part === '__MACOSX';
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A file or folder as listed, relative to the root, '/'-separated; `size` in bytes for files. */
interface Entry {
  parts: string[];
  dir: boolean;
  size: number;
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
  const zip = readDataFile(path);
  const entries: Entry[] = [];
  unzip(zip, path, (name, size) => {
    if (entries.length >= IMAGE_FOLDER_LIMITS.entries) {
      throw new InputError(
        `${path}: more than ${IMAGE_FOLDER_LIMITS.entries} entries: not a folder of images`,
      );
    }
    const parts = name.split('/').filter(Boolean);
    if (parts.length) entries.push({ parts, dir: name.endsWith('/'), size });
    return false;
  });
  const chosen = labelledLayout(entries, path);
  const wanted = new Set(chosen.map((c) => c.name));
  const files = unzip(zip, path, (name) => wanted.has(name));
  return chosen.map(({ label, name }) => ({ label, file: `${path}/${name}`, bytes: files[name] }));
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

/**
 * Which entries are the labelled images: unwraps a single top folder that holds the label folders, refuses
 * images next to label folders and label folders without images, then applies the caps.
 */
function labelledLayout(entries: Entry[], path: string): { label: string; name: string }[] {
  let visible = entries.filter((e) => !e.parts.some(hidden));
  let prefix: string[] = [];
  const tops = new Set(visible.filter((e) => e.parts.length > 1 || e.dir).map((e) => e.parts[0]));
  const isImage = (e: Entry) => !e.dir && IMAGE.test(e.parts[e.parts.length - 1]);
  const topImages = (es: Entry[]) => es.filter((e) => e.parts.length === 1 && isImage(e));
  if (tops.size === 1 && !topImages(visible).length) {
    // One top folder with no images of its own but folders of them: the folder a zip was made of.
    const inner = visible.map((e) => ({ ...e, parts: e.parts.slice(1) })).filter((e) => e.parts.length);
    if (inner.some((e) => e.parts.length === 2 && isImage(e))) {
      prefix = [...tops];
      visible = inner;
    }
  }
  const where = [path, ...prefix].join('/');
  const labels = [...new Set(visible.filter((e) => e.parts.length > 1 || e.dir).map((e) => e.parts[0]))].sort(
    compare,
  );
  const stray = topImages(visible);
  if (!labels.length) {
    const seen = stray.length ? ` (${stray.length} images directly in it)` : '';
    throw new InputError(`${where}: no label folders${seen}; ${LAYOUT}`);
  }
  if (stray.length) {
    throw new InputError(
      `${where}: '${stray[0].parts[0]}' sits next to the label folders; ${LAYOUT} (move or remove the ` +
        `${stray.length} images at the top level)`,
    );
  }
  const chosen: { label: string; name: string; size: number }[] = [];
  for (const label of labels) {
    const images = visible
      .filter((e) => e.parts.length === 2 && e.parts[0] === label && isImage(e))
      .map((e) => ({ label, name: [...prefix, ...e.parts].join('/'), size: e.size }))
      .sort((a, b) => compare(a.name, b.name));
    if (!images.length) throw new InputError(`${where}/${label}: no PNG or JPEG images in this class folder`);
    chosen.push(...images);
  }
  checkCaps(
    chosen.map((c) => ({ where: `${path}/${c.name}`, size: c.size })),
    path,
  );
  return chosen;
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

function checkCaps(images: { where: string; size: number }[], path: string): void {
  const { images: most, imageBytes, totalBytes } = IMAGE_FOLDER_LIMITS;
  if (images.length > most) {
    throw new InputError(`${path}: ${images.length} images, over the cap of ${most}`);
  }
  let total = 0;
  for (const { where, size } of images) {
    if (size > imageBytes) {
      throw new InputError(
        `${where}: ${size} bytes, over the cap of ${imageBytes} (32 MiB): scale it down first`,
      );
    }
    total += size;
  }
  if (total > totalBytes) {
    throw new InputError(`${path}: the images come to ${total} bytes, over the cap of ${totalBytes} (1 GiB)`);
  }
}

/** unzipChecked with each entry's larger declared size (stored: compressed; deflated: inflated). */
function unzip(
  zip: Uint8Array,
  path: string,
  keep: (name: string, size: number) => boolean,
): Record<string, Uint8Array> {
  try {
    return unzipChecked(zip, (e) => keep(e.name, Math.max(e.size, e.originalSize)));
  } catch (e) {
    if (e instanceof ZipError)
      throw new InputError(`${path}: not a folder or a readable zip file (${e.message})`);
    throw e;
  }
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
