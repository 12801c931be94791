import { expect, test } from '@playwright/test';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTensorsFile, writeFileAtomic } from '../src/io/files';
import { InputError } from '../src/runtime/errors';
import { MAX_HEADER_BYTES, parse, SafetensorsError, serialize } from '../src/io/safetensors';
import { rng, uniform } from '../src/layout/random';

/** A file from a header object (or raw header text) and raw data bytes, built the way the format says. */
function build(header: object | string, data: number[] | Uint8Array = []): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32Bytes = (values: number[]) => [...new Uint8Array(new Float32Array(values).buffer)];

function expectError(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'should throw').toBeInstanceOf(SafetensorsError);
  expect(err).toBeInstanceOf(InputError);
  for (const p of parts) expect((err as Error).message).toMatch(p);
}

test('round trip on random tensors keeps names, order, shapes, values and metadata', () => {
  const rand = rng(7);
  const shapes = [[3, 4], [1], [2, 3, 5], [0, 4], [], [7]];
  const tensors = new Map(
    shapes.map((shape, i) => [
      `t${i}`,
      {
        shape,
        data: uniform(
          rand,
          shape.reduce((a, b) => a * b, 1),
        ),
      },
    ]),
  );
  const bytes = serialize(tensors, { format: 'pt', note: 'ünïcode' });
  const headerLen = new DataView(bytes.buffer).getUint32(0, true);
  expect(headerLen % 8, 'header padded so the data is aligned').toBe(0);
  const file = parse(bytes);
  expect([...file.tensors.keys()]).toEqual([...tensors.keys()]);
  for (const [name, t] of tensors) {
    const got = file.require(name, t.shape);
    expect(got.dtype).toBe('F32');
    expect(got.shape).toEqual(t.shape);
    expect(Array.from(got.data)).toEqual(t.data);
  }
  expect(Object.fromEntries(file.metadata)).toEqual({ format: 'pt', note: 'ünïcode' });
});

test('known bytes: a hand-built file parses, and serialize writes the same layout', () => {
  // Two tensors stored out of order in the data section, header with trailing spaces (allowed padding).
  const header =
    '{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  ';
  const data = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x40, 0x40]; // 1, -2, 3
  const file = parse(build(header, data));
  expect(Array.from(file.require('a', [2]).data)).toEqual([1, -2]);
  expect(Array.from(file.require('b', [1]).data)).toEqual([3]);
  expect(file.metadata.size).toBe(0);

  const out = serialize({ x: { shape: [1], data: [1.5] } });
  const json = '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
  const padded = json + ' '.repeat(Math.ceil(json.length / 8) * 8 - json.length);
  const want = [
    padded.length,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...new TextEncoder().encode(padded),
    0x00,
    0x00,
    0xc0,
    0x3f,
  ];
  expect(Array.from(out)).toEqual(want);
});

test('views at any byte offset parse, including Node Buffers (whose slice() is a view, not a copy)', () => {
  const bytes = serialize({ a: { shape: [2], data: [1, 2] }, b: { shape: [3], data: [3, 4, 5] } });
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const buffer = Buffer.concat([Buffer.alloc(5), bytes]).subarray(5);
  for (const view of [shifted.subarray(3), buffer]) {
    const file = parse(view);
    expect(Array.from(file.require('a', [2]).data)).toEqual([1, 2]);
    expect(Array.from(file.require('b', [3]).data)).toEqual([3, 4, 5]);
  }
});

test('truncated file: shorter than the length prefix, and data cut short', () => {
  expectError(() => parse(new Uint8Array(5), 'w.safetensors'), 'w.safetensors', 'truncated', '5 bytes');
  const full = serialize({ w: { shape: [4], data: [1, 2, 3, 4] } });
  expectError(() => parse(full.subarray(0, full.length - 3)), "'w'", 'past the end', 'truncated');
});

test('absurd header length, and a header length past the end', () => {
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setUint32(4, 1, true); // 2^32 bytes
  expectError(() => parse(huge), `header length ${2 ** 32}`, `at most ${MAX_HEADER_BYTES}`);
  const past = build('{}');
  new DataView(past.buffer).setUint32(0, 1000, true);
  expectError(() => parse(past), 'header length 1000', 'past the end');
});

test('bad JSON header', () => {
  expectError(() => parse(build('{"w": {"dtype": "F32",')), 'not valid JSON');
  expectError(() => parse(build('[1, 2]')), 'JSON object', 'array');
  expectError(() => parse(build({ __metadata__: { n: 3 } })), '__metadata__', 'expected a string');
});

test('wrong dtype is refused with the dtype seen', () => {
  const f16 = build({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]);
  expectError(() => parse(f16), "'h'", '"F16"', '"F32"');
});

test('data_offsets inconsistent with the shape, out of range or overlapping', () => {
  const data = f32Bytes([1, 2, 3, 4]);
  expectError(
    () => parse(build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data)),
    "'w'",
    '16 bytes',
    'expected 12 bytes',
    '[3]',
  );
  expectError(
    () => parse(build({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 4] } }, data)),
    "'w'",
    '[8,4]',
  );
  expectError(
    () => parse(build({ w: { dtype: 'F32', shape: [2], data_offsets: [12, 20] } }, data)),
    "'w'",
    '[12, 20]',
    'past the end',
  );
  expectError(
    () => parse(build({ w: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, data)),
    "'w'",
    'shape',
  );
  expectError(
    () =>
      parse(
        build(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          data,
        ),
      ),
    "'b'",
    "'a'",
    'overlap',
  );
});

test('require: missing tensor and wrong shape name the tensor, the shape seen and the shape expected', () => {
  const file = parse(
    serialize({ weight_hh_l0: { shape: [6, 3], data: new Array(18).fill(0) } }),
    'w.safetensors',
  );
  expectError(
    () => file.require('weight_ih_l0'),
    'w.safetensors',
    "missing tensor 'weight_ih_l0'",
    'weight_hh_l0',
  );
  expectError(
    () => file.require('weight_hh_l0', [6, 2]),
    "'weight_hh_l0'",
    'shape [6, 3]',
    'expected [6, 2]',
  );
  expectError(() => file.require('weight_hh_l0', [6]), 'shape [6, 3]', 'expected [6]');
  expect(file.require('weight_hh_l0', [null, 3]).shape).toEqual([6, 3]);
});

test('serialize refuses data that does not match the shape', () => {
  expectError(() => serialize({ w: { shape: [2, 2], data: [1, 2, 3] } }), "'w'", '3 values', 'expected 4');
});

test('files: atomic write leaves only the final file; unreadable paths and unwritable dirs say so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metarnn-io-'));
  try {
    const path = join(dir, 'w.safetensors');
    writeFileAtomic(path, serialize({ w: { shape: [2], data: [1, 2] } }));
    writeFileAtomic(path, serialize({ w: { shape: [3], data: [4, 5, 6] } })); // replaces the old file
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
    expect(Array.from(readTensorsFile(path).require('w', [3]).data)).toEqual([4, 5, 6]);
    expect(() => readTensorsFile(join(dir, 'nope.safetensors'))).toThrow(
      /cannot read .*nope\.safetensors: no such file/,
    );
    expect(() => readTensorsFile(dir)).toThrow(/is a directory/);
    expect(() => writeFileAtomic(join(dir, 'missing', 'o.safetensors'), new Uint8Array(4))).toThrow(
      /cannot write .*o\.safetensors/,
    );
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
