/**
 * PNG checks before decoding. fast-png trusts its input: it allocates from whichever IHDR it read last and
 * inflates IDAT and iCCP data without a bound, so a few hundred bytes can ask for gigabytes. Here the chunks
 * are walked first, the header checked (the caller then checks the size it expects), the image data inflated
 * against the exact size the header implies, and only then does fast-png decode, given the critical chunks
 * alone (text, colour profiles and animation chunks are dropped unread).
 */
import { decode, type DecodedPng } from 'fast-png';
import { InputError } from '../runtime/errors';
import { inflateExact, InflateError } from './zip';

/** A PNG that cannot be read; messages follow the file's name ("'a.png' is not a readable PNG (…)"). */
export class PngError extends InputError {
  override name = 'PngError';
}

export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  channels: number;
}

export interface PngChunks {
  header: PngHeader;
  /** IHDR, PLTE, tRNS, IDAT and IEND as they appear in the file, CRC included. */
  critical: Uint8Array[];
  /** The IDAT chunks' data, in order. */
  idat: Uint8Array[];
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Channels and allowed bit depths per colour type (PNG specification, table 11.1). */
const FORMATS: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
const CRITICAL = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);
/** Decoded size refused whatever the caller expects (a 105×105 RGBA 16-bit image is 88 KB). */
const PNG_MAX_RAW_BYTES = 64 << 20;

const unreadable = (why: string) => new PngError(`is not a readable PNG (${why})`);

/** Walks the chunks of a PNG and checks its header; allocates nothing sized by what it reads. */
export function readPngChunks(bytes: Uint8Array): PngChunks {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw unreadable('no PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const critical: Uint8Array[] = [];
  const idat: Uint8Array[] = [];
  let header: PngHeader | null = null;
  let palette = false;
  for (let at = 8; ;) {
    if (at + 12 > bytes.length) throw unreadable(`truncated at byte ${at}, before an IEND chunk`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw unreadable(`no chunk type at byte ${at + 4}`);
    if (length > bytes.length - at - 12) {
      throw unreadable(
        `chunk ${type} at byte ${at} declares ${length} bytes; ${bytes.length - at - 12} follow`,
      );
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (!header && type !== 'IHDR') throw unreadable(`the first chunk is ${type}, not IHDR`);
    if (type === 'IHDR') {
      if (header) throw unreadable('more than one IHDR chunk');
      header = readHeader(data);
    } else if (type === 'PLTE') {
      if (palette) throw unreadable('more than one PLTE chunk');
      if (length === 0 || length % 3 || length > 768) throw unreadable(`a PLTE chunk of ${length} bytes`);
      palette = true;
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    if (CRITICAL.has(type)) critical.push(bytes.subarray(at, at + 12 + length));
    at += 12 + length;
    if (type === 'IEND') break;
  }
  if (!idat.length) throw unreadable('no IDAT chunk');
  if (header!.colorType === 3 && !palette) throw unreadable('a palette image without a PLTE chunk');
  return { header: header!, critical, idat };
}

function readHeader(data: Uint8Array): PngHeader {
  if (data.length !== 13) throw unreadable(`an IHDR chunk of ${data.length} bytes, not 13`);
  const view = new DataView(data.buffer, data.byteOffset, 13);
  const [width, height] = [view.getUint32(0), view.getUint32(4)];
  const [depth, colorType, compression, filter, interlace] = data.subarray(8, 13);
  const format = FORMATS[colorType];
  if (!format) throw unreadable(`colour type ${colorType}`);
  if (!format.depths.includes(depth)) throw unreadable(`bit depth ${depth} with colour type ${colorType}`);
  if (compression !== 0 || filter !== 0) throw unreadable(`compression ${compression}, filter ${filter}`);
  // fast-png unpacks interlaced images of < 8 bits wrongly, and no Omniglot image is interlaced.
  if (interlace !== 0) throw unreadable(`interlace method ${interlace}; only non-interlaced PNGs are read`);
  return { width, height, depth, colorType, channels: format.channels };
}

/** Bytes of filtered scanlines the header implies: one filter byte and the packed samples per row. */
const rawSize = (h: PngHeader): number => h.height * (1 + Math.ceil((h.width * h.channels * h.depth) / 8));

/**
 * Decodes checked chunks (the caller has checked the header's size): the image data must inflate to exactly
 * the size the header implies, and inflation stops once it passes that size.
 */
export function decodePngChunks(png: PngChunks): DecodedPng {
  const h = png.header;
  const expected = rawSize(h);
  if (expected > PNG_MAX_RAW_BYTES) {
    throw unreadable(`${h.width}×${h.height} needs ${expected} bytes, over the cap of ${PNG_MAX_RAW_BYTES}`);
  }
  try {
    inflateExact(concat(png.idat), expected, 'zlib');
  } catch (e) {
    if (!(e instanceof InflateError)) throw e;
    const image = `a ${h.width}×${h.height} image of ${h.channels}×${h.depth}-bit samples has ${expected} bytes`;
    throw unreadable(`its image data ${e.message}; ${image}`);
  }
  const file = concat([Uint8Array.from(SIGNATURE), ...png.critical]);
  let decoded: DecodedPng;
  try {
    decoded = decode(file, { checkCrc: true });
  } catch (e) {
    throw unreadable((e as Error).message);
  }
  const samples =
    h.depth < 8
      ? h.height * Math.ceil((h.width * h.channels * h.depth) / 8)
      : h.width * h.height * h.channels;
  if (decoded.width !== h.width || decoded.height !== h.height || decoded.data.length !== samples) {
    throw unreadable(`decoded ${decoded.width}×${decoded.height} with ${decoded.data.length} samples`);
  }
  return decoded;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
