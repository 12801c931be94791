/**
 * `metarnn predict` on the shipped Omniglot classifier (models/omniglot-5w1s-attention) with a user's own
 * images, as a user gives them: a support folder (or zip) of `<class>/<image>` and a folder of queries. The
 * images are real Omniglot drawings of Sanskrit, one of the model's test alphabets (0.76 in 5-way 1-shot
 * episodes, chance 0.2): five characters, one drawing each as the support, four others each as queries. The
 * same drawings as colour or inverted 300×300 JPEGs must be classified alike; fewer classes than ways, a
 * zipped support and the CSV output are checked against the PNG run. Bad inputs fail before the browser
 * starts, with one line, exit code 2, and write nothing.
 */
import { expect, test } from '@playwright/test';
import { decode as decodePng } from 'fast-png';
import { unzipSync, zipSync } from 'fflate';
import { encode as encodeJpeg } from 'jpeg-js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cli, ROOT, type Ran } from './cli_helper';

const MODEL = 'models/omniglot-5w1s-attention';
const ZIP = join(ROOT, '../shared/data/omniglot/images_background_small2.zip');
const ALPHABET = 'images_background_small2/Sanskrit/';
const CLASSES = 5;
const QUERIES_PER_CLASS = 4;
const JPEG_SIDE = 300;

interface Prediction {
  query: string;
  label: string;
  probabilities: Record<string, number>;
}
interface Summary {
  kind: string;
  checkpoint: string;
  predictions: Prediction[];
}

let dir: string;
/** The five class folders' names (Omniglot's character folders), sorted. */
let classes: string[];
/** A sixth character, for the too-many-classes case. */
let extra: string;
/** Each query's class, by its file name without the extension. */
const truth = new Map<string, string>();
/** The PNG run's answers (--json), its CSV (stdout without --json), what every other run is held against. */
let png: Summary;
let pngCsv: string;

const available = existsSync(ZIP) && existsSync(join(ROOT, MODEL, 'config.json'));
const at = (...p: string[]) => join(dir, ...p);
const stem = (file: string) => basename(file).replace(/\.[^.]+$/, '');

function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
}

/** A decoded Omniglot PNG (1-bit or 8-bit grey) as ink in [0, 1], row-major. */
function inkOf(bytes: Uint8Array): { width: number; height: number; ink: Float32Array } {
  const p = decodePng(bytes);
  expect(p.channels, 'Omniglot PNGs are grey').toBe(1);
  const max = 2 ** p.depth - 1;
  const rowBytes = Math.ceil((p.width * p.depth) / 8);
  const ink = new Float32Array(p.width * p.height);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const v =
        p.depth >= 8
          ? p.data[y * p.width + x]
          : (p.data[y * rowBytes + ((x * p.depth) >> 3)] >> (8 - p.depth - ((x * p.depth) & 7))) & max;
      ink[y * p.width + x] = 1 - v / max; // Omniglot: black strokes on white
    }
  }
  return { width: p.width, height: p.height, ink };
}

/**
 * The drawing as a user's JPEG: upscaled bilinearly to JPEG_SIDE², then either white ink on black
 * ('inverted') or dark-blue ink on cream paper ('colour'), quality 90.
 */
function userJpeg(bytes: Uint8Array, style: 'inverted' | 'colour'): Uint8Array {
  const { width, height, ink } = inkOf(bytes);
  const [paper, pen] =
    style === 'inverted'
      ? [
          [0, 0, 0],
          [255, 255, 255],
        ]
      : [
          [245, 236, 210],
          [25, 35, 120],
        ];
  const n = JPEG_SIDE;
  const data = Buffer.alloc(n * n * 4);
  const pick = (x: number, y: number) => ink[Math.min(height - 1, y) * width + Math.min(width - 1, x)];
  for (let j = 0; j < n; j++) {
    const fy = Math.max(0, ((j + 0.5) * height) / n - 0.5);
    const y0 = Math.floor(fy);
    for (let i = 0; i < n; i++) {
      const fx = Math.max(0, ((i + 0.5) * width) / n - 0.5);
      const x0 = Math.floor(fx);
      const [dx, dy] = [fx - x0, fy - y0];
      const a =
        (1 - dy) * ((1 - dx) * pick(x0, y0) + dx * pick(x0 + 1, y0)) +
        dy * ((1 - dx) * pick(x0, y0 + 1) + dx * pick(x0 + 1, y0 + 1));
      for (let c = 0; c < 3; c++) data[4 * (j * n + i) + c] = Math.round(paper[c] + a * (pen[c] - paper[c]));
      data[4 * (j * n + i) + 3] = 255;
    }
  }
  return encodeJpeg({ data, width: n, height: n }, 90).data;
}

function predict(...args: string[]): Promise<Ran> {
  return cli('predict', '--checkpoint', MODEL, ...args);
}

/** A --json run: one object, its predictions checked for shape against the queries and class folders given. */
async function predictJson(support: string, query: string, labels: string[]): Promise<Summary> {
  const r = await predict('--support', support, '--query', query, '--json');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/^(note|warning)/m); // one image per class, as the model was trained
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  const j = JSON.parse(r.stdout) as Summary;
  expect(Object.keys(j).sort()).toEqual(['checkpoint', 'kind', 'predictions']);
  expect(j).toMatchObject({ kind: 'classification', checkpoint: MODEL });
  expect(j.predictions).toHaveLength(truth.size);
  for (const p of j.predictions) {
    expect(Object.keys(p).sort()).toEqual(['label', 'probabilities', 'query']);
    expect(Object.keys(p.probabilities).sort()).toEqual([...labels].sort());
    const ps = Object.values(p.probabilities);
    for (const v of ps) expect(v).toBeGreaterThanOrEqual(0);
    expect(Math.abs(ps.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
    expect(labels).toContain(p.label);
    expect(p.probabilities[p.label]).toBe(Math.max(...ps));
  }
  return j;
}

/** One line on stderr, `metarnn: …`, exit code 2, nothing on stdout and no --out file. */
async function refused(args: string[], ...expected: (string | RegExp)[]): Promise<void> {
  const out = at(`refused-${Math.random().toString(36).slice(2)}.csv`);
  const r = await cli('predict', ...args, '--out', out);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^metarnn: /);
  for (const e of expected) expect(lines[0]).toMatch(e);
  expect(r.stdout).toBe('');
  expect(existsSync(out)).toBe(false);
}

test.describe.serial('predict with your own images', () => {
  test.skip(!available, `needs ${ZIP} (the shared Omniglot data) and ${MODEL}`);

  test.beforeAll(() => {
    if (!available) return;
    dir = mkdtempSync(join(tmpdir(), 'metarnn-predict-images-'));
    const files = unzipSync(readFileSync(ZIP), {
      filter: (f) => f.name.startsWith(ALPHABET) && f.name.endsWith('.png'),
    });
    const byClass = new Map<string, string[]>();
    for (const name of Object.keys(files).sort()) {
      const c = name.slice(ALPHABET.length).split('/')[0];
      byClass.set(c, [...(byClass.get(c) ?? []), name]);
    }
    // The alphabet's first five characters, in order; the first drawing of each is its example.
    const all = [...byClass.keys()].sort();
    classes = all.slice(0, CLASSES);
    extra = all[CLASSES];
    const zipped: Record<string, Uint8Array> = {};
    let k = 0;
    for (const c of classes) {
      const [example, ...rest] = byClass.get(c)!;
      const file = basename(example);
      put(at('support', c, file), files[example]);
      put(
        at('support-jpeg', c, `${stem(file)}.jpg`),
        userJpeg(files[example], k++ % 2 ? 'colour' : 'inverted'),
      );
      zipped[`mine/${c}/${file}`] = files[example];
      for (const q of rest.slice(0, QUERIES_PER_CLASS)) {
        truth.set(stem(q), c);
        put(at('query', basename(q)), files[q]);
        put(at('query-jpeg', `${stem(q)}.jpg`), userJpeg(files[q], k++ % 2 ? 'colour' : 'inverted'));
      }
    }
    writeFileSync(at('support.zip'), zipSync(zipped));
    for (const c of classes.slice(0, 3)) {
      const [example] = byClass.get(c)!;
      put(at('support-3', c, basename(example)), files[example]);
    }
    // Bad supports: a sixth class, an empty class folder, a .png that is text, a single class.
    for (const c of [...classes, extra]) {
      const [example] = byClass.get(c)!;
      put(at('support-6', c, basename(example)), files[example]);
    }
    for (const c of classes.slice(0, 4)) {
      const [example] = byClass.get(c)!;
      put(at('support-empty', c, basename(example)), files[example]);
      put(at('support-fake', c, basename(example)), files[example]);
    }
    mkdirSync(at('support-empty', classes[4]), { recursive: true });
    put(at('support-fake', classes[4], 'drawing.png'), 'not an image, only named like one\n');
    put(
      at('support-one', classes[0], basename(byClass.get(classes[0])![0])),
      files[byClass.get(classes[0])![0]],
    );
    mkdirSync(at('query-empty'));
  });
  test.afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('PNG drawings of a test alphabet: one labelled prediction per query, well above chance', async () => {
    png = await predictJson(at('support'), at('query'), classes);
    expect(png.predictions.map((p) => p.query)).toEqual(
      [...truth.keys()].map((s) => at('query', `${s}.png`)),
    );
    const right = png.predictions.filter((p) => p.label === truth.get(stem(p.query))).length;
    const accuracy = right / png.predictions.length;
    console.log(`PNG accuracy ${right}/${png.predictions.length} = ${accuracy.toFixed(2)} (chance 0.2)`);
    expect(accuracy).toBeGreaterThanOrEqual(0.55);
  });

  test('the same drawings as inverted or colour 300×300 JPEGs get the same labels', async () => {
    const jpeg = await predictJson(at('support-jpeg'), at('query-jpeg'), classes);
    expect(jpeg.predictions.map((p) => stem(p.query))).toEqual(png.predictions.map((p) => stem(p.query)));
    const same = jpeg.predictions.filter((p, i) => p.label === png.predictions[i].label).length;
    const right = jpeg.predictions.filter((p) => p.label === truth.get(stem(p.query))).length;
    console.log(
      `JPEG agreement with PNG ${same}/${jpeg.predictions.length}; JPEG accuracy ${right}/${jpeg.predictions.length}`,
    );
    expect(same / jpeg.predictions.length).toBeGreaterThanOrEqual(0.9);
  });

  test('fewer classes than the model has ways: probabilities over those classes only', async () => {
    const three = await predictJson(at('support-3'), at('query'), classes.slice(0, 3));
    expect(three.predictions.map((p) => p.query)).toEqual(png.predictions.map((p) => p.query));
  });

  test('a zipped support folder gives what the folder gives', async () => {
    const zipped = await predictJson(at('support.zip'), at('query'), classes);
    expect(zipped.predictions.map((p) => [p.query, p.label])).toEqual(
      png.predictions.map((p) => [p.query, p.label]),
    );
    zipped.predictions.forEach((p, i) => {
      for (const c of classes) {
        expect(Math.abs(p.probabilities[c] - png.predictions[i].probabilities[c])).toBeLessThan(1e-6);
      }
    });
  });

  test('without --json: CSV query,label,p_<class>… on stdout, or in the --out file', async () => {
    const r = await predict('--support', at('support'), '--query', at('query'));
    expect(r.code, r.stderr).toBe(0);
    pngCsv = r.stdout;
    const [header, ...rows] = pngCsv.trimEnd().split('\n');
    expect(header).toBe(['query', 'label', ...classes.map((c) => `p_${c}`)].join(','));
    expect(rows).toHaveLength(truth.size);
    rows.forEach((row, i) => {
      const [query, label, ...ps] = row.split(',');
      const p = png.predictions[i];
      expect([query, label]).toEqual([p.query, p.label]);
      ps.forEach((v, k) => expect(Math.abs(Number(v) - p.probabilities[classes[k]])).toBeLessThan(1e-6));
    });

    const out = at('predictions.csv');
    const written = await predict('--support', at('support'), '--query', at('query'), '--out', out);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(pngCsv);
  });

  test('refuses six class folders on the 5-way model', async () => {
    await refused(
      ['--checkpoint', MODEL, '--support', at('support-6'), '--query', at('query')],
      'has 6 classes',
      '5-way',
    );
  });

  test('refuses an empty class folder', async () => {
    await refused(
      ['--checkpoint', MODEL, '--support', at('support-empty'), '--query', at('query')],
      `${classes[4]}: no PNG or JPEG images in this class folder`,
    );
  });

  test('refuses a .png that is not an image, naming it', async () => {
    await refused(
      ['--checkpoint', MODEL, '--support', at('support-fake'), '--query', at('query')],
      `${join(classes[4], 'drawing.png')}: not a PNG or JPEG image`,
    );
  });

  test('refuses an empty query folder', async () => {
    await refused(
      ['--checkpoint', MODEL, '--support', at('support'), '--query', at('query-empty')],
      `no query images in ${at('query-empty')}`,
    );
  });

  test('refuses a classification without --query', async () => {
    await refused(['--checkpoint', MODEL, '--support', at('support')], '--query is needed');
  });

  test('refuses a single class folder', async () => {
    await refused(
      ['--checkpoint', MODEL, '--support', at('support-one'), '--query', at('query')],
      `has one class (${classes[0]})`,
      'at least two',
    );
  });

  test('a regression (sinusoid) model given an image folder says what it reads instead', async () => {
    const run = at('sinusoid');
    const r = await cli('train', '--task', 'sinusoid', '--steps', '10', '--hidden', '8', '--out', run);
    expect(r.code, r.stderr).toBe(0);
    await refused(
      ['--checkpoint', run, '--support', at('support'), '--query', at('query')],
      `${at('support')} is a folder, but ${run} holds a sinusoid/blackbox model`,
      'a CSV file with header x,y',
    );
  });
});
