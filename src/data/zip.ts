/**
 * A zip reader that checks every size before using it, and an inflate that stops at the size it expects.
 * fflate's unzipSync inflates each entry into a buffer of its declared size but keeps decoding past it: one
 * 1 MB entry that claims to inflate to 300 bytes costs ~6 s of CPU (1 GB decoded and dropped), and entries
 * can share one stream. Here the central directory is read with bounds checks, and an entry that inflates
 * to more (or less) than it declares is refused as soon as that shows.
 */
import { Inflate, inflateSync, Unzlib, unzlibSync } from 'fflate';
import { InputError } from '../runtime/errors';

/** A damaged or unsupported zip; messages follow "not a readable zip file (…)". */
export class ZipError extends InputError {
  override name = 'ZipError';
}

/** Data that does not inflate to the size it should; messages follow the thing's name. */
export class InflateError extends InputError {
  override name = 'InflateError';
}

/** What the central directory says about an entry, before any of its data is read. */
export interface ZipEntry {
  name: string;
  /** Compressed bytes. */
  size: number;
  /** Declared uncompressed bytes. */
  originalSize: number;
  /** 0 stored, 8 deflate. */
  compression: number;
}

/**
 * Inputs up to this size are inflated in one call: however much a lying stream expands (deflate's maximum
 * is ~1032×), that is at most ~16 MB decoded and dropped before the size check sees it.
 */
const ONE_CALL_BYTES = 16 << 10;
/** Larger inputs are fed this much at a time, so that the output is checked every ~1 MB at most. */
const STREAM_STEP = 1 << 10;

/** Raw deflate (zip) or zlib (PNG) data that must inflate to exactly `size` bytes. */
export function inflateExact(data: Uint8Array, size: number, format: 'deflate' | 'zlib'): Uint8Array {
  const tooBig = () => new InflateError(`inflates to more than its ${size} bytes`);
  try {
    if (data.length <= ONE_CALL_BYTES) {
      // One spare byte: fflate drops what does not fit, so a full buffer means the stream went past `size`.
      const out = new Uint8Array(size + 1);
      const got = format === 'zlib' ? unzlibSync(data, { out }) : inflateSync(data, { out });
      if (got.length > size) throw tooBig();
      if (got.length < size) throw new InflateError(`inflates to ${got.length} bytes, not ${size}`);
      return out.subarray(0, size);
    }
    const out = new Uint8Array(size);
    let at = 0;
    const take = (chunk: Uint8Array) => {
      if (at + chunk.length > size) throw tooBig();
      out.set(chunk, at);
      at += chunk.length;
    };
    const stream = format === 'zlib' ? new Unzlib(take) : new Inflate(take);
    for (let i = 0; i < data.length; i += STREAM_STEP) stream.push(data.subarray(i, i + STREAM_STEP), false);
    stream.push(new Uint8Array(0), true);
    if (at < size) throw new InflateError(`inflates to ${at} bytes, not ${size}`);
    return out;
  } catch (e) {
    if (e instanceof InflateError) throw e;
    throw new InflateError(`does not inflate (${(e as Error).message})`);
  }
}

const u16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number) =>
  (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
const u64 = (b: Uint8Array, at: number) => u32(b, at) + u32(b, at + 4) * 2 ** 32;

const END = 0x06054b50;
const END64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Smallest central directory record (no name, extra field or comment). */
const CENTRAL_BYTES = 46;

/**
 * The entries `keep` accepts, by name. `keep` sees each entry's declared sizes before anything is read or
 * inflated, and may throw to stop (caps on counts and sizes). Stored entries are views into `zip`.
 */
export function unzipChecked(zip: Uint8Array, keep: (e: ZipEntry) => boolean): Record<string, Uint8Array> {
  const end = endRecord(zip);
  let count = u16(zip, end + 10);
  let dirSize = u32(zip, end + 12);
  let dirAt = u32(zip, end + 16);
  if (end >= 20 && u32(zip, end - 20) === LOCATOR64) {
    const at = u64(zip, end - 12);
    if (at + 56 > end - 20 || u32(zip, at) !== END64)
      throw new ZipError('a zip64 locator without its record');
    [count, dirSize, dirAt] = [u64(zip, at + 32), u64(zip, at + 40), u64(zip, at + 48)];
  }
  if (dirAt + dirSize > zip.length) {
    throw new ZipError(
      `its directory (${dirSize} bytes at byte ${dirAt}) runs past the end (${zip.length} bytes)`,
    );
  }
  if (count * CENTRAL_BYTES > dirSize) {
    throw new ZipError(`its directory of ${dirSize} bytes cannot hold the ${count} entries it declares`);
  }
  const dirEnd = dirAt + dirSize;
  // No prototype: an entry named '__proto__' is an entry, not a prototype.
  const files: Record<string, Uint8Array> = Object.create(null);
  const utf8 = new TextDecoder();
  for (let i = 0, at = dirAt; i < count; i++) {
    if (at + CENTRAL_BYTES > dirEnd || u32(zip, at) !== CENTRAL) {
      throw new ZipError(`directory entry ${i + 1} of ${count} (at byte ${at}) is damaged`);
    }
    const flags = u16(zip, at + 8);
    const compression = u16(zip, at + 10);
    const size = u32(zip, at + 20);
    const originalSize = u32(zip, at + 24);
    const nameEnd = at + CENTRAL_BYTES + u16(zip, at + 28);
    const local = u32(zip, at + 42);
    const next = nameEnd + u16(zip, at + 30) + u16(zip, at + 32);
    if (next > dirEnd) throw new ZipError(`directory entry ${i + 1} of ${count} runs past the directory`);
    const nameBytes = zip.subarray(at + CENTRAL_BYTES, nameEnd);
    // Bit 11: UTF-8 names; otherwise code page 437, read as Latin-1 as fflate does (Omniglot's are ASCII).
    const name = flags & 0x800 ? utf8.decode(nameBytes) : String.fromCharCode(...nameBytes);
    at = next;
    if (!keep({ name, size, originalSize, compression })) continue;
    if (flags & 1) throw new ZipError(`'${name}' is encrypted`);
    if (local + 30 > zip.length || u32(zip, local) !== LOCAL) {
      throw new ZipError(`'${name}' has no local header at byte ${local}`);
    }
    const start = local + 30 + u16(zip, local + 26) + u16(zip, local + 28);
    if (start + size > zip.length) {
      throw new ZipError(`'${name}': ${size} bytes at byte ${start} run past the end (${zip.length} bytes)`);
    }
    const data = zip.subarray(start, start + size);
    if (compression === 0) {
      if (size !== originalSize)
        throw new ZipError(`'${name}' is stored as ${size} bytes but declares ${originalSize}`);
      files[name] = data;
    } else if (compression === 8) {
      try {
        files[name] = inflateExact(data, originalSize, 'deflate');
      } catch (e) {
        if (e instanceof InflateError) throw new ZipError(`'${name}' ${e.message}`);
        throw e;
      }
    } else {
      throw new ZipError(
        `'${name}' uses compression method ${compression}; stored (0) and deflate (8) are read`,
      );
    }
  }
  return files;
}

/** The end-of-central-directory record: the last one, within the 64 KB a comment may take. */
function endRecord(zip: Uint8Array): number {
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (u32(zip, at) === END) return at;
  }
  throw new ZipError('no end-of-directory record: not a zip file, or a truncated one');
}
