/**
 * The layout of the user's labelled images — `<label>/<image>`, or every label folder under one top folder —
 * with its caps, and reading it from a zip's bytes. Pure: the CLI reads folders and zips by path
 * (image_folder.ts), the page reads a zip the user picked, and both take the same files and refuse the same way.
 */
import { InputError } from '../runtime/errors';
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

export const LAYOUT = 'expected one folder per class: <label>/<image>.png|.jpg';
export const IMAGE = /\.(png|jpe?g)$/i;
/** Dotfiles, dot-folders and macOS's resource forks in zips are never the user's images. */
export const hidden = (part: string) => part.startsWith('.') || part === '__MACOSX';
export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A file or folder as listed, relative to the root, '/'-separated; `size` in bytes for files. */
export interface Entry {
  parts: string[];
  dir: boolean;
  size: number;
}

/**
 * Labelled images from a zip's bytes laid out as readLabelledImages (image_folder.ts) describes; `path` names
 * the zip in messages and in each image's `file` (`<path>/<entry>`).
 */
export function readLabelledZip(zip: Uint8Array, path: string): LabelledImage[] {
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
 * Which entries are the labelled images: unwraps a single top folder that holds the label folders, refuses
 * images next to label folders and label folders without images, then applies the caps.
 */
export function labelledLayout(entries: Entry[], path: string): { label: string; name: string }[] {
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

/** The caps on the chosen images: how many, each one's size and all together. */
export function checkCaps(images: { where: string; size: number }[], path: string): void {
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
