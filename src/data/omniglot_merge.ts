/**
 * Several Omniglot sources as one data set. The distributed splits overlap: images_background_small1.zip and
 * images_background_small2.zip both hold Greek and Latin, byte for byte, so a character must count once or
 * it would be two classes with the same drawings (and could sit on both sides of a train/test split).
 */
import { loadImageTree } from './image_tree';
import {
  compareCharacters,
  loadOmniglot,
  OmniglotError,
  type OmniglotCharacter,
  type OmniglotDataset,
  type OmniglotLoadOptions,
} from './omniglot';

export interface OmniglotPart {
  /** Named in messages (a path). */
  name: string;
  dataset: OmniglotDataset;
}

interface Kept {
  part: OmniglotPart;
  character: OmniglotCharacter;
}

/**
 * The union of `parts`' characters, keyed by alphabet and character folder. A character found in several
 * parts is kept once when its drawings are the same (same drawers, same pixels as loaded); the same
 * alphabet/character with other drawings is an error, since either choice would silently drop data.
 * Characters come out sorted as loadOmniglot sorts them, each with its drawers in their order.
 */
export function mergeOmniglot(parts: OmniglotPart[]): OmniglotDataset {
  if (!parts.length) throw new OmniglotError('no Omniglot data to merge: give at least one zip or folder');
  const size = parts[0].dataset.size;
  const odd = parts.find((p) => p.dataset.size !== size);
  if (odd) {
    throw new OmniglotError(
      `${odd.name} holds ${odd.dataset.size}×${odd.dataset.size} images, ${parts[0].name} ${size}×${size}: ` +
        'load every source at one size',
    );
  }
  const kept = new Map<string, Kept>();
  for (const part of parts) {
    for (const character of part.dataset.characters) {
      const key = `${character.alphabet}/${character.name}`;
      const first = kept.get(key);
      if (!first) kept.set(key, { part, character });
      else checkSame(key, first, { part, character });
    }
  }
  return pack(
    [...kept.values()].sort((a, b) => compareCharacters(a.character, b.character)),
    size,
  );
}

/** Throws unless both copies of a character have the same drawers and the same images. */
function checkSame(key: string, a: Kept, b: Kept): void {
  const why = difference(a, b);
  if (!why) return;
  throw new OmniglotError(
    `${key} is in both ${a.part.name} and ${b.part.name} with different drawings (${why}): they are not ` +
      'copies of one split; drop one of them (or rename an alphabet folder if the characters differ)',
  );
}

function difference(a: Kept, b: Kept): string | null {
  const [ca, cb] = [a.character, b.character];
  if (ca.count !== cb.count) return `${ca.count} drawings against ${cb.count}`;
  const da = a.part.dataset.drawers.subarray(ca.start, ca.start + ca.count);
  const db = b.part.dataset.drawers.subarray(cb.start, cb.start + cb.count);
  const d = da.findIndex((v, i) => v !== db[i]);
  if (d >= 0) return `drawing ${d + 1} is by drawer ${da[d]} against ${db[d]}`;
  const n = a.part.dataset.size ** 2;
  const ia = a.part.dataset.images.subarray(ca.start * n, (ca.start + ca.count) * n);
  const ib = b.part.dataset.images.subarray(cb.start * n, (cb.start + cb.count) * n);
  const p = ia.findIndex((v, i) => v !== ib[i]);
  if (p >= 0) return `drawer ${da[Math.floor(p / n)]}'s images differ`;
  return null;
}

/** Copies the kept characters' images and drawers into one data set, in the given order. */
function pack(kept: Kept[], size: number): OmniglotDataset {
  const n = size * size;
  const imageCount = kept.reduce((sum, k) => sum + k.character.count, 0);
  const images = new Float32Array(imageCount * n);
  const drawers = new Uint16Array(imageCount);
  const characters: OmniglotCharacter[] = [];
  let at = 0;
  for (const { part, character: c } of kept) {
    images.set(part.dataset.images.subarray(c.start * n, (c.start + c.count) * n), at * n);
    drawers.set(part.dataset.drawers.subarray(c.start, c.start + c.count), at);
    characters.push({ alphabet: c.alphabet, name: c.name, start: at, count: c.count });
    at += c.count;
  }
  const alphabets = [...new Set(characters.map((c) => c.alphabet))]; // sorted, as the characters are
  return { size, images, imageCount, drawers, alphabets, characters };
}

/** Loads each zip and merges them (a single zip is returned as loaded): what the page and the CLI both call. */
/**
 * How a source's images are laid out: 'omniglot', the original zips' strict `[<root>/]<alphabet>/characterNN/`
 * of PNGs (anything else is refused, e.g. the one-shot runs' zip), or 'tree', your own classes
 * (data/image_tree.ts: `<group>/<class>/<image>` or `<class>/<image>`, PNG or JPEG).
 */
export type ImageLayout = 'omniglot' | 'tree';

export function loadOmniglotSources(
  sources: { name: string; zip: Uint8Array }[],
  options: Omit<OmniglotLoadOptions, 'name'> & { layout?: ImageLayout } = {},
): OmniglotDataset {
  const load = (zip: Uint8Array, name: string) =>
    options.layout === 'tree'
      ? loadImageTree(zip, { name, size: options.size })
      : loadOmniglot(zip, { ...options, name });
  const parts = sources.map(({ name, zip }) => ({ name, dataset: load(zip, name) }));
  return parts.length === 1 ? parts[0].dataset : mergeOmniglot(parts);
}
