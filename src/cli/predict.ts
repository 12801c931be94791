/**
 * `metarnn predict`: a trained model adapted to the user's own examples, with no weight trained — the black-box
 * learners read the examples, the gradient-based ones run their own inner loop — then asked the user's
 * queries. Regression reads an `x,y` support CSV and an `x` (or `x,y`) query CSV; forecasting reads a series
 * (CSV or JSON, as `train --task series` does) and forecasts its next values. The input scaling a model was
 * trained with lives in the learner and is applied there, never left to the user.
 */
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { writeFileAtomic } from '../io/files';
import { TRAINED_X_RANGE, type TaskName } from '../io/meta_config';
import type { PredictInput, PredictOutput } from '../protocol/harness';
import { InputError } from '../runtime/errors';
import { readSeriesPath, readXYFile } from '../data/series_file';
import { readLabelledImages, readQueryImages } from '../data/image_folder';
import { userImage } from '../data/user_images';
import { readRun, WHICH_CHECKPOINTS, type SavedRun, type WhichCheckpoint } from './run_dir';
import { withRunner } from './runner';

interface PredictOptions {
  checkpoint: string;
  which: string;
  support?: string;
  query?: string;
  horizon?: string;
  value?: string;
  out?: string;
  json?: boolean;
}

/** What each task family's model answers. */
const KIND: Partial<Record<TaskName, PredictInput['kind']>> = {
  sinusoid: 'regression',
  regression: 'regression',
  forecast: 'forecast',
  series: 'forecast',
  omniglot: 'classification',
};

/** A classified query: its file as given, the most probable class (folder name) and every class's probability. */
export interface ClassPrediction {
  query: string;
  label: string;
  probabilities: Record<string, number>;
}

/** One prediction per query: `{x, y}` for regression, `{step, value}` for a forecast, a ClassPrediction. */
export interface PredictSummary {
  kind: PredictInput['kind'];
  checkpoint: string;
  predictions: { x: number; y: number }[] | { step: number; value: number }[] | ClassPrediction[];
  /** Regression with y in the query file: the mean squared error of the predictions. */
  mse?: number;
  /** Forecast: the values the model read (a series model reads the last `shots` of the history). */
  context?: number[];
}

export function register(program: Command): void {
  program
    .command('predict')
    .description(
      'adapt a trained model to your own examples (no training) and predict: regression from x,y CSVs, the next values of a series',
    )
    .requiredOption('--checkpoint <dir>', 'run directory or shipped model (models/NAME)')
    .option('--which <checkpoint>', 'last or best (chosen on validation)', 'last')
    .requiredOption(
      '--support <file>',
      'regression: CSV with header x,y (the task’s examples); forecasting: the series so far (CSV value or time,value, or JSON)',
    )
    .option('--query <file>', 'regression: CSV with header x (or x,y: then the MSE is reported too)')
    .option(
      '--horizon <n>',
      'forecasting: values to forecast (default: the horizon the model was trained for)',
    )
    .option('--value <column>', 'forecasting: the column holding the values, when the file has several')
    .option('--out <file>', 'write the predictions as CSV here (default: stdout)')
    .option('--json', 'print one JSON object: {"kind", "checkpoint", "predictions": [...], …}')
    .action(async (opts: PredictOptions) => {
      if (!(WHICH_CHECKPOINTS as readonly string[]).includes(opts.which)) {
        throw new InputError(
          `--which ${JSON.stringify(opts.which)}: expected ${WHICH_CHECKPOINTS.join(' or ')}`,
        );
      }
      const run = readRun(opts.checkpoint, opts.which as WhichCheckpoint);
      const plan = predictInput(run, opts);
      const out = await withRunner((runner) => runner.call('predictRun', run.config, run.resume, plan.input));
      const summary = summarize(opts.checkpoint, plan, out);
      const csv = toCsv(summary);
      if (opts.out) writeFileAtomic(opts.out, new TextEncoder().encode(csv));
      if (opts.json) console.log(JSON.stringify(summary));
      else if (!opts.out) process.stdout.write(csv);
      if (!opts.json && summary.mse !== undefined)
        console.error(`mse ${summary.mse.toPrecision(4)} on the query's y`);
    });
}

/** Reads and checks the user's files for this checkpoint's kind of model; warns where the model extrapolates. */
export function predictInput(run: SavedRun, opts: PredictOptions): PredictPlan {
  const c = run.config;
  const kind = KIND[c.task];
  if (!kind) {
    throw new InputError(
      `${opts.checkpoint} holds a ${c.task}/${c.learner} model: predict takes regression (sinusoid), ` +
        'forecasting (forecast, series) and classification (omniglot) models',
    );
  }
  if (kind === 'classification') return classificationInput(run, opts);
  if (kind === 'regression') {
    if (!opts.query)
      throw new InputError('--query FILE is needed for a regression model: a CSV with header x');
    if (opts.horizon !== undefined) throw new InputError('--horizon applies to forecasting models only');
    for (const f of [opts.support!, opts.query])
      notImages(f, run, 'a CSV file with header x,y (x for --query)');
    const s = readXYFile(opts.support!, { y: 'required' });
    const q = readXYFile(opts.query, { y: 'optional' });
    if (s.x.length !== c.shots) {
      console.error(
        `note: the model was meta-trained on ${c.shots} support points per task; ${opts.support} has ${s.x.length}`,
      );
    }
    const range = TRAINED_X_RANGE[c.task];
    const outside = range ? [...s.x, ...q.x].filter((x) => x < range[0] || x > range[1]) : [];
    if (range && outside.length) {
      console.error(
        `warning: ${outside.length} x value(s) outside [${range[0]}, ${range[1]}], the range the model was ` +
          `trained on (e.g. ${outside[0]}): predictions there are extrapolation`,
      );
    }
    if (c.task === 'regression' && c.xShift !== undefined && c.xScale !== undefined) {
      const [lo, hi] = [c.xShift - 3 * c.xScale, c.xShift + 3 * c.xScale];
      const far = [...s.x, ...q.x].filter((x) => x < lo || x > hi);
      if (far.length) {
        console.error(
          `warning: ${far.length} x value(s) more than 3 spreads from the training tasks' mean x, outside ` +
            `[${lo.toPrecision(4)}, ${hi.toPrecision(4)}] (e.g. ${far[0]}): predictions there are extrapolation`,
        );
      }
    }
    const support = s.x.map((x, i) => ({ x, y: s.y![i] }));
    return { input: { kind: 'regression', support, query: q.x }, queryY: q.y };
  }
  if (opts.query !== undefined)
    throw new InputError('--query applies to regression models; a forecast reads only --support');
  notImages(opts.support!, run, 'a series file (CSV value or time,value, or JSON)');
  const series = readForecastInput(opts.support!, opts.value, c.value);
  if (series.length !== 1) {
    throw new InputError(
      `${opts.support} holds ${series.length} series (${series.map((s) => s.name).join(', ')}): give one ` +
        '(a value column, or time,value), or pick it with --value',
    );
  }
  const history = series[0].values;
  const horizon = opts.horizon === undefined ? c.queries : Number(opts.horizon);
  if (!Number.isSafeInteger(horizon) || horizon < 1 || horizon > c.queries) {
    throw new InputError(
      `--horizon ${JSON.stringify(opts.horizon)}: this model forecasts 1 to ${c.queries} steps ahead ` +
        '(the horizon it was trained for, --queries)',
    );
  }
  const bound = RAW_FORECAST_BOUND[c.task];
  const far = bound === undefined ? [] : history.filter((v) => Math.abs(v) > bound);
  if (far.length) {
    console.error(
      `warning: ${far.length} value(s) beyond ±${bound} (e.g. ${far[0]}): this ${c.task} model reads raw values ` +
        `and was trained on synthetic series within about ±${bound}; for your own series train --task series`,
    );
  }
  if (c.task === 'series' && history.length < c.shots) {
    console.error(
      `note: the model was trained on contexts of ${c.shots} values; ${opts.support} has ${history.length}`,
    );
  }
  return { input: { kind: 'forecast', history, horizon } };
}

/**
 * Models that read raw values and what they were trained on reaches (shaders/forecast_tasks.wgsl: amplitudes
 * up to 2 plus noise): further out is extrapolation. Series models standardise every window and have none.
 */
const RAW_FORECAST_BOUND: Partial<Record<TaskName, number>> = { forecast: 3 };

/**
 * The series to forecast: `--value` when given, else the file's own value column, else the column the model
 * was trained on (a series file of the same layout as the training data).
 */
function readForecastInput(path: string, value: string | undefined, trained: string | undefined) {
  if (value !== undefined) return readSeriesPath(path, { value });
  try {
    return readSeriesPath(path);
  } catch (e) {
    if (!(e instanceof InputError) || trained === undefined) throw e;
    try {
      return readSeriesPath(path, { value: trained });
    } catch {
      throw e; // the file's own problem, not the trained column's
    }
  }
}

/** Images or a folder of them given to a model that reads tables: say which model it is and what it takes. */
function notImages(path: string, run: SavedRun, wants: string): void {
  const image = /\.(png|jpe?g)$/i.test(path);
  let folder = false;
  try {
    folder = statSync(path).isDirectory();
  } catch {
    return; // missing: the reader says so
  }
  if (image || folder) {
    throw new InputError(
      `${path} is ${folder ? 'a folder' : 'an image'}, but ${run.dir} holds a ${run.config.task}/` +
        `${run.config.learner} model, which takes ${wants}; images go to an omniglot model`,
    );
  }
}

/** What predict sends to the device, and what it keeps to name and score the answers. */
export interface PredictPlan {
  input: PredictInput;
  /** Regression: the query file's y, for the MSE. */
  queryY?: number[];
  /** Classification: the class folder names (label i is labels[i]) and the query files as given. */
  labels?: string[];
  queries?: string[];
}

/**
 * Labelled images from a folder or zip of `<class>/<image>`, queries from files or folders; PNG or JPEG of any
 * size, colour or polarity, read as the model's 28×28 ink-on-paper images (data/user_images.ts). Fewer
 * classes than the model's ways is fine (the others are never predicted); more is refused.
 */
function classificationInput(run: SavedRun, opts: PredictOptions): PredictPlan {
  const c = run.config;
  if (!opts.query) {
    throw new InputError(
      '--query is needed for a classification model: image files or folders, comma-separated',
    );
  }
  if (opts.horizon !== undefined) throw new InputError('--horizon applies to forecasting models only');
  const labelled = readLabelledImages(opts.support!);
  const labels = [...new Set(labelled.map((s) => s.label))];
  if (labels.length > c.ways) {
    throw new InputError(
      `${opts.support} has ${labels.length} classes (${labels.join(', ')}) but this model is ${c.ways}-way: ` +
        `give at most ${c.ways} class folders`,
    );
  }
  if (labels.length < 2) {
    throw new InputError(`${opts.support} has one class (${labels[0]}): give at least two class folders`);
  }
  const counts = labels.map((l) => labelled.filter((s) => s.label === l).length);
  if (counts.some((n) => n !== c.shots)) {
    console.error(
      `note: the model was meta-trained on ${c.shots} example(s) per class; ${opts.support} has ` +
        labels.map((l, i) => `${l} ${counts[i]}`).join(', '),
    );
  }
  const queries = readQueryImages(
    opts.query
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
  const support = labelled.map((s) => ({
    label: labels.indexOf(s.label),
    image: Array.from(userImage(s.bytes, s.file)),
  }));
  const images = queries.map((q) => Array.from(userImage(q.bytes, q.file)));
  return {
    input: { kind: 'classification', support, queries: images },
    labels,
    queries: queries.map((q) => q.file),
  };
}

function summarize(checkpoint: string, plan: PredictPlan, out: PredictOutput): PredictSummary {
  const { input, queryY: truth } = plan;
  if (input.kind === 'classification' && out.kind === 'classification') {
    const labels = plan.labels!;
    return {
      kind: 'classification',
      checkpoint,
      predictions: out.probabilities.map((p, i) => {
        const best = labels.reduce((b, _, k) => (p[k] > p[b] ? k : b), 0);
        return {
          query: plan.queries![i],
          label: labels[best],
          probabilities: Object.fromEntries(labels.map((l, k) => [l, p[k]])),
        };
      }),
    };
  }
  if (input.kind === 'regression' && out.kind === 'regression') {
    const s: PredictSummary = {
      kind: 'regression',
      checkpoint,
      predictions: input.query.map((x, i) => ({ x, y: out.y[i] })),
    };
    if (truth) s.mse = truth.reduce((a, y, i) => a + (out.y[i] - y) ** 2, 0) / truth.length;
    return s;
  }
  if (out.kind !== 'forecast') throw new Error('predictRun answered another kind than asked');
  return {
    kind: 'forecast',
    checkpoint,
    predictions: out.values.map((value, i) => ({ step: i + 1, value })),
    context: out.context,
  };
}

/**
 * The predictions as CSV: `x,y_pred` for regression, `step,value` for a forecast (steps after the last),
 * `query,label,p_<class>…` for classification.
 */
export function toCsv(s: PredictSummary): string {
  if (s.kind === 'classification') {
    const p = s.predictions as ClassPrediction[];
    const labels = Object.keys(p[0]?.probabilities ?? {});
    const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const head = ['query', 'label', ...labels.map((l) => `p_${l}`)].map(cell).join(',');
    const rows = p.map((q) =>
      [cell(q.query), cell(q.label), ...labels.map((l) => String(q.probabilities[l]))].join(','),
    );
    return `${[head, ...rows].join('\n')}\n`;
  }
  const rows =
    s.kind === 'regression'
      ? ['x,y_pred', ...(s.predictions as { x: number; y: number }[]).map((p) => `${p.x},${p.y}`)]
      : [
          'step,value',
          ...(s.predictions as { step: number; value: number }[]).map((p) => `${p.step},${p.value}`),
        ];
  return `${rows.join('\n')}\n`;
}
