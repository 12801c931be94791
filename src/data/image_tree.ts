/**
 * Your own image classes as a few-shot data set (`train --task images`): a tree `<group>/<class>/<image>`
 * (Omniglot's `<alphabet>/<character>/` is one case) or `<class>/<image>` with no groups, in a zip or a
 * folder (packed as a zip by data/omniglot_file.ts), under one top folder or none. PNG or JPEG of any size,
 * colour or polarity, each read as data/user_images.ts reads the images `metarnn predict` classifies: the
 * classes are what the classifier meta-trains on, split train / validation / test by group as Omniglot is
 * by alphabet. Without groups every class is its own group, so the split divides classes.
 */
import {
  indexClasses,
  listImages,
  OmniglotError,
  unzipImages,
  type ClassFiles,
  type OmniglotDataset,
  type OmniglotIndex,
} from './omniglot';
import { userImage } from './user_images';

const IMAGE = /\.(png|jpe?g)$/i;
const isImage = (p: string) => IMAGE.test(p);

export interface ImageTreeOptions {
  /** Named in messages (a path). */
  name?: string;
  /** Output side length (28). */
  size?: number;
}

/** The classes of an image tree (zip bytes), as loadOmniglot's data set: groups are its alphabets. */
export function loadImageTree(zip: Uint8Array, options: ImageTreeOptions = {}): OmniglotDataset {
  const name = options.name ?? 'the zip';
  const size = options.size ?? 28;
  const files = unzipImages(zip, name, isImage);
  const { index, paths } = indexClasses(treeClasses(Object.keys(files), name));
  const pixels = size * size;
  const images = new Float32Array(index.imageCount * pixels);
  paths.forEach((f, at) => images.set(userImage(files[f], `${name}: ${f}`, size), at * pixels));
  return { size, images, ...index };
}

/** loadImageTree's data set without its images: the zip's listing only, nothing inflated or decoded. */
export function indexImageTree(zip: Uint8Array, options: Pick<ImageTreeOptions, 'name'> = {}): OmniglotIndex {
  const name = options.name ?? 'the zip';
  return indexClasses(treeClasses(listImages(zip, name, isImage), name)).index;
}

/** The classes of an image tree's image paths, each with its files in name order. */
function treeClasses(files: string[], name: string): ClassFiles[] {
  let paths = files.map((p) => p.split('/'));
  if (!paths.length) throw new OmniglotError(`${name}: no PNG or JPEG images in it`);
  // One top folder around everything (a zipped folder, or zipFolder's own prefix) is not a level.
  const tops = new Set(paths.map((p) => p[0]));
  if (tops.size === 1 && paths.every((p) => p.length >= 3)) paths = paths.map((p) => p.slice(1));
  const depths = new Set(paths.map((p) => p.length));
  if (depths.size !== 1 || !(depths.has(2) || depths.has(3))) {
    const odd = paths.find((p) => p.length < 2 || p.length > 3) ?? paths[0];
    throw new OmniglotError(
      `${name}: wrong layout at '${odd.join('/')}': expected every image at <class>/<image> or at ` +
        '<group>/<class>/<image> (one top folder around them is fine), all at the same depth',
    );
  }
  const original = new Map(files.map((k) => [k.split('/').slice(-paths[0].length).join('/'), k]));
  const byClass = new Map<string, { alphabet: string; name: string; files: string[] }>();
  for (const p of paths) {
    const cls = p[p.length - 2];
    const group = p.length === 3 ? p[0] : cls;
    const key = `${group}/${cls}`;
    const entry = byClass.get(key) ?? { alphabet: group, name: cls, files: [] };
    entry.files.push(original.get(p.join('/'))!);
    byClass.set(key, entry);
  }
  // No drawers here: the file order stands in.
  return [...byClass.values()].map((c) => {
    const sorted = c.files.sort();
    return { ...c, files: sorted, drawers: sorted.map((_, i) => Math.min(i + 1, 0xffff)) };
  });
}
