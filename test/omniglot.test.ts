import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { decode, encode } from 'fast-png';
import { areaWeights, omniglotImage } from '../src/data/omniglot_image';
import { checkEpisodeShape, splitOmniglot } from '../src/data/omniglot_split';
import { loadOmniglot, type OmniglotDataset } from '../src/data/omniglot';
import { loadOmniglotFile } from '../src/data/omniglot_file';
import { omniglotEpisodeCodes } from '../src/layout/omniglot_codes';
import { evaluateOmniglotRuns, nearestNeighbour, parseOmniglotRuns } from '../src/meta/omniglot_runs';
import { runsFixture } from './omniglot_runs_fixture';
import { expectOmniglotError } from './omniglot_expect';

// The shared data sits beside the project and is loaded by path, never copied in (../shared/data/README.md).
const SMALL1 = join(import.meta.dirname, '../../shared/data/omniglot/images_background_small1.zip');
const haveSmall1 = existsSync(SMALL1);

/** A 1-bit PNG, white background, ink where `ink(y, x)` — Omniglot's own format. */
function png(ink: (y: number, x: number) => boolean, size = 105): Uint8Array {
  const rowBytes = Math.ceil(size / 8);
  const data = new Uint8Array(rowBytes * size).fill(0xff);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) if (ink(y, x)) data[y * rowBytes + (x >> 3)] &= ~(0x80 >> (x & 7));
  return encode({ width: size, height: size, data, depth: 1, channels: 1 });
}

/** A zip in Omniglot's layout: `alphabets` × `characters` × `drawers`, image k inks its k-th 15-pixel band. */
function fixtureZip(o: { alphabets?: string[]; characters?: number; drawers?: number; root?: string } = {}) {
  const files: Record<string, Uint8Array> = {};
  const root = o.root ?? 'images_fixture/';
  let k = 0;
  for (const a of o.alphabets ?? ['Beta', 'Alpha']) {
    for (let c = 1; c <= (o.characters ?? 3); c++) {
      for (let d = o.drawers ?? 4; d >= 1; d--) {
        const band = k++ % 7;
        const name = `${root}${a}/character${String(c).padStart(2, '0')}/09${c}${a.length}_${String(d).padStart(2, '0')}.png`;
        files[name] = png((_y, x) => Math.floor(x / 15) === band);
      }
    }
  }
  return zipSync(files);
}

let small1: OmniglotDataset | null = null;
const loadSmall1 = () => (small1 ??= loadOmniglotFile(SMALL1));

test.describe('images_background_small1.zip', () => {
  test.skip(!haveSmall1, `needs ${SMALL1}`);

  test('loads 5 alphabets, 136 characters, 2,720 images of 20 drawers each, as 28×28 ink in [0, 1]', () => {
    const ds = loadSmall1();
    expect(ds.alphabets).toEqual(['Balinese', 'Early_Aramaic', 'Greek', 'Korean', 'Latin']);
    expect(ds.characters.length).toBe(136);
    expect(ds.imageCount).toBe(2720);
    expect(ds.images.length).toBe(2720 * 28 * 28);
    const perAlphabet = Object.fromEntries(ds.alphabets.map((a) => [a, 0]));
    for (const c of ds.characters) perAlphabet[c.alphabet]++;
    expect(perAlphabet).toEqual({ Balinese: 24, Early_Aramaic: 22, Greek: 24, Korean: 40, Latin: 26 });
    ds.characters.forEach((c, i) => {
      expect(c.start).toBe(i * 20);
      expect(c.count).toBe(20);
      expect(Array.from(ds.drawers.subarray(c.start, c.start + 20))).toEqual(
        [...Array(20).keys()].map((d) => d + 1),
      );
    });
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of ds.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Strokes cover a small part of the page: ink = 1 on white, not the other way round.
    const mean = sum / ds.images.length;
    expect(mean).toBeGreaterThan(0.03);
    expect(mean).toBeLessThan(0.2);
    // The area average keeps the ink: the 28² mean of the first image equals the 105² mean of its PNG.
    const raw = unzipSync(readFileSync(SMALL1), {
      filter: (f) => f.name.endsWith('Balinese/character01/0108_01.png'),
    });
    const src = decode(Object.values(raw)[0]);
    let black = 0;
    for (let y = 0; y < 105; y++)
      for (let x = 0; x < 105; x++) black += 1 - ((src.data[y * 14 + (x >> 3)] >> (7 - (x & 7))) & 1);
    const first = ds.images.subarray(0, 784).reduce((a, b) => a + b, 0) / 784;
    expect(first).toBeCloseTo(black / 105 ** 2, 5);
  });

  test('splits by alphabet (default: Latin for test, Korean for validation), by character, with rotated training classes', () => {
    const ds = loadSmall1();
    const byAlphabet = splitOmniglot(ds);
    expect(byAlphabet.heldOut).toEqual(['Latin']);
    expect(byAlphabet.validationAlphabets).toEqual(['Korean']);
    expect(byAlphabet.train.length).toBe(136 - 26 - 40);
    expect(byAlphabet.validation.length).toBe(40);
    expect(byAlphabet.test.length).toBe(26);
    expect(byAlphabet.test.every((c) => ds.characters[c].alphabet === 'Latin')).toBe(true);
    expect(byAlphabet.validation.every((c) => ds.characters[c].alphabet === 'Korean')).toBe(true);
    const two = splitOmniglot(ds, { heldOut: ['Greek', 'Korean'], validation: ['Balinese'], rotations: 4 });
    expect(two.train.length).toBe(4 * (136 - 64 - 24));
    expect(two.test.length).toBe(64);
    expect(two.validation.length).toBe(24);
    expect(
      two.test.every((id) => id % 4 === 0 && ['Greek', 'Korean'].includes(ds.characters[id / 4].alphabet)),
    ).toBe(true);
    // Split discipline: no character in two splits, every character in one.
    const chars = (ids: number[], R: number) => ids.map((id) => Math.floor(id / R));
    const sets = [two.train, two.validation, two.test].map((ids) => new Set(chars(ids, 4)));
    expect(sets[0].size + sets[1].size + sets[2].size).toBe(136);
    for (const c of sets[2]) expect(sets[0].has(c) || sets[1].has(c)).toBe(false);
    for (const c of sets[1]) expect(sets[0].has(c)).toBe(false);
    // Default validation: as many as the test alphabets, but at most half of those left to train on.
    expect(splitOmniglot(ds, { heldOut: ['Korean', 'Latin'] }).validationAlphabets).toEqual(['Greek']);
    expect(splitOmniglot(ds, { heldOut: ['Greek', 'Korean', 'Latin'] }).validationAlphabets).toEqual([]);
    const byChar = splitOmniglot(ds, { by: 'character', fraction: 0.25, seed: 3 });
    expect(byChar.test.length).toBe(34);
    expect(byChar.validation.length).toBe(34);
    expect(new Set([...byChar.train, ...byChar.validation, ...byChar.test]).size).toBe(136);
    expect(splitOmniglot(ds, { by: 'character', fraction: 0.25, seed: 3 })).toEqual(byChar);
  });

  test('rotated classes turn the image by quarter turns counter-clockwise', () => {
    const ds = loadSmall1();
    const up = omniglotImage(ds, 4 * 5, 3, 4);
    const left = omniglotImage(ds, 4 * 5 + 1, 3, 4);
    const down = omniglotImage(ds, 4 * 5 + 2, 3, 4);
    const right = omniglotImage(ds, 4 * 5 + 3, 3, 4);
    const turned = (f: (y: number, x: number) => number) =>
      Array.from({ length: 784 }, (_, i) => up[f(Math.floor(i / 28), i % 28)]);
    // A quarter turn counter-clockwise: what was at the right edge is now at the top.
    expect(Array.from(left)).toEqual(turned((y, x) => x * 28 + (27 - y)));
    expect(Array.from(down)).toEqual(turned((y, x) => (27 - y) * 28 + (27 - x)));
    expect(Array.from(right)).toEqual(turned((y, x) => (27 - x) * 28 + y));
    expect(Array.from(omniglotImage(ds, 5, 3))).toEqual(Array.from(up));
  });
});

test('fixture zip: layout, drawer order, area resampling, with or without a root folder', () => {
  for (const root of ['images_fixture/', '']) {
    const ds = loadOmniglot(fixtureZip({ root }));
    expect(ds.alphabets).toEqual(['Alpha', 'Beta']);
    expect(ds.characters.map((c) => `${c.alphabet}/${c.name}`)).toEqual([
      'Alpha/character01', 'Alpha/character02', 'Alpha/character03',
      'Beta/character01', 'Beta/character02', 'Beta/character03',
    ]); // prettier-ignore
    expect(ds.imageCount).toBe(24);
    expect(Array.from(ds.drawers.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    // Image k inks source columns [15b, 15b + 15) with b = band; 15 = 4 × 3.75, so exactly output columns
    // [4b, 4b + 4) are fully inked and every other column is blank.
    for (let i = 0; i < ds.imageCount; i++) {
      const img = Array.from(ds.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 1e6) / 1e6);
      const b = Math.floor(img.findIndex((v) => v > 0) / 4);
      expect(img).toEqual(Array.from({ length: 784 }, (_, j) => (Math.floor((j % 28) / 4) === b ? 1 : 0)));
    }
  }
});

test('area weights: each output pixel sums to 1 and each source pixel contributes its full area', () => {
  for (const [n, m] of [
    [105, 28],
    [105, 20],
    [10, 10],
    [7, 3],
  ]) {
    const w = areaWeights(n, m);
    const perSource = new Array<number>(n).fill(0);
    for (const { first, w: ws } of w) {
      expect(ws.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      ws.forEach((v, k) => (perSource[first + k] += v));
    }
    for (const v of perSource) expect(v).toBeCloseTo(m / n, 12);
  }
});

test('bad inputs are InputErrors that name the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omniglot-'));
  try {
    expectOmniglotError(() => loadOmniglotFile(join(dir, 'nope.zip')), 'nope.zip', 'no such file');
    expectOmniglotError(() => loadOmniglotFile(dir), 'is a directory');
  } finally {
    rmSync(dir, { recursive: true });
  }
  expectOmniglotError(() => loadOmniglot(new Uint8Array(1000).fill(7)), 'not a readable zip');
  const good = fixtureZip();
  expectOmniglotError(() => loadOmniglot(good.subarray(0, good.length - 30)), 'not a readable zip');
  expectOmniglotError(
    () => loadOmniglot(zipSync({ 'readme.txt': new Uint8Array(3) })),
    'wrong layout',
    'no <alphabet>',
  );
  expectOmniglotError(() => loadOmniglot(zipSync({ 'a.png': png(() => false) })), 'wrong layout', "'a.png'");
  expectOmniglotError(
    () => loadOmniglot(zipSync({ 'run01/training/class01.png': png(() => false) })),
    'wrong layout',
    'characterNN',
  );
  const notPng = new Uint8Array(64);
  new DataView(notPng.buffer).setUint32(16, 105);
  new DataView(notPng.buffer).setUint32(20, 105);
  expectOmniglotError(
    () => loadOmniglot(zipSync({ 'Latin/character01/01_01.png': notPng })),
    'not a readable PNG',
  );
  expectOmniglotError(
    () => loadOmniglot(zipSync({ 'Latin/character01/01_01.png': new Uint8Array(5) })),
    'is not a PNG',
  );

  const ds = loadOmniglot(fixtureZip());
  const split = splitOmniglot(ds, { heldOut: ['Beta'] });
  expectOmniglotError(
    () => checkEpisodeShape(ds, split.test, { ways: 5, shots: 1, queries: 1 }, 'held-out set'),
    '5-way',
    'held-out set has only 3',
  );
  expectOmniglotError(
    () => checkEpisodeShape(ds, split.train, { ways: 2, shots: 3, queries: 2 }, 'training set'),
    'shots + queries = 3 + 2 = 5',
    'only 4 drawings',
  );
  expectOmniglotError(
    () => checkEpisodeShape(ds, split.train, { ways: 2, shots: 0, queries: 2 }, 'x'),
    'shots',
  );
  expectOmniglotError(
    () => splitOmniglot(ds, { heldOut: ['Klingon'] }),
    "unknown test alphabet 'Klingon'",
    'Alpha, Beta',
  );
  expectOmniglotError(() => splitOmniglot(ds, { heldOut: ['Alpha', 'Beta'] }), 'nothing is left to train on');
  expectOmniglotError(
    () => splitOmniglot(ds, { heldOut: ['Beta', 'Beta'] }),
    "test alphabet 'Beta' is named twice",
  );
  expectOmniglotError(
    () => splitOmniglot(ds, { heldOut: ['Beta'], validation: ['Beta'] }),
    "validation alphabet 'Beta' is named for test too",
  );
  expectOmniglotError(
    () => splitOmniglot(ds, { heldOut: ['Beta'], validation: ['Klingon'] }),
    "unknown validation alphabet 'Klingon'",
  );
  expectOmniglotError(
    () => splitOmniglot(ds, { heldOut: ['Beta'], validation: ['Alpha'] }),
    'nothing is left to train on',
  );
  // Two alphabets: no validation alphabet by default (training then refuses to start, see the e2e test).
  expect(splitOmniglot(ds).validation).toEqual([]);
  // Scoring a trained model: every alphabet may be test, with nothing left to train on.
  const scoring = splitOmniglot(ds, { heldOut: ['Alpha', 'Beta'], scoring: true });
  expect([scoring.train.length, scoring.validation.length, scoring.test.length]).toEqual([0, 0, 6]);
  expectOmniglotError(() => splitOmniglot(ds, { by: 'character', fraction: 1 }), 'fraction');
});

test('CPU episode reference: deterministic, labels a permutation, distinct classes and drawings, label slots', () => {
  const starts = [...Array(30).keys()].map((c) => c * 20);
  const counts = starts.map(() => 20);
  const pool = [...Array(30).keys()].filter((c) => c % 3 !== 0).map((c) => c * 4 + (c % 4)); // 20 classes
  const e = { ways: 5, shots: 2, queries: 3, rotations: 4 };
  const T = e.ways * (e.shots + e.queries);
  // Checks collect problems and assert once: thousands of expect() calls cost minutes on a busy machine.
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => ok || problems.push(what);
  for (let task = 0; task < 20; task++) {
    const rng = { seed: 9, stream: 0, step: 3, task };
    const ep = omniglotEpisodeCodes(rng, e, { pool, starts, counts });
    check(
      JSON.stringify(omniglotEpisodeCodes(rng, e, { pool, starts, counts })) === JSON.stringify(ep),
      'determinism',
    );
    check(new Set(ep.classes).size === 5, `task ${task}: classes not distinct`);
    check(
      ep.classes.every((c) => pool.includes(c)),
      `task ${task}: class outside the pool`,
    );
    const support = ep.labels.slice(0, e.ways * e.shots);
    const queries = ep.labels.slice(e.ways * e.shots);
    for (let c = 0; c < e.ways; c++) {
      check(support.filter((l) => l === c).length === e.shots, `task ${task}: label ${c} support count`);
      check(queries.filter((l) => l === c).length === e.queries, `task ${task}: label ${c} query count`);
      const codes = ep.codes.filter((_, t) => ep.labels[t] === c);
      const id = ep.classes[c];
      const first = starts[Math.floor(id / 4)];
      check(new Set(codes).size === e.shots + e.queries, `task ${task}: drawings repeat`);
      for (const code of codes) {
        check(code % 4 === id % 4, `task ${task}: rotation`);
        check(
          Math.floor(code / 4) >= first && Math.floor(code / 4) < first + 20,
          `task ${task}: image outside class`,
        );
      }
    }
    for (let t = 0; t < T; t++) {
      const expected = new Array(e.ways).fill(0);
      if (t >= 1 && t - 1 < e.ways * e.shots) expected[ep.labels[t - 1]] = 1;
      check(ep.slots[t].join() === expected.join(), `task ${task} step ${t}: label slot`);
    }
  }
  expect(problems).toEqual([]);
  // Labels are shuffled per episode: over many episodes every class id gets several labels.
  const labelsOf = new Map<number, Set<number>>();
  for (let task = 0; task < 200; task++) {
    const ep = omniglotEpisodeCodes({ seed: 1, stream: 0, step: 0, task }, e, { pool, starts, counts });
    ep.classes.forEach((id, label) => labelsOf.set(id, (labelsOf.get(id) ?? new Set()).add(label)));
  }
  expect(labelsOf.size).toBe(20);
  for (const s of labelsOf.values()) expect(s.size).toBeGreaterThan(2);
  const other = omniglotEpisodeCodes({ seed: 9, stream: 1, step: 3, task: 0 }, e, { pool, starts, counts });
  expect(other).not.toEqual(
    omniglotEpisodeCodes({ seed: 9, stream: 0, step: 3, task: 0 }, e, { pool, starts, counts }),
  );
});

test.describe('one-shot runs (Lake et al. 2015 layout)', () => {
  test.skip(!haveSmall1, `needs ${SMALL1}`);

  test('parses a fixture built from small1 and scores it end to end', async () => {
    const same = runsFixture(true);
    const runs = parseOmniglotRuns(same.zip);
    expect(runs.map((r) => r.name)).toEqual(['run01', 'run02']);
    for (const [i, r] of runs.entries()) {
      expect(r.training.length).toBe(20);
      expect(r.test.length).toBe(20);
      expect(r.training[0].length).toBe(784);
      expect(r.answers).toEqual(same.answers[i]);
    }
    // The runs' 105×105 PNGs go through exactly the preprocessing of training images: run01's class01 is the
    // first drawing of small1's first Korean character, bit for bit what loadOmniglot stored for it.
    const ds = loadSmall1();
    const korean = ds.characters.find((c) => c.alphabet === 'Korean')!;
    expect(runs[0].training[0]).toEqual(ds.images.slice(korean.start * 784, (korean.start + 1) * 784));
    // Test items that are the training images themselves: nearest neighbour makes no error.
    expect(await evaluateOmniglotRuns(runs, nearestNeighbour)).toEqual({
      errorRate: 0,
      errors: 0,
      trials: 40,
      perRun: [
        { name: 'run01', errors: 0, trials: 20 },
        { name: 'run02', errors: 0, trials: 20 },
      ],
    });
    // A classifier answering class 1 every time is right once per run (each class has one item).
    expect((await evaluateOmniglotRuns(runs, (r) => r.test.map(() => 0))).errorRate).toBeCloseTo(95, 10);
    // Other drawers: pixel nearest neighbour is a weak baseline, far above people's 4.5 %.
    const other = await evaluateOmniglotRuns(parseOmniglotRuns(runsFixture(false).zip), nearestNeighbour);
    expect(other.trials).toBe(40);
    expect(other.errorRate).toBeGreaterThan(20);
  });

  test('bad runs zips name the problem', () => {
    const { files } = runsFixture(true);
    const without = { ...files };
    delete without['run02/class_labels.txt'];
    delete without['run01/class_labels.txt'];
    expectOmniglotError(() => parseOmniglotRuns(zipSync(without)), 'no runNN/class_labels.txt');
    const missing = { ...files };
    delete missing['run01/training/class05.png'];
    expectOmniglotError(
      () => parseOmniglotRuns(zipSync(missing)),
      'run01/training/class05.png',
      'not in the zip',
    );
    const badLine = {
      ...files,
      'run01/class_labels.txt': new TextEncoder().encode('run01/test/item01.png\n'),
    };
    expectOmniglotError(() => parseOmniglotRuns(zipSync(badLine)), 'line 1');
  });
});
