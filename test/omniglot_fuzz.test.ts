/**
 * The Omniglot zip and PNG readers under fuzzing: seeded, reproducible mutations of a small valid zip in
 * Omniglot's layout and of its PNGs. Each input must load (with every pixel a finite ink value in [0, 1]) or
 * be refused with an OmniglotError; never a TypeError/RangeError, never a hang, and never an allocation sized
 * by a number read from the input (zip bombs, huge declared sizes, dimensions and entry counts are refused
 * against OMNIGLOT_LIMITS before anything that large exists).
 */
import { expect, test } from '@playwright/test';
import { zipSync, zlibSync, type Zippable } from 'fflate';
import { encode } from 'fast-png';
import { loadOmniglot, omniglotImageFromPng, OMNIGLOT_LIMITS, OmniglotError } from '../src/data/omniglot';
import { rng } from '../src/layout/random';
import { concat, mutateBytes } from './mutate';

const N = 10_000;
/**
 * CPU time per input (not wall time, which other processes on the machine stretch): far above any input
 * here that is read honestly (< 100 ms), so a case this slow has found a pathological path.
 */
const CASE_MS = 1_000;
const ROOT = 'images_fuzz/';

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** A PNG chunk with a correct CRC, so that mutations reach the decoder rather than the CRC check. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  view(out).setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view(out).setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

interface Chunk {
  at: number;
  length: number;
  type: string;
}
/** The chunks of a well-formed PNG (the fuzzer's own inputs, before mutation). */
function chunksOf(png: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  for (let at = 8; at + 12 <= png.length;) {
    const length = view(png).getUint32(at);
    out.push({ at, length, type: String.fromCharCode(...png.subarray(at + 4, at + 8)) });
    at += 12 + length;
  }
  return out;
}

/** Rewrites a chunk's CRC after its data changed. */
function fixCrc(png: Uint8Array, c: Chunk): void {
  if (c.at + 12 + c.length > png.length) return;
  view(png).setUint32(c.at + 8 + c.length, crc32(png.subarray(c.at + 4, c.at + 8 + c.length)));
}

const HUGE_U32 = [0, 1, 104, 106, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** 105×105 ink pattern k: a band of strokes, so that images differ. */
const ink = (k: number) => (y: number, x: number) => Math.floor((x + y * (k % 3)) / 15) % 7 === k % 7;

/** The PNG formats an image may come in: Omniglot's own 1-bit grey, 8-bit grey, RGBA, a palette, 16-bit. */
function pngVariant(k: number, format: number): Uint8Array {
  const n = 105;
  const on = ink(k);
  if (format === 0) {
    const rowBytes = Math.ceil(n / 8);
    const data = new Uint8Array(rowBytes * n).fill(0xff);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) if (on(y, x)) data[y * rowBytes + (x >> 3)] &= ~(0x80 >> (x & 7));
    return encode({ width: n, height: n, data, depth: 1, channels: 1 });
  }
  if (format === 1) {
    const data = Uint8Array.from({ length: n * n }, (_, i) => (on(Math.floor(i / n), i % n) ? 0 : 255));
    return encode({ width: n, height: n, data, depth: 8, channels: 1 });
  }
  if (format === 2) {
    const data = new Uint8Array(n * n * 4);
    for (let i = 0; i < n * n; i++)
      data.set(on(Math.floor(i / n), i % n) ? [0, 0, 0, 255] : [255, 255, 255, 0], i * 4);
    return encode({ width: n, height: n, data, depth: 8, channels: 4 });
  }
  if (format === 3) {
    const data = Uint8Array.from({ length: n * n }, (_, i) => (on(Math.floor(i / n), i % n) ? 1 : 0));
    return encode({
      width: n,
      height: n,
      data,
      depth: 8,
      channels: 1,
      palette: [
        [255, 255, 255],
        [0, 0, 0],
      ],
    });
  }
  const data = Uint16Array.from({ length: n * n }, (_, i) => (on(Math.floor(i / n), i % n) ? 0 : 65535));
  return encode({ width: n, height: n, data, depth: 16, channels: 1 });
}

/** zlib data that inflates to `bytes` zeros: about 1 KB per MB. */
const bombStream = (bytes: number) => zlibSync(new Uint8Array(bytes), { level: 9 });

/** Structure-aware PNG mutations, on top of byte-level ones. */
function mutatePng(src: Uint8Array, rand: Rand, bombs: { idat: Uint8Array; iccp: Uint8Array }): Uint8Array {
  let png: Uint8Array = Uint8Array.from(src);
  const ops = 1 + Math.floor(rand() * 2);
  for (let o = 0; o < ops; o++) {
    const chunks = chunksOf(png);
    const c = chunks.length ? pick(rand, chunks) : null;
    const fix = rand() < 0.7;
    switch (Math.floor(rand() * 9)) {
      case 0:
        png = mutateBytes(png, rand);
        break;
      case 1: // a declared chunk length that lies
        if (c) view(png).setUint32(c.at, pick(rand, [...HUGE_U32, c.length + 1, c.length - 1]) >>> 0);
        break;
      case 2: {
        // huge or wrong declared image dimensions
        const ihdr = chunks.find((k) => k.type === 'IHDR');
        if (ihdr && ihdr.at + 16 <= png.length) {
          view(png).setUint32(ihdr.at + 8 + (rand() < 0.5 ? 0 : 4), pick(rand, HUGE_U32));
          if (fix) fixCrc(png, ihdr);
        }
        break;
      }
      case 3: {
        // bit depth, colour type, compression, filter or interlace: valid alternatives and garbage
        const ihdr = chunks.find((k) => k.type === 'IHDR');
        if (ihdr && ihdr.at + 21 <= png.length) {
          const field = 16 + Math.floor(rand() * 5);
          png[ihdr.at + field] =
            rand() < 0.6 ? pick(rand, [0, 1, 2, 3, 4, 6, 8, 16]) : Math.floor(rand() * 256);
          if (fix) fixCrc(png, ihdr);
        }
        break;
      }
      case 4: // a duplicated chunk (a second IHDR, IDAT, PLTE, IEND…)
        if (c) {
          const copy = png.slice(c.at, Math.min(png.length, c.at + 12 + c.length));
          if (c.type === 'IHDR' && copy.length >= 25) {
            view(copy).setUint32(8, pick(rand, HUGE_U32));
            view(copy).setUint32(12, pick(rand, HUGE_U32));
            if (fix) fixCrc(copy, { at: 0, length: 13, type: 'IHDR' });
          }
          const at = rand() < 0.5 ? c.at : c.at + copy.length;
          png = concat(png.subarray(0, at), copy, png.subarray(at));
        }
        break;
      case 5: {
        // IDAT that inflates to far more than a 105×105 image (a decompression bomb inside the PNG)
        const idat = chunks.find((k) => k.type === 'IDAT');
        if (idat) {
          png = concat(png.subarray(0, idat.at), bombs.idat, png.subarray(idat.at + 12 + idat.length));
        }
        break;
      }
      case 6: // an ancillary chunk that the decoder inflates (iCCP), or one it should skip
        png = concat(
          png.subarray(0, 33),
          rand() < 0.5 ? bombs.iccp : chunk('tEXt', new TextEncoder().encode('Comment\0fuzz')),
          png.subarray(33),
        );
        break;
      case 7: // a missing chunk
        if (c) png = concat(png.subarray(0, c.at), png.subarray(c.at + 12 + c.length));
        break;
      default:
        png = png.subarray(0, Math.floor(rand() * png.length));
    }
  }
  return png;
}

interface ZipBase {
  files: Record<string, Uint8Array>;
  zip: Uint8Array;
}

/** `alphabets` × `characters` × `drawers` images in Omniglot's layout, in mixed PNG formats. */
function fixtureFiles(
  alphabets = ['Beta', 'Alpha'],
  characters = 2,
  drawers = 1,
): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  let k = 0;
  for (const a of alphabets)
    for (let c = 1; c <= characters; c++)
      for (let d = 1; d <= drawers; d++, k++) {
        files[`${ROOT}${a}/character${String(c).padStart(2, '0')}/09${c}_${String(d).padStart(2, '0')}.png`] =
          pngVariant(k, k % 5);
      }
  return files;
}

function zipOf(files: Record<string, Uint8Array>, level: 0 | 6): Uint8Array {
  const z: Zippable = {};
  for (const [name, data] of Object.entries(files)) z[name] = [data, { level }];
  return zipSync(z);
}

/** Offsets of every record with this 4-byte little-endian signature. */
function records(zip: Uint8Array, signature: number): number[] {
  const out: number[] = [];
  const v = view(zip);
  for (let i = zip.indexOf(0x50); i >= 0 && i + 4 <= zip.length; i = zip.indexOf(0x50, i + 1)) {
    if (v.getUint32(i, true) === signature) out.push(i);
  }
  return out;
}
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const END = 0x06054b50;

/** Structure-aware zip mutations: header fields that lie, entry counts, bombs, many entries, bad PNGs. */
function mutateZip(base: ZipBase, rand: Rand, bombs: { idat: Uint8Array; iccp: Uint8Array }): Uint8Array {
  const op = Math.floor(rand() * 8);
  if (op === 0) return mutateBytes(base.zip, rand);
  if (op === 1 || op === 2 || op === 3) {
    const zip = Uint8Array.from(base.zip);
    const [signature, fields] =
      op === 1
        ? // central directory: method, compressed and uncompressed size, name/extra/comment length, offset
          [
            CENTRAL,
            [
              [10, 2],
              [20, 4],
              [24, 4],
              [28, 2],
              [30, 2],
              [32, 2],
              [42, 4],
            ],
          ]
        : op === 2
          ? [
              LOCAL,
              [
                [8, 2],
                [18, 4],
                [22, 4],
                [26, 2],
                [28, 2],
              ],
            ]
          : // end record: entries on this disk / in all, directory size and offset, comment length
            [
              END,
              [
                [8, 2],
                [10, 2],
                [12, 4],
                [16, 4],
                [20, 2],
              ],
            ];
    const at = records(zip, signature as number);
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits && at.length; e++) {
      const [offset, size] = pick(rand, fields as number[][]);
      const where = pick(rand, at) + offset;
      if (where + size > zip.length) continue;
      const v = rand() < 0.3 ? Math.floor(rand() * 2 ** (8 * size)) : pick(rand, HUGE_U32);
      if (size === 2) view(zip).setUint16(where, v & 0xffff, true);
      else view(zip).setUint32(where, v >>> 0, true);
    }
    return zip;
  }
  if (op === 4) {
    // many entries: the central directory repeated, with the end record's counts to match (≤ 65,535)
    const zip = base.zip;
    const end = records(zip, END).pop()!;
    const dirSize = view(zip).getUint32(end + 12, true);
    const dirAt = view(zip).getUint32(end + 16, true);
    const entries = view(zip).getUint16(end + 10, true);
    const copies = Math.min(Math.floor(65535 / entries), 1 + Math.floor(rand() ** 4 * 120));
    const dir = zip.subarray(dirAt, dirAt + dirSize);
    const out = concat(zip.subarray(0, dirAt), ...Array<Uint8Array>(copies).fill(dir), zip.subarray(end));
    const newEnd = dirAt + dirSize * copies;
    view(out).setUint16(newEnd + 8, entries * copies, true);
    view(out).setUint16(newEnd + 10, entries * copies, true);
    view(out).setUint32(newEnd + 12, dirSize * copies, true);
    return out;
  }
  const files = { ...base.files };
  const names = Object.keys(files);
  if (op === 5) {
    // one image replaced by a mutated PNG
    const name = pick(rand, names);
    files[name] = mutatePng(files[name], rand, bombs);
  } else if (op === 6) {
    // renamed, dropped or added entries: layout and name checks
    const name = pick(rand, names);
    const r = Math.floor(rand() * 4);
    const data = files[name];
    delete files[name];
    if (r === 0) files[name.replace(/character\d+/, 'glyph1')] = data;
    else if (r === 1) files[name.split('/').pop()!] = data;
    else if (r === 2) files[`${name.slice(0, -4)}_${Math.floor(rand() * 1e6)}.png`] = data;
  } else {
    // many small entries (images, other files, folders)
    const count = 1 + Math.floor(rand() ** 2 * 120);
    for (let i = 0; i < count; i++) {
      // Mostly other files and folders: decoding hundreds of valid images would only spend time.
      const kind = rand() < 0.1 ? 0 : 1 + Math.floor(rand() * 2);
      const path = `${ROOT}Many/character${i % 40}/x_${i}`;
      if (kind === 0) files[`${path}.png`] = files[names[i % names.length]];
      else if (kind === 1) files[`${path}.txt`] = new Uint8Array(0);
      else files[`${path}/`] = new Uint8Array(0);
    }
  }
  return zipOf(files, rand() < 0.5 ? 0 : 6);
}

/** Messages that mean a size read from the input reached an allocation or the stack before any cap did. */
const UNCAPPED = /allocation failed|invalid (typed )?array length|array buffer|call stack|out of memory/i;

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

class Outcomes {
  ok = 0;
  rejected = 0;
  slowest = 0;
  /** CPU ms spent in the reader, over all inputs. */
  cpu = 0;
  readonly messages = new Map<string, number>();

  run(fn: () => void, what: () => string): void {
    const t0 = cpuMs();
    try {
      fn();
      this.ok++;
    } catch (e) {
      if (!(e instanceof OmniglotError)) {
        throw new Error(`${what()}: untyped ${(e as Error)?.name}: ${(e as Error)?.message ?? e}`);
      }
      if (UNCAPPED.test(e.message)) throw new Error(`${what()}: uncapped allocation: ${e.message}`);
      // Group messages by their shape (numbers and names vary) for the report.
      const shape = e.message
        .replace(/'[^']*'/g, "'…'")
        .replace(/\d+/g, '#')
        .slice(0, 90);
      this.messages.set(shape, (this.messages.get(shape) ?? 0) + 1);
      this.rejected++;
    }
    const ms = cpuMs() - t0;
    this.cpu += ms;
    this.slowest = Math.max(this.slowest, ms);
    if (ms > CASE_MS) throw new Error(`${what()}: took ${ms.toFixed(0)} ms (bound ${CASE_MS} ms)`);
  }
}

function expectInk(images: Float32Array, count: number): void {
  expect(images.length).toBe(count * 28 * 28);
  for (const v of images) if (!(v >= 0 && v <= 1)) throw new Error(`pixel ${v} outside [0, 1]`);
}

function memoryPeak() {
  let rss = 0;
  let arrayBuffers = 0;
  return {
    sample() {
      const m = process.memoryUsage();
      rss = Math.max(rss, m.rss);
      arrayBuffers = Math.max(arrayBuffers, m.arrayBuffers);
    },
    get mb() {
      return { rss: Math.round(rss / 2 ** 20), arrayBuffers: Math.round(arrayBuffers / 2 ** 20) };
    },
  };
}

// Built once: IDAT and iCCP data that inflate to 16 MB in a few tens of KB.
const BOMBS = {
  idat: chunk('IDAT', bombStream(16 << 20)),
  iccp: chunk('iCCP', concat(new TextEncoder().encode('fuzz\0\0'), bombStream(16 << 20))),
};

test.describe.configure({ timeout: 120_000 });

test(`Omniglot zip reader: ${N} mutated zips load or give OmniglotError`, () => {
  const rand = rng(5_2026);
  const files = fixtureFiles();
  // With a zip bomb entry: 16 MB of zeros in 16 KB, refused by its declared size until a mutation lies.
  const bombFiles = { ...files, [`${ROOT}Alpha/character01/091_03.png`]: new Uint8Array(16 << 20) };
  const bases: ZipBase[] = [
    { files, zip: zipOf(files, 6) },
    { files, zip: zipOf(files, 0) },
    { files, zip: zipOf(bombFiles, 6) },
  ];
  // Sanity: the unmutated fixtures load (or hit the cap), so the fuzzer starts from the inputs it means to.
  for (const b of bases.slice(0, 2)) expect(loadOmniglot(b.zip).imageCount).toBe(4);
  expect(() => loadOmniglot(bases[2].zip)).toThrow(/16777216 bytes/);
  const outcomes = new Outcomes();
  const memory = memoryPeak();
  const [t0, cpu0] = [performance.now(), cpuMs()];
  for (let i = 0; i < N; i++) {
    const zip = mutateZip(pick(rand, bases), rand, BOMBS);
    outcomes.run(
      () => {
        const ds = loadOmniglot(zip, { name: 'fuzz.zip' });
        expectInk(ds.images, ds.imageCount);
      },
      () => `zip case ${i} (${zip.length} bytes)`,
    );
    if (i % 100 === 0) memory.sample();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = `${((cpuMs() - cpu0) / 1000).toFixed(1)} s CPU, ${(outcomes.cpu / 1000).toFixed(1)} s of it reading`;
  console.log(
    `zip: ${outcomes.ok} loaded, ${outcomes.rejected} refused in ${seconds.toFixed(1)} s (${cpu}); slowest ` +
      `${outcomes.slowest.toFixed(0)} ms CPU; peak rss ${memory.mb.rss} MB, array buffers ${memory.mb.arrayBuffers} MB`,
  );
  for (const [m, n] of [...outcomes.messages].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`  ${n}× ${m}`);
  expect(outcomes.rejected).toBeGreaterThan(N / 2);
  expect(outcomes.ok).toBeGreaterThan(0);
  expect(memory.mb.arrayBuffers).toBeLessThan(512);
});

test(`Omniglot PNG reader: ${N} mutated PNGs decode or give OmniglotError`, () => {
  const rand = rng(105);
  const pngs = [0, 1, 2, 3, 4].map((f) => pngVariant(f + 3, f));
  for (const p of pngs) expectInk(omniglotImageFromPng(p, 'valid.png'), 1);
  const outcomes = new Outcomes();
  const memory = memoryPeak();
  const [t0, cpu0] = [performance.now(), cpuMs()];
  for (let i = 0; i < N; i++) {
    const png = mutatePng(pick(rand, pngs), rand, BOMBS);
    outcomes.run(
      () => expectInk(omniglotImageFromPng(png, `case${i}.png`), 1),
      () => `png case ${i} (${png.length} bytes)`,
    );
    if (i % 100 === 0) memory.sample();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = `${((cpuMs() - cpu0) / 1000).toFixed(1)} s CPU, ${(outcomes.cpu / 1000).toFixed(1)} s of it reading`;
  console.log(
    `png: ${outcomes.ok} decoded, ${outcomes.rejected} refused in ${seconds.toFixed(1)} s (${cpu}); slowest ` +
      `${outcomes.slowest.toFixed(0)} ms CPU; peak rss ${memory.mb.rss} MB, array buffers ${memory.mb.arrayBuffers} MB`,
  );
  for (const [m, n] of [...outcomes.messages].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`  ${n}× ${m}`);
  expect(outcomes.rejected).toBeGreaterThan(N / 2);
  expect(memory.mb.arrayBuffers).toBeLessThan(512);
});

/** `count` empty stored entries behind a zip64 end record. */
function zip64Directory(count: number): Uint8Array {
  const local = 31;
  const dirSize =
    count * 46 + Array.from({ length: count }, (_, i) => `e${i}`.length).reduce((a, b) => a + b, 0);
  const out = new Uint8Array(local + dirSize + 56 + 20 + 22);
  const v = view(out);
  v.setUint32(0, LOCAL, true);
  v.setUint16(26, 1, true);
  out[30] = 0x78; // 'x'
  let at = local;
  for (let i = 0; i < count; i++) {
    const name = new TextEncoder().encode(`e${i}`);
    v.setUint32(at, CENTRAL, true);
    v.setUint16(at + 28, name.length, true);
    out.set(name, at + 46);
    at += 46 + name.length;
  }
  const end64 = at;
  v.setUint32(at, 0x06064b50, true);
  v.setBigUint64(at + 4, 44n, true);
  v.setBigUint64(at + 24, BigInt(count), true);
  v.setBigUint64(at + 32, BigInt(count), true);
  v.setBigUint64(at + 40, BigInt(dirSize), true);
  v.setBigUint64(at + 48, BigInt(local), true);
  at += 56;
  v.setUint32(at, 0x07064b50, true);
  v.setBigUint64(at + 8, BigInt(end64), true);
  v.setUint32(at + 16, 1, true);
  at += 20;
  v.setUint32(at, END, true);
  v.setUint16(at + 8, 0xffff, true);
  v.setUint16(at + 10, 0xffff, true);
  v.setUint32(at + 12, 0xffffffff, true);
  v.setUint32(at + 16, 0xffffffff, true);
  return out;
}

function expectRefused(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'should throw').toBeInstanceOf(OmniglotError);
  for (const p of parts) expect((err as Error).message).toMatch(p);
}

test('caps: each is checked before allocating, and its message names the cap and the value', () => {
  const files = fixtureFiles(['Alpha'], 1, 1);
  const [name] = Object.keys(files);
  const zip = zipOf(files, 6);
  const central = records(zip, CENTRAL)[0];

  // An entry declaring 3 GB uncompressed (a zip bomb's header) is refused before inflating.
  const bomb = Uint8Array.from(zip);
  view(bomb).setUint32(central + 24, 3_000_000_000, true);
  expectRefused(() => loadOmniglot(bomb), '3000000000 bytes', String(OMNIGLOT_LIMITS.pngBytes));

  // Entries each just under the per-image cap, together over the total cap: the reader stops with the
  // cap's worth inflated (the bound on memory the cap sets), not with all of them.
  const each = OMNIGLOT_LIMITS.pngBytes - 1;
  const count = Math.ceil(OMNIGLOT_LIMITS.totalBytes / each) + 1;
  const many: Zippable = {};
  for (let i = 0; i < count; i++)
    many[`${ROOT}A/character01/0_${i}.png`] = [new Uint8Array(each), { level: 1 }];
  expectRefused(
    () => loadOmniglot(zipSync(many)),
    `over the cap of ${OMNIGLOT_LIMITS.totalBytes}`,
    'uncompressed',
  );

  // More entries than any Omniglot zip has (a zip64 directory: the 16-bit count stops at 65,535).
  expectRefused(
    () => loadOmniglot(zip64Directory(OMNIGLOT_LIMITS.files + 1)),
    `more than ${OMNIGLOT_LIMITS.files} entries`,
  );

  // A 64 KB entry that claims 300 bytes but inflates to 64 MB: refused as soon as it passes 300 bytes,
  // rather than decoded to the end into a buffer that drops the rest (~0.4 s of CPU through fflate's
  // unzipSync; a 1 MB entry of this kind cost ~6 s).
  const liar = zipSync({ [name]: [new Uint8Array(64 << 20), { level: 9 }] });
  for (const at of records(liar, CENTRAL)) view(liar).setUint32(at + 24, 300, true);
  const t0 = cpuMs();
  expectRefused(() => loadOmniglot(liar), 'inflates to more than its 300 bytes');
  expect(cpuMs() - t0).toBeLessThan(100);

  // Huge declared dimensions (with a correct CRC) are refused from the header, before decoding.
  const png = Uint8Array.from(files[name]);
  const ihdr = chunksOf(png)[0];
  view(png).setUint32(16, 50_000);
  view(png).setUint32(20, 60_000);
  fixCrc(png, ihdr);
  expectRefused(() => omniglotImageFromPng(png, 'huge.png'), '50000×60000', '105×105');

  // IDAT that would inflate to 16 MB: refused once it passes the image's own size.
  const idat = chunksOf(files[name]).find((c) => c.type === 'IDAT')!;
  const bombed = concat(
    files[name].subarray(0, idat.at),
    BOMBS.idat,
    files[name].subarray(idat.at + 12 + idat.length),
  );
  const before = process.memoryUsage().arrayBuffers;
  expectRefused(() => omniglotImageFromPng(bombed, 'bomb.png'), /image data/, /\d+ bytes/);
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);

  // An iCCP profile bomb is never inflated: ancillary chunks are not decoded at all.
  const withIccp = concat(files[name].subarray(0, 33), BOMBS.iccp, files[name].subarray(33));
  expect(omniglotImageFromPng(withIccp, 'iccp.png')).toEqual(omniglotImageFromPng(files[name], 'plain.png'));
});
