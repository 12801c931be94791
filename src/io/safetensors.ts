/**
 * The safetensors format (8-byte little-endian header length, a JSON header, then raw tensor bytes), F32
 * only. Pure TypeScript with no Node or DOM API, so the CLI and the page read the same files the same way.
 * Every error names the file (when given), the tensor, the value seen and what was expected.
 */
import { InputError } from '../runtime/errors';

export class SafetensorsError extends InputError {
  override name = 'SafetensorsError';
}

export interface NamedTensor {
  dtype: 'F32';
  shape: number[];
  data: Float32Array;
}

/** A shape to check against: `null` accepts any size in that dimension. */
export type ShapeSpec = readonly (number | null)[];

/** A header larger than this is corrupt or hostile, not a model: refuse before allocating for it. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const fmtShape = (shape: ShapeSpec) => `[${shape.map((d) => d ?? '?').join(', ')}]`;
const shapeSize = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export class TensorFile {
  constructor(
    readonly tensors: Map<string, NamedTensor>,
    readonly metadata: Map<string, string>,
    /** Used to prefix messages, e.g. the file path. */
    readonly source = 'safetensors',
  ) {}

  /** The tensor called `name`, checked against `shape` when given. */
  require(name: string, shape?: ShapeSpec): NamedTensor {
    const t = this.tensors.get(name);
    if (!t) {
      const have = [...this.tensors.keys()];
      const list = have.length ? have.slice(0, 12).join(', ') + (have.length > 12 ? ', …' : '') : 'none';
      throw new SafetensorsError(`${this.source}: missing tensor '${name}' (tensors present: ${list})`);
    }
    if (shape && (t.shape.length !== shape.length || shape.some((d, i) => d !== null && d !== t.shape[i]))) {
      throw new SafetensorsError(
        `${this.source}: tensor '${name}' has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`,
      );
    }
    return t;
  }
}

interface HeaderEntry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
}

function readU64(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  return hi * 2 ** 32 + lo; // exact below 2^53; anything larger fails the header cap anyway
}

export function parse(bytes: Uint8Array, source = 'safetensors'): TensorFile {
  const fail = (msg: string) => new SafetensorsError(`${source}: ${msg}`);
  if (bytes.length < 8) {
    throw fail(`file is truncated: ${bytes.length} bytes, expected at least 8 (the header length)`);
  }
  const headerLen = readU64(bytes);
  if (headerLen > MAX_HEADER_BYTES) {
    throw fail(
      `header length ${headerLen} is absurd: at most ${MAX_HEADER_BYTES} bytes allowed (corrupt file?)`,
    );
  }
  if (8 + headerLen > bytes.length) {
    throw fail(
      `file is truncated: header length ${headerLen} runs past the end of the file (${bytes.length} bytes, needs at least ${8 + headerLen})`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw fail(`header must be a JSON object, got ${Array.isArray(header) ? 'an array' : typeof header}`);
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata = new Map<string, string>();
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, NamedTensor>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw fail(`__metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string')
          throw fail(`__metadata__ '${k}' is ${JSON.stringify(v)}, expected a string`);
        metadata.set(k, v);
      }
      continue;
    }
    const entry = raw as HeaderEntry;
    if (typeof entry !== 'object' || entry === null)
      throw fail(`tensor '${name}' entry is ${JSON.stringify(raw)}, expected an object`);
    if (entry.dtype !== 'F32') {
      throw fail(
        `tensor '${name}' has dtype ${JSON.stringify(entry.dtype)}, expected "F32" (only float32 little-endian is supported)`,
      );
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw fail(
        `tensor '${name}' has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`,
      );
    }
    const off = entry.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      off[0] > off[1]
    ) {
      throw fail(
        `tensor '${name}' has data_offsets ${JSON.stringify(off)}, expected [begin, end] with 0 <= begin <= end`,
      );
    }
    const [begin, end] = off as [number, number];
    const want = shapeSize(shape) * 4;
    if (end - begin !== want) {
      throw fail(
        `tensor '${name}' has data_offsets [${begin}, ${end}] (${end - begin} bytes), expected ${want} bytes for shape ${fmtShape(shape)} of F32`,
      );
    }
    if (end > dataLen) {
      throw fail(
        `tensor '${name}' has data_offsets [${begin}, ${end}] past the end of the data (${dataLen} bytes): file truncated?`,
      );
    }
    spans.push({ name, begin, end });
    tensors.set(name, { dtype: 'F32', shape, data: readF32(bytes, dataStart + begin, shapeSize(shape)) });
  }

  // Tensors may come in any order, but two must never share bytes (empty tensors share nothing).
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let prev: (typeof spans)[number] | undefined;
  for (const s of spans) {
    if (s.begin === s.end) continue;
    if (prev && s.begin < prev.end) {
      throw fail(
        `tensor '${s.name}' data_offsets [${s.begin}, ${s.end}] overlap tensor '${prev.name}' [${prev.begin}, ${prev.end}]`,
      );
    }
    prev = s;
  }
  return new TensorFile(tensors, metadata, source);
}

/**
 * Copies `n` floats starting at byte `at` (which may be unaligned). Copies by hand rather than with
 * `slice()`, because Node's Buffer (a Uint8Array) returns a view from `slice()`, not a copy.
 */
function readF32(bytes: Uint8Array, at: number, n: number): Float32Array {
  if (LITTLE_ENDIAN) {
    const copy = new Uint8Array(4 * n);
    copy.set(bytes.subarray(at, at + 4 * n));
    return new Float32Array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 4 * n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

export interface TensorInput {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/**
 * Writes tensors (in the map's order) as F32. The header is padded with spaces to a multiple of 8 bytes so
 * that the data, and every F32 tensor in it, is aligned for readers that map the file.
 */
export function serialize(
  tensors: Map<string, TensorInput> | Record<string, TensorInput>,
  metadata?: Map<string, string> | Record<string, string>,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata) {
    const meta = Object.fromEntries(metadata instanceof Map ? metadata : Object.entries(metadata));
    if (Object.keys(meta).length) header.__metadata__ = meta;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new SafetensorsError(`a tensor cannot be named '__metadata__'`);
    const n = shapeSize(t.shape);
    if (t.data.length !== n) {
      throw new SafetensorsError(
        `tensor '${name}' has ${t.data.length} values, expected ${n} for shape ${fmtShape(t.shape)}`,
      );
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, t] of entries) {
    const n = t.data.length;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(Float32Array.from(t.data).buffer), at);
    else for (let i = 0; i < n; i++) view.setFloat32(at + 4 * i, t.data[i], true);
    at += 4 * n;
  }
  return out;
}
