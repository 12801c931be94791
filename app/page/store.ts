/**
 * Checkpoints kept in the browser's origin-private file system (OPFS). Each save writes its two files under
 * a new name, then replaces the small index.json that lists them: until that last write the old index
 * (and every file it names) is untouched, so an interrupted save never corrupts an earlier checkpoint.
 * createWritable() itself writes to a swap file that replaces the target only on close().
 */
import { CHECKPOINT_FILE, CONFIG_FILE } from '../../src/io/checkpoint';

export interface SavedEntry {
  id: string;
  name: string;
  step: number;
  task: string;
  learner: string;
  savedAt: string;
}

const DIR = 'metarnn-checkpoints';
const INDEX = 'index.json';

async function dir(): Promise<FileSystemDirectoryHandle> {
  if (!navigator.storage?.getDirectory)
    throw new Error('this browser has no origin-private file system (OPFS)');
  return (await navigator.storage.getDirectory()).getDirectoryHandle(DIR, { create: true });
}

async function writeFile(d: FileSystemDirectoryHandle, name: string, bytes: Uint8Array): Promise<void> {
  const w = await (await d.getFileHandle(name, { create: true })).createWritable();
  try {
    await w.write(bytes as Uint8Array<ArrayBuffer>);
    await w.close();
  } catch (e) {
    await w.abort().catch(() => {});
    throw e;
  }
}

const readBytes = async (d: FileSystemDirectoryHandle, name: string) =>
  new Uint8Array(await (await (await d.getFileHandle(name)).getFile()).arrayBuffer());

const files = (id: string) => ({ checkpoint: `${id}.${CHECKPOINT_FILE}`, config: `${id}.${CONFIG_FILE}` });

export async function list(): Promise<SavedEntry[]> {
  const d = await dir();
  try {
    return JSON.parse(new TextDecoder().decode(await readBytes(d, INDEX))) as SavedEntry[];
  } catch (e) {
    if ((e as DOMException).name === 'NotFoundError') return [];
    throw e;
  }
}

async function writeIndex(d: FileSystemDirectoryHandle, entries: SavedEntry[]): Promise<void> {
  await writeFile(d, INDEX, new TextEncoder().encode(JSON.stringify(entries, null, 1)));
}

export async function save(
  meta: Omit<SavedEntry, 'id' | 'savedAt'>,
  checkpoint: Uint8Array,
  config: Uint8Array,
): Promise<SavedEntry> {
  const d = await dir();
  const entry: SavedEntry = {
    ...meta,
    id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    savedAt: new Date().toISOString(),
  };
  const f = files(entry.id);
  await writeFile(d, f.checkpoint, checkpoint);
  await writeFile(d, f.config, config);
  await writeIndex(d, [...(await list()), entry]); // the switch: only now does the save exist
  return entry;
}

export async function read(id: string): Promise<{ checkpoint: Uint8Array; config: Uint8Array }> {
  const d = await dir();
  const f = files(id);
  return { checkpoint: await readBytes(d, f.checkpoint), config: await readBytes(d, f.config) };
}

/** Drops the entry from the index first, so a failure halfway leaves at worst unlisted files. */
export async function remove(id: string): Promise<void> {
  const d = await dir();
  await writeIndex(
    d,
    (await list()).filter((e) => e.id !== id),
  );
  for (const name of Object.values(files(id))) await d.removeEntry(name).catch(() => {});
}
