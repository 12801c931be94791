/**
 * `metarnn export --format onnx` checked against our own kernels: for each black-box sequence learner, a tiny
 * model (20 steps of a 2x8 GRU) is trained and exported, the .onnx file runs under ONNX Runtime (onnxruntime-web,
 * its wasm backend, in Node) on fresh random inputs, and `metarnn predict` answers the same inputs on the GPU. The
 * two must agree to float32 rounding: any slip in the gate reorder, the step encoding, the standardisation or
 * the scaling back shows up far above it. Inputs are float32 values, so both sides read the same numbers.
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { unzipSync } from 'fflate';
import { encodeCheckpoint } from '../src/io/checkpoint';
import { userImage } from '../src/data/user_images';
import { rng, uniform } from '../src/layout/random';
import { cli, type Ran } from './cli_helper';

const TINY = ['--steps', '20', '--hidden', '8', '--layers', '2', '--seed', '3'];
const AS_ONNX = ['--which', 'last', '--format', 'onnx'];
/** Agreement asked of the two runtimes: relative, with a floor for values near 0. */
const REL = 1e-4;
const ABS = 1e-5;

let dir: string;

test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-onnx-'));
  ort.env.wasm.numThreads = 1;
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Trains `run` with `train` (task, learner, …) and exports it; returns an ONNX Runtime session on the file. */
async function trainAndExport(run: string, train: string[]): Promise<ort.InferenceSession> {
  await ok('train', ...train, ...TINY, '--out', join(dir, run));
  const out = join(dir, `${run}.onnx`);
  const said = await ok('export', '--checkpoint', join(dir, run), ...AS_ONNX, '--out', out);
  expect(said).toMatch(/ONNX \(opset 14\)/);
  return ort.InferenceSession.create(readFileSync(out));
}

/** `metarnn predict --json` on the last checkpoint of `run`. */
async function predict(run: string, ...args: string[]) {
  const out = await ok('predict', '--checkpoint', join(dir, run), ...args, '--json');
  return JSON.parse(out) as { predictions: { y?: number; value?: number }[]; context?: number[] };
}

/** Largest |a − e| beyond the allowed REL·|e| + ABS (≤ 0 when all agree), with `offset` taken off both. */
function excess(actual: ArrayLike<number>, expected: number[], offset = 0): number {
  expect(actual.length).toBe(expected.length);
  let worst = -Infinity;
  expected.forEach((e, i) => {
    const gap = Math.abs(actual[i] - e) - (REL * Math.abs(e - offset) + ABS);
    worst = Number.isNaN(gap) ? Infinity : Math.max(worst, gap);
  });
  return worst;
}

const csv = (header: string, rows: number[][]) => `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
const column = (header: string, values: number[]) => `${header}\n${values.join('\n')}\n`;
const f32 = (data: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(data), dims);

test('sinusoid/blackbox: the graph answers every query as predict does', async () => {
  const session = await trainAndExport('sinusoid', ['--task', 'sinusoid', '--learner', 'blackbox']);
  expect(session.inputNames).toEqual(['support', 'query_x']);
  expect(session.outputNames).toEqual(['y']);

  const rand = rng(11);
  const [amplitude, phase] = uniform(rand, 2, 0.5, 3);
  const sx = uniform(rand, 10, -5, 5);
  const sy = sx.map((x) => Math.fround(amplitude * Math.sin(x + phase)));
  const qx = uniform(rand, 7, -5, 5); // Q differs from the trained 10: the graph's Q is dynamic
  const pairs = sx.map((x, i) => [x, sy[i]]);
  const support = file('support.csv', csv('x,y', pairs));
  const query = file('query.csv', column('x', qx));

  const ours = (await predict('sinusoid', '--support', support, '--query', query)).predictions.map(
    (p) => p.y!,
  );
  const feeds = { support: f32(pairs.flat(), [10, 2]), query_x: f32(qx, [7]) };
  const theirs = (await session.run(feeds)).y;
  expect(theirs.dims).toEqual([7]);
  expect(excess(theirs.data as Float32Array, ours)).toBeLessThanOrEqual(0);
  expect(new Set(ours).size).toBe(7); // the queries were read, not a constant
});

test('regression/blackbox: the stored scaling of your own tasks happens inside the graph', async () => {
  // Six tasks of lines far from unit scale: x over 0…40, y in the hundreds.
  const tasks = join(dir, 'tables');
  mkdirSync(tasks);
  for (let k = 0; k < 6; k++) {
    const rows = Array.from({ length: 24 }, (_, i) => [i * 1.7, 200 + 15 * k + (k - 2.5) * i * 1.7]);
    writeFileSync(join(tasks, `t${k}.csv`), csv('x,y', rows));
  }
  const session = await trainAndExport('regression', [
    '--task',
    'regression',
    '--learner',
    'blackbox',
    '--data',
    tasks,
  ]);
  const rand = rng(5);
  const sx = uniform(rand, 10, 0, 40);
  const pairs = sx.map((x) => [x, Math.fround(230 + 1.5 * x)]);
  const qx = uniform(rand, 6, 0, 40);
  const ours = (
    await predict(
      'regression',
      '--support',
      file('rs.csv', csv('x,y', pairs)),
      '--query',
      file('rq.csv', column('x', qx)),
    )
  ).predictions.map((p) => p.y!);
  const theirs = (await session.run({ support: f32(pairs.flat(), [10, 2]), query_x: f32(qx, [6]) })).y;
  expect(excess(theirs.data as Float32Array, ours)).toBeLessThanOrEqual(0);
  expect(ours.every((y) => y > 100)).toBe(true); // in the tasks' units, not the model's
});

test('forecast/blackbox: a batch of contexts of a length the model was not trained on', async () => {
  const session = await trainAndExport('forecast', ['--task', 'forecast', '--learner', 'blackbox']);
  expect(session.inputNames).toEqual(['context']);
  expect(session.outputNames).toEqual(['forecast']);

  const rand = rng(12);
  const C = 12; // trained on 16
  const rows = [0, 1].map(() => {
    const [a, w, p] = uniform(rand, 3, 0.5, 2);
    return Array.from({ length: C }, (_, t) => Math.fround(a * Math.sin(w * t + p)));
  });
  const theirs = (await session.run({ context: f32(rows.flat(), [2, C]) })).forecast;
  expect(theirs.dims).toEqual([2, 4]); // --queries 4, the forecast default
  for (const [b, row] of rows.entries()) {
    const series = file(`forecast-${b}.csv`, column('value', row));
    const ours = (await predict('forecast', '--support', series)).predictions.map((p) => p.value!);
    const mine = (theirs.data as Float32Array).subarray(4 * b, 4 * b + 4);
    expect(excess(mine, ours), `row ${b}`).toBeLessThanOrEqual(0);
  }
});

test('series/blackbox: per-row standardisation and the scaling back happen inside the graph', async () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  const wide = Array.from({ length: 40 }, (_, t) => [
    t,
    ...names.map((_, k) =>
      Number((10 * (k + 1) + (1 + k / 2) * Math.sin((2 * Math.PI * t) / (6 + k) + k)).toFixed(4)),
    ),
  ]);
  const data = file('wide.csv', csv(`time,${names.join(',')}`, wide));
  const model = ['--task', 'series', '--learner', 'blackbox', '--shots', '8', '--queries', '3'];
  const session = await trainAndExport('series', [...model, '--data', data]);
  expect(session.inputNames).toEqual(['context']);

  // Two rows at other levels and spreads than the training series: the standardisation carries them.
  const rand = rng(13);
  const rows = [
    { level: 25, spread: 3 },
    { level: 70, spread: 0.4 },
  ].map(({ level, spread }) =>
    uniform(rand, 8, -1, 1).map((u, t) => Math.fround(level + spread * (u + Math.sin(t)))),
  );
  const theirs = (await session.run({ context: f32(rows.flat(), [2, 8]) })).forecast;
  expect(theirs.dims).toEqual([2, 3]);
  for (const [b, row] of rows.entries()) {
    const series = file(`series-${b}.csv`, column('value', row));
    const got = await predict('series', '--support', series);
    expect(got.context).toEqual(row); // exactly `shots` values: the model read them all
    const ours = got.predictions.map((p) => p.value!);
    const mine = (theirs.data as Float32Array).subarray(3 * b, 3 * b + 3);
    // Measured on the change from the last value: the level alone would hide an error in the model's part.
    expect(excess(mine, ours, row[7]), `row ${b}`).toBeLessThanOrEqual(0);
  }
});

/** One line on stderr, `metarnn: …`, exit code 2. */
function refused(r: Ran, ...expected: RegExp[]): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  for (const e of [/^metarnn: /, ...expected]) expect(lines[0]).toMatch(e);
}

test('other learners and unknown formats are refused in one line, and nothing is written', async () => {
  const out = join(dir, 'refused.onnx');

  // A MAML run, written here: the refusal reads the config, not the weights.
  const config = JSON.parse(readFileSync(join(dir, 'sinusoid', 'config.json'), 'utf8'));
  const maml = join(dir, 'maml');
  mkdirSync(maml);
  file('maml/config.json', JSON.stringify({ ...config, learner: 'maml' }));
  writeFileSync(
    join(maml, 'checkpoint.safetensors'),
    encodeCheckpoint(1, { ...config, learner: 'maml' }, []),
  );
  const r = await cli('export', '--checkpoint', maml, ...AS_ONNX, '--out', out);
  refused(r, /sinusoid\/maml/, /ONNX export covers/);

  const bad = await cli('export', '--checkpoint', join(dir, 'sinusoid'), '--format', 'tflite', '--out', out);
  refused(bad, /--format "tflite": expected dir or onnx/);
  expect(existsSync(out)).toBe(false);
});

const SMALL2 = '../shared/data/omniglot/images_background_small2.zip';

/**
 * The Omniglot black-box classifier: the trained 5-way 1-shot models (conv encoder, paired labels; plain GRU
 * and with the attention read) on five Sanskrit characters, one drawing each as the support and two more of
 * each as queries, given to predict as PNG folders. The graph reads the same PNGs preprocessed by userImage,
 * the support in the order predict reads it (classes taking turns: with one drawing each, labels 0…4), and
 * its softmax must give predict's probabilities (the masked softmax over the 5 present labels, here all).
 */
test.describe('omniglot/blackbox', () => {
  test.skip(!existsSync(SMALL2), `needs ${SMALL2} (the shared Omniglot data)`);

  const ways = 5;
  let supportDir: string;
  let queryDir: string;
  let support: Float32Array[];
  let queries: Float32Array[];

  test.beforeAll(() => {
    const zip = unzipSync(readFileSync(SMALL2), {
      filter: (f) => /^images_background_small2\/Sanskrit\/character0[1-5]\/.*\.png$/.test(f.name),
    });
    supportDir = join(dir, 'omniglot-support');
    queryDir = join(dir, 'omniglot-query');
    mkdirSync(queryDir, { recursive: true });
    support = [];
    queries = [];
    for (let k = 0; k < ways; k++) {
      const names = Object.keys(zip)
        .filter((n) => n.includes(`/character0${k + 1}/`))
        .sort();
      mkdirSync(join(supportDir, `c${k}`), { recursive: true });
      writeFileSync(join(supportDir, `c${k}`, 'a.png'), zip[names[0]]);
      support.push(userImage(zip[names[0]], names[0]));
      for (const j of [1, 2]) {
        writeFileSync(join(queryDir, `q${k}${j}.png`), zip[names[j]]);
        queries.push(userImage(zip[names[j]], names[j]));
      }
    }
  });

  test('a tiny MLP-encoder model with delayed labels, 2 layers and the attention read: 3 classes, 2 shots', async () => {
    const run = 'omniglot-tiny';
    const session = await trainAndExport(run, [
      ...['--task', 'omniglot', '--learner', 'blackbox', '--data', SMALL2, '--encoder', 'mlp'],
      ...['--labels', 'delayed', '--memory', 'attention', '--pretrain-steps', '0', '--steps', '3'],
      ...['--hidden', '8', '--layers', '2', '--seed', '3'],
    ]);
    // Two drawings of characters 1…3; predict lets the classes take turns: a of 0, 1, 2, then b of 0, 1, 2.
    const zip = unzipSync(readFileSync(SMALL2), {
      filter: (f) => /^images_background_small2\/Sanskrit\/character0[1-3]\/.*\.png$/.test(f.name),
    });
    const two = join(dir, 'omniglot-two-shot');
    const turns: Float32Array[] = [];
    for (const j of [0, 1]) {
      for (let k = 0; k < 3; k++) {
        const names = Object.keys(zip)
          .filter((n) => n.includes(`/character0${k + 1}/`))
          .sort();
        mkdirSync(join(two, `c${k}`), { recursive: true });
        writeFileSync(join(two, `c${k}`, `${'ab'[j]}.png`), zip[names[j]]);
        turns.push(userImage(zip[names[j]], names[j]));
      }
    }
    const json = await ok(
      'predict',
      '--checkpoint',
      join(dir, run),
      '--support',
      two,
      '--query',
      queryDir,
      '--json',
    );
    const predictions = (JSON.parse(json) as { predictions: { probabilities: Record<string, number> }[] })
      .predictions;
    const r = await session.run({
      support_images: f32(
        turns.flatMap((x) => Array.from(x)),
        [6, 28, 28],
      ),
      support_labels: new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 2n, 0n, 1n, 2n]), [6]),
      query_images: f32(
        queries.flatMap((x) => Array.from(x)),
        [10, 28, 28],
      ),
    });
    const logits = r.logits.data as Float32Array;
    const probs = r.probabilities.data as Float32Array;
    // An untrained model's probabilities sit near 1/3: compare log-odds against class 0, logit differences.
    let worst = 0;
    const spread: number[] = [];
    predictions.forEach((p, i) => {
      for (const k of [1, 2]) {
        const ours = Math.log(p.probabilities[`c${k}`] / p.probabilities.c0);
        const theirs = logits[ways * i + k] - logits[ways * i];
        worst = Math.max(worst, Math.abs(theirs - ours));
        spread.push(ours);
      }
      for (const k of [3, 4]) expect(probs[ways * i + k]).toBe(0);
      for (const k of [0, 1, 2]) expect(probs[ways * i + k]).toBeCloseTo(p.probabilities[`c${k}`], 5);
    });
    expect(worst).toBeLessThanOrEqual(2e-5);
    console.log(`tiny delayed/mlp/attention model: largest log-odds gap ${worst.toExponential(2)}`);
    expect(Math.max(...spread) - Math.min(...spread)).toBeGreaterThan(1e-3); // the images were read
  });

  for (const model of ['omniglot-5w1s-gru', 'omniglot-5w1s-attention']) {
    test(`${model}: softmax of the graph's logits is predict's probabilities`, async () => {
      const out = join(dir, `${model}.onnx`);
      const checkpoint = join('models', model);
      const said = await ok('export', '--checkpoint', checkpoint, ...AS_ONNX, '--out', out);
      expect(said).toMatch(/ONNX \(opset 14\) of omniglot\/blackbox/);
      const session = await ort.InferenceSession.create(readFileSync(out));
      expect(session.inputNames).toEqual(['support_images', 'support_labels', 'query_images']);
      expect(session.outputNames).toEqual(['logits', 'probabilities']);

      const json = await ok(
        'predict',
        '--checkpoint',
        checkpoint,
        '--support',
        supportDir,
        '--query',
        queryDir,
        '--json',
      );
      const predictions = (
        JSON.parse(json) as {
          predictions: { query: string; probabilities: Record<string, number> }[];
        }
      ).predictions;
      expect(predictions).toHaveLength(10);

      const feeds = {
        support_images: f32(
          support.flatMap((x) => Array.from(x)),
          [ways, 28, 28],
        ),
        support_labels: new ort.Tensor(
          'int64',
          BigInt64Array.from({ length: ways }, (_, k) => BigInt(k)),
          [ways],
        ),
        query_images: f32(
          queries.flatMap((x) => Array.from(x)),
          [10, 28, 28],
        ),
      };
      const r = await session.run(feeds);
      expect(r.logits.dims).toEqual([10, ways]);
      const logits = r.logits.data as Float32Array;
      const probs = r.probabilities.data as Float32Array;
      let worst = 0;
      let right = 0;
      predictions.forEach((p, i) => {
        expect(p.query).toMatch(new RegExp(`q${Math.floor(i / 2)}${(i % 2) + 1}\\.png$`));
        const row = Array.from(logits.subarray(ways * i, ways * i + ways));
        const top = Math.max(...row);
        const e = row.map((v) => Math.exp(v - top));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let k = 0; k < ways; k++) {
          const theirs = p.probabilities[`c${k}`];
          worst = Math.max(worst, Math.abs(e[k] / sum - theirs), Math.abs(probs[ways * i + k] - theirs));
        }
        if (row.indexOf(top) === Math.floor(i / 2)) right++;
      });
      expect(worst).toBeLessThanOrEqual(1e-4);
      console.log(`${model}: largest probability gap ${worst.toExponential(2)}, ${right}/10 queries right`);

      // Fewer classes than ways: the probabilities output masks the absent labels as predict does.
      const three = {
        support_images: f32(
          support.slice(0, 3).flatMap((x) => Array.from(x)),
          [3, 28, 28],
        ),
        support_labels: new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 2n]), [3]),
        query_images: f32(Array.from(queries[0]), [1, 28, 28]),
      };
      const masked = Array.from((await session.run(three)).probabilities.data as Float32Array);
      expect(masked.slice(3)).toEqual([0, 0]);
      expect(masked.slice(0, 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    });
  }
});
