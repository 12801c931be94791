/**
 * The run report (report.html): one self-contained page — inline CSS and SVG, no scripts — rebuilt from the
 * run's metrics at every checkpoint, so it is always as current as the checkpoint next to it.
 */
import { escapeXml, lineChart, type Series } from './svg';

/** A metrics.jsonl line written at each log point. */
export interface TrainLine {
  step: number;
  loss: number;
  stepsPerSecond: number;
  /** Wall-clock seconds since this invocation started (a resumed run starts again from 0). */
  seconds: number;
  /** The learning rate of the logged step: the meta one, or on an Omniglot pretraining step the encoder's (absent in runs from before it was logged). */
  lr?: number;
  /** What the step did when it was not meta-training, e.g. 'pretraining the encoder' (absent otherwise). */
  phase?: string;
}

/** A metrics.jsonl line written at each eval point: the held-out metric over `tasks` tasks. */
export interface EvalLine {
  step: number;
  metric: 'mse' | 'accuracy';
  mean: number;
  ci95: number;
  tasks: number;
}

export type MetricsLine = TrainLine | EvalLine;

const isEvalLine = (l: MetricsLine): l is EvalLine => 'metric' in l;

/** One held-out sinusoid task: the truth, its support set, and the learner's predictions on a grid. */
export interface SinusoidPanel {
  amp: number;
  phase: number;
  support: { x: number; y: number }[];
  grid: number[];
  before: number[];
  after: number[];
}

/** One held-out forecasting task: the context the learner read, the true continuation and its forecast. */
export interface ForecastPanel {
  /** 'damped oscillator' or 'AR(2)' (see shaders/forecast_tasks.wgsl). */
  kind: string;
  context: number[];
  truth: number[];
  forecast: number[];
}

/** A hand-designed optimizer the learned one is compared with (torch.optim's names). */
export type BaselineOptimizer = 'sgd' | 'rmsprop' | 'adam';

/**
 * The learned optimizer's loss curves next to tuned SGD, RMSprop and Adam over one run length: the shape of
 * meta's OptimizerComparison, spelled out here so that the report needs nothing from meta.
 */
export interface OptimizerCurves {
  steps: number;
  tasks: number;
  /** Mean task loss at each inner step 0..steps, per optimizer. */
  curves: Readonly<Partial<Record<'lopt' | BaselineOptimizer, readonly number[]>>>;
  /** Final loss per held-out task, per optimizer. */
  final: Readonly<Partial<Record<'lopt' | BaselineOptimizer, readonly number[]>>>;
  /** The learning rate each baseline was tuned to. */
  lr: Readonly<Partial<Record<BaselineOptimizer, number>>>;
}

export interface TestResult {
  episodes: number;
  metric: 'mse' | 'accuracy';
  mean: number;
  ci95: number;
}

export interface ReportInput {
  title: string;
  /** One line: running / finished / stopped, at which step. */
  status: string;
  config: Record<string, unknown>;
  metrics: readonly MetricsLine[];
  sinusoid?: readonly SinusoidPanel[] | null;
  forecast?: readonly ForecastPanel[] | null;
  /** Learned optimizer: its loss curves against tuned SGD / RMSprop / Adam, one per run length. */
  optimizers?: readonly OptimizerCurves[] | null;
  test?: TestResult | null;
  generated?: Date;
}

const CSS = `body{font-family:sans-serif;max-width:1020px;margin:24px auto;padding:0 12px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}.charts{display:flex;flex-wrap:wrap;gap:12px}
.note{color:#666;font-size:12px}`;

const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));

function metricName(m: EvalLine['metric']): string {
  return m === 'mse' ? 'MSE (lower is better)' : 'accuracy (higher is better)';
}

function sinusoidCharts(panels: readonly SinusoidPanel[]): string {
  return panels
    .map((p, i) => {
      const truth = p.grid.map((x) => [x, p.amp * Math.sin(x + p.phase)] as const);
      const series: Series[] = [
        { name: 'true curve', points: truth, color: '#999' },
        {
          name: 'before adaptation',
          points: p.grid.map((x, j) => [x, p.before[j]]),
          color: '#e08a1e',
          dash: '5 3',
        },
        {
          name: `after ${p.support.length} shots`,
          points: p.grid.map((x, j) => [x, p.after[j]]),
          color: '#1f6fd1',
        },
        { name: 'support set', points: p.support.map((s) => [s.x, s.y]), color: '#111', line: false },
      ];
      const title = `held-out task ${i + 1}: A = ${fmt(p.amp)}, φ = ${fmt(p.phase)}`;
      return lineChart(series, { title, x: [-5, 5], y: [-6, 6], width: 480, height: 260, xLabel: 'x' });
    })
    .join('\n');
}

function forecastCharts(panels: readonly ForecastPanel[]): string {
  return panels
    .map((p, i) => {
      const C = p.context.length;
      // Truth and forecast start from the last context value, so each reads as the context's continuation.
      const from: [number, number][] = C ? [[C - 1, p.context[C - 1]]] : [];
      // Context last, so that its dot at the junction is drawn over the forecast's.
      const series: Series[] = [
        {
          name: 'true future',
          points: [...from, ...p.truth.map((v, j) => [C + j, v] as const)],
          color: '#999',
        },
        {
          name: 'forecast',
          points: [...from, ...p.forecast.map((v, j) => [C + j, v] as const)],
          color: '#1f6fd1',
          dash: '5 3',
          markers: true,
        },
        { name: 'context', points: p.context.map((v, t) => [t, v]), color: '#111', markers: true },
      ];
      const title = `held-out series ${i + 1} (${p.kind}): ${p.truth.length} steps ahead`;
      return lineChart(series, { title, width: 480, height: 260, xLabel: 'time step', yLabel: 'value' });
    })
    .join('\n');
}

const OPTIMIZER_COLORS = { lopt: '#1f6fd1', adam: '#d1401f', rmsprop: '#2a9d5c', sgd: '#888' } as const;

/** The optimizers a comparison ran, in the report's order. */
const ran = (c: OptimizerCurves) => (['lopt', 'adam', 'rmsprop', 'sgd'] as const).filter((k) => c.final[k]);

function optimizerSection(runs: readonly OptimizerCurves[]): string {
  const charts = runs.map((c) => {
    const series: Series[] = ran(c).map((k) => ({
      name: k === 'lopt' ? 'learned (GRU)' : `${k}, lr ${fmt(c.lr[k] ?? NaN)}`,
      points: (c.curves[k] ?? []).map((v, s) => [s, v] as const),
      color: OPTIMIZER_COLORS[k],
      dash: k === 'sgd' ? '5 3' : undefined,
    }));
    return lineChart(series, {
      title: `${c.steps} inner steps, mean over ${c.tasks} held-out tasks`,
      xLabel: 'inner step',
      yLabel: 'task loss (MSE, log scale)',
      logY: true,
      width: 480,
      height: 280,
    });
  });
  const rows = runs
    .flatMap((c) =>
      ran(c).map((k) => {
        const v = c.final[k] ?? [];
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
        const lr = k === 'lopt' ? 'learned' : fmt(c.lr[k] ?? NaN);
        return `<tr><td>${c.steps}</td><td>${k}</td><td>${lr}</td><td>${fmt(mean)} ± ${fmt((1.96 * sd) / Math.sqrt(v.length))}</td></tr>`;
      }),
    )
    .join('');
  return `<h2>Learned optimizer against hand-designed ones</h2><div class="charts">${charts.join('\n')}</div>
<table><tr><th>inner steps</th><th>optimizer</th><th>learning rate</th><th>final loss (mean ± 95% interval)</th></tr>${rows}</table>
<p class="note">Same held-out tasks and initial weights for every optimizer. Each baseline's learning rate is the best of a
log grid on training tasks at that run length.</p>`;
}

export function renderReport(r: ReportInput): string {
  const train = r.metrics.filter((l): l is TrainLine => !isEvalLine(l));
  const evals = r.metrics.filter(isEvalLine);
  const metric = evals[0]?.metric ?? 'mse';
  const lossChart = lineChart(
    [{ name: 'loss', points: train.map((l) => [l.step, l.loss]), color: '#1f6fd1' }],
    {
      title: 'meta-training loss (query loss, mean over the meta-batch)',
      xLabel: 'meta-training step',
      yLabel: 'loss (log scale)',
      logY: true,
    },
  );
  const evalChart = lineChart(
    [
      {
        name: `mean ± 95% interval`,
        points: evals.map((l) => [l.step, l.mean]),
        band: evals.map((l) => [l.step, l.mean - l.ci95, l.mean + l.ci95]),
        color: '#2a9d5c',
        markers: true,
      },
    ],
    { title: `validation ${metricName(metric)}`, xLabel: 'meta-training step', yLabel: metric },
  );
  const last = evals[evals.length - 1];
  const summary = [
    `<p><b>${escapeXml(r.status)}</b></p>`,
    last
      ? `<p>Held-out ${metric} at step ${last.step}: <b>${fmt(last.mean)} ± ${fmt(last.ci95)}</b> (95% interval, ${last.tasks} tasks).</p>`
      : '',
    r.test
      ? `<p>Test ${r.test.metric} on ${r.test.episodes} held-out tasks: <b>${fmt(r.test.mean)} ± ${fmt(r.test.ci95)}</b> (95% interval).</p>`
      : '',
  ].join('\n');
  const rows = Object.entries(r.config)
    .map(
      ([k, v]) =>
        `<tr><th>${escapeXml(k)}</th><td>${escapeXml(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`,
    )
    .join('');
  const panels = r.sinusoid?.length
    ? `<h2>Held-out sinusoid tasks</h2><div class="charts">${sinusoidCharts(r.sinusoid)}</div>
<p class="note">Predictions before adaptation see no support points; after adaptation the learner has read
the task's support points (the dots). The tasks are held out: never trained on.</p>`
    : '';
  const forecastPanels = r.forecast?.length
    ? `<h2>Held-out forecasting tasks</h2><div class="charts">${forecastCharts(r.forecast)}</div>
<p class="note">The learner reads the context (dots) and then forecasts without seeing any future value; the grey
line is the true continuation. The series are held out: never trained on.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(r.title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeXml(r.title)}</h1>
${summary}
<h2>Training</h2>
<div class="charts">
${lossChart}
${evalChart}
</div>
${panels}
${forecastPanels}
${r.optimizers?.length ? optimizerSection(r.optimizers) : ''}
<h2>Configuration</h2>
<table>${rows}</table>
<p class="note">Generated by metarnn${r.generated ? ` on ${escapeXml(r.generated.toISOString())}` : ''}. The held-out
curve uses validation tasks (a task stream never used for training); the test figure uses another seed.</p>
</body></html>
`;
}
