/**
 * Node-only: reads Omniglot from paths the user gives, each a zip or a folder in a zip's layout (the page
 * receives zip bytes instead, see app/harness.ts). Kept apart from omniglot.ts so that the page bundle never
 * imports node:fs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { fileErrorReason } from '../runtime/errors';
import {
  loadOmniglot,
  OMNIGLOT_LIMITS,
  OmniglotError,
  type OmniglotDataset,
  type OmniglotLoadOptions,
} from './omniglot';
import { loadOmniglotSources, type ImageLayout } from './omniglot_merge';

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

const PNG_FILE = /\.png$/i;
const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** An Omniglot source as zip bytes: a zip as it is, a folder packed by zipFolder. */
export function readOmniglotSource(path: string, layout: ImageLayout = 'omniglot'): Uint8Array {
  let folder: boolean;
  try {
    folder = statSync(path).isDirectory();
  } catch (e) {
    throw new OmniglotError(`cannot read ${path}: ${fileErrorReason(e)}`);
  }
  return folder ? zipFolder(path, layout === 'tree' ? IMAGE_FILE : PNG_FILE) : readDataFile(path);
}

/**
 * A folder's .png files (dotfiles and dot-folders skipped) as an uncompressed zip, so that the page and
 * loadOmniglot read a folder exactly as they read a zip. Entries sit under the folder's own name, so that a
 * single alphabet's folder still has the <alphabet>/characterNN/ parents loadOmniglot looks for. The caps
 * are OMNIGLOT_LIMITS', checked before each file is read.
 */
export function zipFolder(dir: string, keep: RegExp = PNG_FILE): Uint8Array {
  const files: Zippable = {};
  const seen = { entries: 0, pngs: 0, bytes: 0 };
  const walk = (folder: string, prefix: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (name.startsWith('.')) continue;
      if (++seen.entries > OMNIGLOT_LIMITS.files) {
        throw new OmniglotError(
          `${dir}: more than ${OMNIGLOT_LIMITS.files} files and folders: not an Omniglot folder`,
        );
      }
      const path = join(folder, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path, `${prefix}${name}/`);
      else if (st.isFile() && keep.test(name)) {
        checkFolderPng(dir, path, st.size, seen);
        files[`${prefix}${name}`] = [readFileSync(path), { level: 0 }];
      }
    }
  };
  try {
    walk(dir, `${basename(resolve(dir))}/`);
  } catch (e) {
    if (e instanceof OmniglotError) throw e;
    throw new OmniglotError(`cannot read ${(e as { path?: string }).path ?? dir}: ${fileErrorReason(e)}`);
  }
  if (!seen.pngs) {
    throw new OmniglotError(
      `cannot read ${dir}: is a directory with no .png files in it (give an Omniglot zip, or a folder ` +
        'in its layout: [<root>/]<alphabet>/characterNN/<id>_<drawer>.png)',
    );
  }
  return zipSync(files);
}

/** The same caps unzipImages applies to a zip's entries, here before a file is read. */
function checkFolderPng(dir: string, path: string, size: number, seen: { pngs: number; bytes: number }) {
  if (++seen.pngs > OMNIGLOT_LIMITS.images) {
    throw new OmniglotError(`${dir}: more than ${OMNIGLOT_LIMITS.images} images (Omniglot has 32,460)`);
  }
  if (size > OMNIGLOT_LIMITS.pngBytes) {
    throw new OmniglotError(
      `${path} is ${size} bytes; an Omniglot PNG is under ${OMNIGLOT_LIMITS.pngBytes}: scale it down first`,
    );
  }
  seen.bytes += size;
  if (seen.bytes > OMNIGLOT_LIMITS.totalBytes) {
    throw new OmniglotError(
      `${dir}: its .png files come to over ${seen.bytes} bytes, over the cap of ` +
        `${OMNIGLOT_LIMITS.totalBytes} (Omniglot's are about 8 MB in all)`,
    );
  }
}

/** One Omniglot zip or folder. */
export function loadOmniglotFile(path: string, options: OmniglotLoadOptions = {}): OmniglotDataset {
  return loadOmniglot(readOmniglotSource(path), { name: path, ...options });
}

/** Several Omniglot zips or folders as one data set, characters found in several counted once. */
export function loadOmniglotFiles(
  paths: string[],
  options: Omit<OmniglotLoadOptions, 'name'> = {},
): OmniglotDataset {
  return loadOmniglotSources(
    paths.map((path) => ({ name: path, zip: readOmniglotSource(path) })),
    options,
  );
}
