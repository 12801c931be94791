/**
 * The user's own images (src/data/user_images.ts): PNGs and JPEGs built in memory, in every polarity, colour
 * and shape a user might give, must come out as Omniglot's preprocessing would make them (28×28, ink = 1);
 * damaged files must be refused with an InputError naming the file, under fuzzing too.
 */
import { expect, test } from '@playwright/test';
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { omniglotImageFromPng } from '../src/data/omniglot';
import { areaWeights, resample } from '../src/data/omniglot_image';
import { decodeImage, inkImage, userImage } from '../src/data/user_images';
import { rng } from '../src/layout/random';
import { InputError } from '../src/runtime/errors';
import { mutateBytes } from './mutate';

type Rgb = [number, number, number];

/** Binary ink (1 = stroke) of a character-like drawing: a ring, a bar and a diagonal, ~3 px wide at 105. */
function strokes(width: number, height: number): Float32Array {
  const ink = new Float32Array(width * height);
  const s = Math.min(width, height);
  const [cx, cy] = [width / 2, height / 2];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x - cx, y - cy);
      const ring = Math.abs(r - 0.3 * s) < 0.015 * s;
      const bar = Math.abs(y - cy) < 0.015 * s && Math.abs(x - cx) < 0.4 * s;
      const diag = Math.abs(x - cx - (y - cy)) < 0.02 * s && r < 0.35 * s;
      ink[y * width + x] = ring || bar || diag ? 1 : 0;
    }
  }
  return ink;
}

/** Omniglot's preprocessing of a binary ink image, padded to a square with paper (centred) first. */
function expected(ink: Float32Array, width: number, height: number): Float32Array {
  const side = Math.max(width, height);
  const square = new Float32Array(side * side);
  const [ox, oy] = [Math.floor((side - width) / 2), Math.floor((side - height) / 2)];
  for (let y = 0; y < height; y++) square.set(ink.subarray(y * width, (y + 1) * width), (y + oy) * side + ox);
  return resample(square, side, areaWeights(side, 28));
}

/** RGBA bytes painting `ink` pixels one colour and the rest another (alpha 255 unless given). */
function paint(
  ink: Float32Array,
  inkColor: Rgb,
  paper: Rgb,
  alpha: [number, number] = [255, 255],
): Uint8Array {
  const data = new Uint8Array(ink.length * 4);
  for (let p = 0; p < ink.length; p++) {
    const on = ink[p] > 0.5;
    data.set([...(on ? inkColor : paper), on ? alpha[0] : alpha[1]], 4 * p);
  }
  return data;
}

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
const grayPng = (ink: Float32Array, w: number, h: number, dark = true) =>
  encodePng({
    width: w,
    height: h,
    channels: 1,
    depth: 8,
    data: Uint8Array.from(ink, (v) => (dark ? 255 * (1 - v) : 255 * v)),
  });
const rgbaJpeg = (data: Uint8Array, w: number, h: number, quality = 90) =>
  new Uint8Array(encodeJpeg({ width: w, height: h, data }, quality).data);

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const meanDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

/** The error `fn` throws: must be an InputError whose one-line message starts with `file`. */
function inputError(fn: () => unknown, file: string): string {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  const message = (error as Error).message;
  expect(message.startsWith(`${file}: `)).toBe(true);
  expect(message).not.toContain('\n');
  return message;
}

const INK = strokes(105, 105);
const OMNIGLOT = expected(INK, 105, 105);

test('black on white, 105×105: the same 28×28 as Omniglot’s own preprocessing', () => {
  // Omniglot's own format: 1 bit per pixel, 1 = white, read by the training loader.
  const bits = new Uint8Array(105 * Math.ceil(105 / 8));
  for (let y = 0; y < 105; y++)
    for (let x = 0; x < 105; x++) if (!INK[y * 105 + x]) bits[y * 14 + (x >> 3)] |= 0x80 >> (x & 7);
  const onebit = encodePng({ width: 105, height: 105, channels: 1, depth: 1, data: bits });
  expect(maxDiff(omniglotImageFromPng(onebit, 'a.png'), OMNIGLOT)).toBeLessThan(1e-6);
  expect(maxDiff(userImage(onebit, 'a.png'), OMNIGLOT)).toBeLessThan(1e-5);
  const out = userImage(grayPng(INK, 105, 105), 'a.png');
  expect(out.length).toBe(28 * 28);
  expect(maxDiff(out, OMNIGLOT)).toBeLessThan(1e-5);
  expect(Math.max(...out)).toBeGreaterThan(0.9);
});

test('white on black reads as black on white', () => {
  const light = userImage(grayPng(INK, 105, 105, false), 'b.png');
  expect(maxDiff(light, OMNIGLOT)).toBeLessThan(1e-5);
  const rgb = encodePng({ width: 105, height: 105, channels: 4, data: paint(INK, WHITE, BLACK) });
  expect(maxDiff(userImage(rgb, 'b.png'), OMNIGLOT)).toBeLessThan(1e-5);
});

test('blue ink on cream paper: ink where the strokes are, stretched to 0–1', () => {
  const data = paint(INK, [30, 60, 200], [255, 248, 220]);
  const rgb = new Uint8Array((data.length / 4) * 3).map((_, i) => data[Math.floor(i / 3) * 4 + (i % 3)]);
  const out = userImage(encodePng({ width: 105, height: 105, channels: 3, data: rgb }), 'c.png');
  expect(maxDiff(out, OMNIGLOT)).toBeLessThan(1e-3);
  const dark = userImage(encodePng({ width: 105, height: 105, channels: 4, data }), 'c.png');
  expect(maxDiff(dark, OMNIGLOT)).toBeLessThan(1e-3);
});

test('grey paper and faint ink are stretched; a speck does not set the scale', () => {
  // Ink at 40% on 70% paper: a pencil scan. One pure black pixel, far from the strokes, must not decide.
  const gray = Float32Array.from(INK, (v) => (v ? 0.3 : 0.7));
  gray[5 * 105 + 5] = 0;
  const out = inkImage(gray, 105, 105);
  const clean = new Float32Array(OMNIGLOT);
  expect(
    maxDiff(
      out.map((v, i) => (i === 1 * 28 + 1 ? 0 : v)),
      clean,
    ),
  ).toBeLessThan(1e-3);
  expect(out[28 + 1]).toBeGreaterThan(0); // the speck is still there, clamped at 1 before averaging
});

test('a 300×150 image keeps its aspect: padded to a square with paper, centred', () => {
  const ink = strokes(300, 150);
  const out = userImage(grayPng(ink, 300, 150), 'wide.png');
  expect(maxDiff(out, expected(ink, 300, 150))).toBeLessThan(1e-5);
  // 75 paper rows above and below: 7 output rows each (300/28 ≈ 10.7 px a row).
  const row = (y: number) => out.subarray(y * 28, (y + 1) * 28).reduce((s, v) => s + v, 0);
  for (let y = 0; y < 7; y++) {
    expect(row(y)).toBe(0);
    expect(row(27 - y)).toBe(0);
  }
  expect(row(14)).toBeGreaterThan(1);
  // Tall: the same drawing turned a quarter is the output turned a quarter.
  const tall = new Float32Array(150 * 300);
  for (let y = 0; y < 150; y++) for (let x = 0; x < 300; x++) tall[x * 150 + y] = ink[y * 300 + x];
  const turned = userImage(grayPng(tall, 150, 300), 'tall.png');
  expect(maxDiff(turned, expected(tall, 150, 300))).toBeLessThan(1e-5);
});

test('a JPEG gives nearly what the same PNG gives', () => {
  for (const [w, h] of [
    [105, 105],
    [200, 120],
  ]) {
    const ink = strokes(w, h);
    const png = userImage(grayPng(ink, w, h), 'p.png');
    const jpeg = userImage(rgbaJpeg(paint(ink, BLACK, WHITE), w, h), 'p.jpg');
    expect(maxDiff(jpeg, png)).toBeLessThan(0.1);
    expect(meanDiff(jpeg, png)).toBeLessThan(0.01);
    // Colour and polarity in a JPEG too: light blue on navy.
    const inverted = userImage(rgbaJpeg(paint(ink, [200, 220, 255], [10, 20, 80]), w, h), 'q.jpg');
    expect(maxDiff(inverted, png)).toBeLessThan(0.1);
  }
  const { width, height, gray } = decodeImage(rgbaJpeg(paint(INK, BLACK, WHITE), 105, 105), 'p.jpg');
  expect([width, height, gray.length]).toEqual([105, 105, 105 * 105]);
});

test('alpha is composited over white: opaque black strokes on a transparent sheet read as ink', () => {
  // Transparent pixels are black with alpha 0: read without alpha they would be all ink.
  const rgba = encodePng({ width: 105, height: 105, channels: 4, data: paint(INK, BLACK, BLACK, [255, 0]) });
  expect(maxDiff(userImage(rgba, 'd.png'), OMNIGLOT)).toBeLessThan(1e-5);
  const grayAlpha = Uint8Array.from({ length: 105 * 105 * 2 }, (_, i) => (i % 2 ? 255 * INK[i >> 1] : 0));
  const ga = encodePng({ width: 105, height: 105, channels: 2, data: grayAlpha });
  expect(maxDiff(userImage(ga, 'd.png'), OMNIGLOT)).toBeLessThan(1e-5);
  const sheet = decodeImage(rgba, 'd.png');
  expect(sheet.gray[0]).toBe(1); // a transparent corner is white paper
});

test('16-bit grey and palette PNGs read like 8-bit ones', () => {
  const deep = encodePng({
    width: 105,
    height: 105,
    channels: 1,
    depth: 16,
    data: Uint16Array.from(INK, (v) => 65535 * (1 - v)),
  });
  expect(maxDiff(userImage(deep, 'e.png'), OMNIGLOT)).toBeLessThan(1e-5);
  const indexed = encodePng({
    width: 105,
    height: 105,
    channels: 1,
    depth: 8,
    palette: [
      [250, 250, 240],
      [20, 20, 90],
    ],
    data: Uint8Array.from(INK),
  });
  expect(maxDiff(userImage(indexed, 'e.png'), OMNIGLOT)).toBeLessThan(1e-3);
});

test('a blank image is all zeros, not NaN', () => {
  for (const tone of [0, 0.5, 1]) {
    const out = inkImage(new Float32Array(50 * 40).fill(tone), 50, 40);
    expect(out.every((v) => v === 0)).toBe(true);
  }
  // Paper texture and scanner noise of ±0.02 is not ink.
  const rand = rng(3);
  const noisy = Float32Array.from({ length: 64 * 64 }, () => 0.9 + 0.04 * (rand() - 0.5));
  expect(inkImage(noisy, 64, 64).every((v) => v === 0)).toBe(true);
  const white = rgbaJpeg(paint(new Float32Array(32 * 32), BLACK, WHITE), 32, 32);
  expect(userImage(white, 'w.jpg').every((v) => v === 0)).toBe(true);
  expect(inkImage(Float32Array.of(0.2), 1, 1, 5)).toEqual(new Float32Array(25));
  expect(inkImage(new Float32Array(7), 7, 1).every((v) => v === 0)).toBe(true);
});

test('other output sizes, and upsampling of small images', () => {
  const ink = strokes(16, 16);
  const out = inkImage(
    Float32Array.from(ink, (v) => 1 - v),
    16,
    16,
  );
  expect(maxDiff(out, expected(ink, 16, 16))).toBeLessThan(1e-5);
  const small = inkImage(
    Float32Array.from(INK, (v) => 1 - v),
    105,
    105,
    20,
  );
  expect(maxDiff(small, resample(INK, 105, areaWeights(105, 20)))).toBeLessThan(1e-5);
  expect(() => inkImage(new Float32Array(10), 3, 3)).toThrow(InputError);
});

test('garbage, truncated PNGs and truncated JPEGs are refused with an InputError naming the file', () => {
  const png = grayPng(INK, 105, 105);
  const jpeg = rgbaJpeg(paint(INK, BLACK, WHITE), 105, 105);
  expect(inputError(() => userImage(new TextEncoder().encode('hello, world'), 'g.bin'), 'g.bin')).toBe(
    'g.bin: not a PNG or JPEG image',
  );
  inputError(() => userImage(new Uint8Array(0), 'empty.png'), 'empty.png');
  inputError(() => decodeImage(Uint8Array.of(0xff, 0xd8), 'short.jpg'), 'short.jpg');
  for (const cut of [4, 8, 20, 40, png.length >> 1, png.length - 12, png.length - 1]) {
    expect(inputError(() => userImage(png.subarray(0, cut), 'dir/t.png'), 'dir/t.png')).toMatch(/PNG/);
  }
  for (const cut of [3, 20, 200, jpeg.length >> 1, jpeg.length - 2]) {
    expect(inputError(() => userImage(jpeg.subarray(0, cut), 't.jpg'), 't.jpg')).toMatch(
      /^t\.jpg: not a readable JPEG \(/,
    );
  }
  // A JPEG named .png (and the other way round) is read by what it is.
  expect(maxDiff(userImage(jpeg, 'really-a-jpeg.png'), userImage(png, 'x.png'))).toBeLessThan(0.1);
});

/** CPU time per input (not wall time): a small image decodes in well under 10 ms. */
const CASE_MS = 1_000;
const FUZZ = 2_000;

for (const format of ['PNG', 'JPEG'] as const) {
  test(`fuzz: ${FUZZ} mutated ${format}s give a 28×28 image in [0, 1] or an InputError`, () => {
    const ink = strokes(24, 20);
    const data = paint(ink, [40, 30, 120], [240, 235, 210]);
    const valid =
      format === 'PNG' ? encodePng({ width: 24, height: 20, channels: 4, data }) : rgbaJpeg(data, 24, 20, 75);
    expect(userImage(valid, 'ok').some((v) => v > 0.5)).toBe(true);
    const rand = rng(format === 'PNG' ? 20270401 : 20270402);
    const counts = { ok: 0, rejected: 0 };
    const t0 = Date.now();
    for (let i = 0; i < FUZZ; i++) {
      const bytes = mutateBytes(valid, rand);
      const cpu = process.cpuUsage();
      try {
        // Plain checks in the loop: each expect() records a step with its stack, 2,000 of them take seconds.
        const out = userImage(bytes, `fuzz${i}`);
        if (out.length !== 28 * 28 || !out.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)) {
          throw new Error(`case ${i}: ${out.length} pixels, not all in [0, 1]`);
        }
        counts.ok++;
      } catch (e) {
        if (!(e instanceof InputError)) {
          throw new Error(`case ${i}: untyped ${(e as Error).name}: ${(e as Error).message}`);
        }
        const message = (e as Error).message;
        if (!message.startsWith(`fuzz${i}: `) || message.includes('\n')) {
          throw new Error(`case ${i}: the message does not name the file on one line: ${message}`);
        }
        counts.rejected++;
      }
      const { user, system } = process.cpuUsage(cpu);
      if ((user + system) / 1000 > CASE_MS) throw new Error(`case ${i}: ${(user + system) / 1000} ms of CPU`);
    }
    expect(counts.ok + counts.rejected).toBe(FUZZ);
    expect(counts.rejected).toBeGreaterThan(FUZZ / 10);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });
}
