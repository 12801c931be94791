/**
 * Upload your own data: the predictions `metarnn predict` makes (src/cli/predict.ts), from files the user
 * picks, read in the page — nothing is sent anywhere. The files go through the CLI's own readers (readXY,
 * parseSeries, readLabelledZip, userImage) so that they are taken, refused and worded the same way, then
 * through the current learner's adapt() and predict(), as the harness's predictRun does. The table shown
 * and the CSV it downloads are the CLI's `--out` file.
 */
import * as lib from '../../src/index';
import { readXY } from '../../src/data/csv';
import { checkCaps, readLabelledZip } from '../../src/data/image_layout';
import { parseSeries, type Series } from '../../src/data/series';
import { userImage } from '../../src/data/user_images';
import { TRAINED_X_RANGE } from '../../src/io/meta_config';
import type { MetaLearner } from '../../src/meta/learner';
import { fmt, h, say } from './dom';
import { state } from './state';

type Kind = 'regression' | 'forecast' | 'classification';

/** The CLI's caps on what it reads whole (series_file.ts, omniglot_file.ts: Node modules the page cannot import). */
const MAX_TABLE_BYTES = 64 << 20;
const MAX_ZIP_BYTES = 256 << 20;

/** What the panel shows and downloads: the table's cells as shown, and the CSV as the CLI writes it. */
interface Result {
  header: string[];
  rows: string[][];
  csv: string;
  readout: string;
}

/** Which of `metarnn predict`'s three kinds the learner answers (predictRun's checks), if any. */
function kindOf(l: MetaLearner | null): Kind | null {
  if (!l) return null;
  if (lib.isClassifier(l)) return 'classification';
  if (lib.isRegressor(l)) return 'regression';
  return lib.isForecaster(l) ? 'forecast' : null;
}

async function bytesOf(file: File, max: number): Promise<Uint8Array> {
  if (file.size > max) throw new lib.InputError(`cannot read ${file.name}: ${file.size} bytes, over ${max}`);
  return new Uint8Array(await file.arrayBuffer());
}

const textOf = async (file: File) => new TextDecoder().decode(await bytesOf(file, MAX_TABLE_BYTES));

/** A CSV cell as the CLI writes it: quoted only when it holds a quote, a comma or a line break. */
const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csvOf = (lines: string[]) => `${lines.join('\n')}\n`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** An `x,y` support CSV and an `x` (or `x,y`) query CSV → y at each query x, with the CLI's notes. */
async function regression(l: lib.Regressor, supportFile: File, queryFile: File): Promise<Result> {
  const c = l.config;
  const s = readXY(await textOf(supportFile), supportFile.name, { y: 'required' });
  const q = readXY(await textOf(queryFile), queryFile.name, { y: 'optional' });
  const notes: string[] = [];
  if (s.x.length !== c.shots) {
    notes.push(
      `note: the model was meta-trained on ${c.shots} support points per task; ${supportFile.name} has ${s.x.length}`,
    );
  }
  const range = TRAINED_X_RANGE[c.task];
  const outside = range ? [...s.x, ...q.x].filter((x) => x < range[0] || x > range[1]) : [];
  if (range && outside.length) {
    notes.push(
      `warning: ${outside.length} x value(s) outside [${range[0]}, ${range[1]}], the range the model was ` +
        `trained on (e.g. ${outside[0]}): predictions there are extrapolation`,
    );
  }
  const support = s.x.map((x, i) => ({ x, y: s.y![i] }));
  const y = await (await l.adapt(support)).predict(q.x);
  const mse = q.y && q.y.reduce((a, t, i) => a + (y[i] - t) ** 2, 0) / q.y.length;
  const readout =
    `Adapted to ${plural(s.x.length, 'support point')}, predicted ${plural(q.x.length, 'query', 'queries')}` +
    (mse === undefined ? '.' : ` · MSE ${mse.toPrecision(4)} on the query's y.`);
  return {
    header: ['x', 'y_pred'],
    rows: q.x.map((x, i) => [String(x), fmt(y[i])]),
    csv: csvOf(['x,y_pred', ...q.x.map((x, i) => `${x},${y[i]}`)]),
    readout: [readout, ...notes].join(' '),
  };
}

/**
 * The series to forecast: the value column named (the CLI's --value), else the file's own value column, else
 * the column the model was trained on (the CLI's readForecastInput).
 */
function readForecast(text: string, file: string, trained: string | undefined, value?: string): Series[] {
  if (value) return parseSeries(text, file, { value });
  try {
    return parseSeries(text, file);
  } catch (e) {
    if (!(e instanceof lib.InputError) || trained === undefined) throw e;
    try {
      return parseSeries(text, file, { value: trained });
    } catch {
      throw e; // the file's own problem, not the trained column's
    }
  }
}

/**
 * One series (CSV or JSON) → the next values over the model's horizon, and the context it read; `trained`:
 * the value column the model was trained on (its run config's `value`).
 */
async function forecast(
  l: lib.Forecaster,
  file: File,
  trained: string | undefined,
  o: { value?: string; horizon?: number } = {},
): Promise<Result> {
  const c = l.config;
  const horizon = o.horizon ?? c.queries;
  if (!Number.isSafeInteger(horizon) || horizon < 1 || horizon > c.queries) {
    throw new lib.InputError(
      `horizon ${horizon}: this model forecasts 1 to ${c.queries} steps ahead (the horizon it was trained for)`,
    );
  }
  const series = readForecast(await textOf(file), file.name, trained, o.value);
  if (series.length !== 1) {
    throw new lib.InputError(
      `${file.name} holds ${series.length} series (${series.map((s) => s.name).join(', ')}): give one ` +
        '(a value column, or time,value)',
    );
  }
  const history = series[0].values;
  const adapted = await l.adapt(history);
  const values = await adapted.predict(horizon);
  const context = adapted.context;
  const shown =
    context.length > 12
      ? `${context
          .slice(0, 3)
          .map((v) => fmt(v))
          .join(', ')}, …, ${context
          .slice(-6)
          .map((v) => fmt(v))
          .join(', ')}`
      : context.map((v) => fmt(v)).join(', ');
  const note =
    c.task === 'series' && history.length < c.shots
      ? ` note: the model was trained on contexts of ${c.shots} values; ${file.name} has ${history.length}`
      : '';
  return {
    header: ['step', 'value'],
    rows: values.map((v, i) => [String(i + 1), fmt(v)]),
    csv: csvOf(['step,value', ...values.map((v, i) => `${i + 1},${v}`)]),
    readout:
      `Read ${plural(context.length, 'value')} of “${series[0].name}” (${shown}) and forecast the next ` +
      `${values.length}.${note}`,
  };
}

/** A zip of `<class>/<image>` and query images → each query's class and every class's probability. */
async function classification(l: lib.EpisodeClassifier, zip: File, queries: File[]): Promise<Result> {
  const c = l.config as lib.MetaConfig & { ways: number };
  const labelled = readLabelledZip(await bytesOf(zip, MAX_ZIP_BYTES), zip.name);
  const labels = [...new Set(labelled.map((s) => s.label))];
  if (labels.length > c.ways) {
    throw new lib.InputError(
      `${zip.name} has ${labels.length} classes (${labels.join(', ')}) but this model is ${c.ways}-way: ` +
        `give at most ${c.ways} class folders`,
    );
  }
  if (labels.length < 2) {
    throw new lib.InputError(`${zip.name} has one class (${labels[0]}): give at least two class folders`);
  }
  if (!queries.length) throw new lib.InputError('no query images: choose PNG or JPEG files');
  checkCaps(
    queries.map((f) => ({ where: f.name, size: f.size })),
    'the query images',
  );
  const counts = labels.map((k) => labelled.filter((s) => s.label === k).length);
  const note = counts.some((n) => n !== c.shots)
    ? ` note: the model was meta-trained on ${c.shots} example(s) per class; ${zip.name} has ` +
      labels.map((k, i) => `${k} ${counts[i]}`).join(', ')
    : '';
  const support = labelled.map((s) => ({
    label: labels.indexOf(s.label),
    image: userImage(s.bytes, s.file),
  }));
  const images = await Promise.all(
    queries.map(async (f) => userImage(new Uint8Array(await f.arrayBuffer()), f.name)),
  );
  const probabilities = await (await l.adapt(support)).predict(images);
  const best = probabilities.map((p) => labels.reduce((b, _, k) => (p[k] > p[b] ? k : b), 0));
  return {
    header: ['query', 'class', ...labels.map((k) => `p(${k})`)],
    rows: probabilities.map((p, i) => [
      queries[i].name,
      labels[best[i]],
      ...labels.map((_, k) => `${(100 * p[k]).toFixed(1)}%`),
    ]),
    csv: csvOf([
      ['query', 'label', ...labels.map((k) => `p_${k}`)].map(cell).join(','),
      ...probabilities.map((p, i) =>
        [cell(queries[i].name), cell(labels[best[i]]), ...labels.map((_, k) => String(p[k]))].join(','),
      ),
    ]),
    readout:
      `Read ${plural(labelled.length, 'example')} of ${labels.length} classes (${labels.join(', ')}) and ` +
      `classified ${plural(queries.length, 'query', 'queries')}.${note}`,
  };
}

const TAKES: Record<Kind | 'none', (c: lib.MetaConfig) => string> = {
  regression: (c) =>
    `For this regression model: a support CSV with header x,y (the task's examples, ${c.shots} as in ` +
    'training) and a query CSV with header x (or x,y, and the MSE is shown).',
  forecast: (c) =>
    'For this forecaster: one series, as CSV (a value column, or time,value) or JSON records; it reads the ' +
    `series and forecasts the next ${c.queries} values.`,
  classification: (c) =>
    `For this ${(c as { ways?: number }).ways}-way classifier: a zip of one folder per class ` +
    '(<class>/<image>.png|.jpg) as the examples, and query images to classify.',
  none: () =>
    'Takes a sinusoid regressor, a forecaster (forecast, series) or an Omniglot classifier: train or load ' +
    'one, or use the shipped model above.',
};

const fileInput = (id: string, accept: string, multiple = false) =>
  h('input', { id, type: 'file', accept, multiple });
const fileLabel = (input: HTMLInputElement, text: string) =>
  h('label', { for: input.id, class: 'file' }, h('span', {}, text), input);

export class UploadData {
  readonly root = h('section', { id: 'upload-data', 'aria-labelledby': 'upload-title' });
  readonly #takes = h('p', { id: 'upload-takes' });
  readonly #support = fileInput('upload-support', '.csv,.tsv,text/csv');
  readonly #query = fileInput('upload-query', '.csv,.tsv,text/csv');
  readonly #series = fileInput('upload-series', '.csv,.tsv,.json,text/csv,application/json');
  readonly #zip = fileInput('upload-zip', '.zip,application/zip');
  readonly #images = fileInput('upload-images', '.png,.jpg,.jpeg', true);
  readonly #value = h('input', { id: 'upload-value', type: 'text', placeholder: 'value' });
  readonly #horizon = h('input', { id: 'upload-horizon', type: 'number', min: 1, step: 1 });
  readonly #forms: Record<Kind, HTMLElement> = {
    regression: h(
      'div',
      { class: 'upload-files' },
      fileLabel(this.#support, 'Support CSV (x,y)'),
      fileLabel(this.#query, 'Query CSV (x or x,y)'),
    ),
    forecast: h(
      'div',
      { class: 'upload-files' },
      fileLabel(this.#series, 'Series (CSV or JSON)'),
      h('label', { for: 'upload-value' }, h('span', {}, 'Value column (optional)'), this.#value),
      h('label', { for: 'upload-horizon' }, h('span', {}, 'Horizon (optional)'), this.#horizon),
    ),
    classification: h(
      'div',
      { class: 'upload-files' },
      fileLabel(this.#zip, 'Examples: zip of class folders'),
      fileLabel(this.#images, 'Query images'),
    ),
  };
  readonly predictButton = h('button', { id: 'upload-predict', type: 'button' }, 'Predict');
  readonly #readout = h('p', { id: 'upload-readout', class: 'readout', 'aria-live': 'polite' });
  readonly #table = h('table', { id: 'upload-table', class: 'upload-table' });
  readonly #download = h('a', { id: 'upload-download', class: 'button', download: 'predictions.csv' });
  #url = '';
  #shown: MetaLearner | null = null;
  #busy = false;

  constructor() {
    this.#download.textContent = 'Download CSV';
    this.root.append(
      h('h3', { id: 'upload-title' }, 'Upload your own data'),
      h(
        'p',
        {},
        'The model adapts to your examples — no training — and predicts, as metarnn predict does; the same ' +
          'files give the same answers. Your files are read in this page and never leave it.',
      ),
      this.#takes,
      ...Object.values(this.#forms),
      h('div', { class: 'buttons' }, this.predictButton, this.#download),
      this.#readout,
      this.#table,
    );
    this.predictButton.addEventListener('click', () => void this.#predict());
    this.refresh();
  }

  /** Shows the inputs the current learner takes; a new learner clears the last results. */
  refresh(): void {
    const l = state.learner;
    const kind = kindOf(l);
    this.#takes.textContent = TAKES[kind ?? 'none'](l?.config ?? state.config);
    for (const [k, form] of Object.entries(this.#forms)) form.hidden = k !== kind;
    this.predictButton.hidden = !kind;
    this.predictButton.disabled = this.#busy || state.training;
    if (l !== this.#shown) {
      this.#shown = l;
      this.#show(null);
    }
  }

  /** The results (or none): the table, the readout and the download link. */
  #show(r: Result | null, error = false): void {
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = r ? URL.createObjectURL(new Blob([r.csv], { type: 'text/csv' })) : '';
    this.#download.href = this.#url;
    this.#download.hidden = !r;
    this.#table.replaceChildren(
      ...(r
        ? [
            h('thead', {}, h('tr', {}, ...r.header.map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, ...r.rows.map((row) => h('tr', {}, ...row.map((v) => h('td', {}, v))))),
          ]
        : []),
    );
    this.#table.hidden = !r;
    if (!error) this.#readout.textContent = r?.readout ?? '';
    this.#readout.classList.toggle('error', error);
  }

  async #predict(): Promise<void> {
    const l = state.learner;
    if (!l || this.#busy) return;
    if (state.training) return say('Pause training first.', true);
    this.#busy = true;
    this.predictButton.disabled = true;
    this.#readout.classList.remove('error');
    this.#readout.textContent = 'Reading your files…';
    try {
      const r = await this.#run(l);
      if (state.learner !== l) return; // another learner came meanwhile: these answers are not its
      this.#show(r);
      say(`Predicted ${plural(r.rows.length, 'row')} from your files.`);
    } catch (e) {
      const message = (e as Error).message;
      this.#show(null, true);
      this.#readout.textContent = message;
      say(message, true);
      // A file the user can fix is not a fault of the page (and the e2e tests fail on console errors).
      if (!(e instanceof lib.InputError)) console.error(e);
    } finally {
      this.#busy = false;
      this.refresh();
    }
  }

  async #run(l: MetaLearner): Promise<Result> {
    const one = (input: HTMLInputElement, what: string) => {
      const f = input.files?.[0];
      if (!f) throw new lib.InputError(`choose ${what} first`);
      return f;
    };
    if (lib.isClassifier(l)) {
      return classification(l, one(this.#zip, 'a zip of class folders'), [...(this.#images.files ?? [])]);
    }
    if (lib.isRegressor(l)) {
      return regression(l, one(this.#support, 'a support CSV'), one(this.#query, 'a query CSV'));
    }
    if (lib.isForecaster(l)) {
      const value = this.#value.value.trim() || undefined;
      const horizon = this.#horizon.value.trim() ? Number(this.#horizon.value) : undefined;
      return forecast(l, one(this.#series, 'a series file'), state.config.value, { value, horizon });
    }
    throw new lib.InputError(TAKES.none(l.config));
  }
}
