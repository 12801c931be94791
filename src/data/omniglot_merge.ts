/**
 * Several Omniglot sources as one data set. The distributed splits overlap: images_background_small1.zip and
 * images_background_small2.zip both hold Greek and Latin, byte for byte, so a character must count once or
 * it would be two classes with the same drawings (and could sit on both sides of a train/test split).
 */
import { indexImageTree, loadImageTree } from './image_tree';
import {
  compareCharacters,
  indexOmniglot,
  loadOmniglot,
  OmniglotError,
  type OmniglotCharacter,
  type OmniglotDataset,
  type OmniglotIndex,
  type OmniglotLoadOptions,
} from './omniglot';

/** A source as loaded (a data set) or as listed (an index, no images), named in messages. */
export interface OmniglotPart<D extends OmniglotIndex = OmniglotDataset> {
  /** Named in messages (a path). */
  name: string;
  dataset: D;
}

interface Kept<D extends OmniglotIndex> {
  part: OmniglotPart<D>;
  character: OmniglotCharacter;
}

/**
 * The union of `parts`' characters, keyed by alphabet and character folder. A character found in several
 * parts is kept once when its drawings are the same (same drawers, same pixels as loaded); the same
 * alphabet/character with other drawings is an error, since either choice would silently drop data.
 * Characters come out sorted as loadOmniglot sorts them, each with its drawers in their order.
 */
export function mergeOmniglot(parts: OmniglotPart[]): OmniglotDataset {
  const size = parts[0]?.dataset.size;
  const odd = parts.find((p) => p.dataset.size !== size);
  if (odd) {
    throw new OmniglotError(
      `${odd.name} holds ${odd.dataset.size}×${odd.dataset.size} images, ${parts[0].name} ${size}×${size}: ` +
        'load every source at one size',
    );
  }
  const kept = keptCharacters(parts);
  const n = size * size;
  const { index, from } = packIndex(kept);
  const images = new Float32Array(index.imageCount * n);
  kept.forEach(({ part, character: c }, i) =>
    images.set(part.dataset.images.subarray(c.start * n, (c.start + c.count) * n), from[i] * n),
  );
  return { size, images, ...index };
}

/**
 * mergeOmniglot on listings: the same characters kept, the same conflicts refused as far as a listing shows
 * them (counts and drawers); copies that differ only in pixels are found when the images are loaded.
 */
export function mergeOmniglotIndex(parts: OmniglotPart<OmniglotIndex>[]): OmniglotIndex {
  return packIndex(keptCharacters(parts)).index;
}

/** Each alphabet/character once, sorted, after checking that its copies are the same. */
function keptCharacters<D extends OmniglotIndex>(parts: OmniglotPart<D>[]): Kept<D>[] {
  if (!parts.length) throw new OmniglotError('no Omniglot data to merge: give at least one zip or folder');
  const kept = new Map<string, Kept<D>>();
  for (const part of parts) {
    for (const character of part.dataset.characters) {
      const key = `${character.alphabet}/${character.name}`;
      const first = kept.get(key);
      if (!first) kept.set(key, { part, character });
      else checkSame(key, first, { part, character });
    }
  }
  return [...kept.values()].sort((a, b) => compareCharacters(a.character, b.character));
}

/** Throws unless both copies of a character have the same drawers and (where loaded) the same images. */
function checkSame<D extends OmniglotIndex>(key: string, a: Kept<D>, b: Kept<D>): void {
  const why = difference(a, b);
  if (!why) return;
  throw new OmniglotError(
    `${key} is in both ${a.part.name} and ${b.part.name} with different drawings (${why}): they are not ` +
      'copies of one split; drop one of them (or rename an alphabet folder if the characters differ)',
  );
}

function difference<D extends OmniglotIndex>(a: Kept<D>, b: Kept<D>): string | null {
  const [ca, cb] = [a.character, b.character];
  if (ca.count !== cb.count) return `${ca.count} drawings against ${cb.count}`;
  const da = a.part.dataset.drawers.subarray(ca.start, ca.start + ca.count);
  const db = b.part.dataset.drawers.subarray(cb.start, cb.start + cb.count);
  const d = da.findIndex((v, i) => v !== db[i]);
  if (d >= 0) return `drawing ${d + 1} is by drawer ${da[d]} against ${db[d]}`;
  const [A, B] = [a.part.dataset, b.part.dataset] as Partial<OmniglotDataset>[];
  if (!A.images || !B.images) return null; // listings: the pixels are compared when loaded
  const n = A.size! ** 2;
  const ia = A.images.subarray(ca.start * n, (ca.start + ca.count) * n);
  const ib = B.images.subarray(cb.start * n, (cb.start + cb.count) * n);
  const p = ia.findIndex((v, i) => v !== ib[i]);
  if (p >= 0) return `drawer ${da[Math.floor(p / n)]}'s images differ`;
  return null;
}

/** The kept characters' drawers as one index, in the given order, and where each one's images start. */
function packIndex<D extends OmniglotIndex>(kept: Kept<D>[]): { index: OmniglotIndex; from: number[] } {
  const imageCount = kept.reduce((sum, k) => sum + k.character.count, 0);
  const drawers = new Uint16Array(imageCount);
  const characters: OmniglotCharacter[] = [];
  const from: number[] = [];
  let at = 0;
  for (const { part, character: c } of kept) {
    drawers.set(part.dataset.drawers.subarray(c.start, c.start + c.count), at);
    characters.push({ alphabet: c.alphabet, name: c.name, start: at, count: c.count });
    from.push(at);
    at += c.count;
  }
  const alphabets = [...new Set(characters.map((c) => c.alphabet))]; // sorted, as the characters are
  return { index: { imageCount, drawers, alphabets, characters }, from };
}

/**
 * How a source's images are laid out: 'omniglot', the original zips' strict `[<root>/]<alphabet>/characterNN/`
 * of PNGs (anything else is refused, e.g. the one-shot runs' zip), or 'tree', your own classes
 * (data/image_tree.ts: `<group>/<class>/<image>` or `<class>/<image>`, PNG or JPEG).
 */
export type ImageLayout = 'omniglot' | 'tree';

/** Loads each zip and merges them (a single zip is returned as loaded): what the page and the CLI both call. */
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

/** What loadOmniglotSources would load, from the zips' listings: no image is inflated or decoded. */
export function indexOmniglotSources(
  sources: { name: string; zip: Uint8Array }[],
  options: { layout?: ImageLayout } = {},
): OmniglotIndex {
  const index = (zip: Uint8Array, name: string) =>
    options.layout === 'tree' ? indexImageTree(zip, { name }) : indexOmniglot(zip, { name });
  const parts = sources.map(({ name, zip }) => ({ name, dataset: index(zip, name) }));
  return parts.length === 1 ? parts[0].dataset : mergeOmniglotIndex(parts);
}
