/**
 * Node's side of a training run's events (src/protocol/training.ts): every event the page sends becomes
 * metrics.jsonl lines, a checkpoint, a progress line on stderr or a fresh report.html in the run directory,
 * before the page goes on. It also answers progress events with "stop" once the time budget is spent.
 */
import { EVAL_SEED_OFFSET } from '../meta/learner';
import type { OptimizerComparison } from '../meta/lopt_compare';
import type { NamedTensor, PlotTask, Resume, TrainEvent } from '../protocol/training';
import { forecastTaskRef } from '../reference/forecast';
import { sinusoidTaskRef } from '../reference/sinusoid';
import { renderReport, type ForecastPanel, type SinusoidPanel, type TestResult } from '../report/report';
import type { RunConfig } from './config_options';
import { RunWriter, type SavedRun } from './run_dir';
import { TrainProgressBar } from './train_progress';

type Event<T extends TrainEvent['type']> = Extract<TrainEvent, { type: T }>;

/** Sinusoid tasks from the validation stream (never trained on), drawn on the CPU for the report's plots. */
function sinusoidPlots(c: RunConfig): { tasks: PlotTask[]; truth: { amp: number; phase: number }[] } | null {
  if (c.task !== 'sinusoid') return null;
  const grid = Array.from({ length: 100 }, (_, i) => -5 + (10 * i) / 99);
  const draws = [0, 1, 2, 3].map((i) =>
    sinusoidTaskRef(c.seed + EVAL_SEED_OFFSET.validation, 1, 0, i, c.shots),
  );
  return {
    tasks: draws.map((t) => ({ support: t.xs.map((x, j) => ({ x, y: t.ys[j] })), grid })),
    truth: draws.map((t) => ({ amp: t.amp, phase: t.phase })),
  };
}

/**
 * Forecasting tasks from the validation stream (as evaluate() draws them: stream 1, step 0), drawn on the
 * CPU twin of the sampler for the report's plots: the context the learner reads and the true continuation.
 */
function forecastPlots(c: RunConfig): Omit<ForecastPanel, 'forecast'>[] | null {
  if (c.task !== 'forecast') return null;
  return [0, 1, 2, 3].map((i) => {
    const t = forecastTaskRef(c.seed + EVAL_SEED_OFFSET.validation, 1, 0, i, c.shots + c.queries);
    return {
      kind: t.kind === 0 ? 'damped oscillator' : 'AR(2)',
      context: t.xs.slice(0, c.shots),
      truth: t.xs.slice(c.shots),
    };
  });
}

/** What a `train` command will do, decided before any browser starts. */
export interface TrainPlan {
  config: RunConfig;
  out: string;
  resumed: SavedRun | null;
  /** Stop training (then evaluate and checkpoint) after this many minutes. */
  minutes: number | null;
}

export class TrainRecorder {
  readonly writer: RunWriter;
  readonly bar = new TrainProgressBar();
  readonly #t0 = performance.now();
  readonly #deadline: number;
  readonly #title: string;
  readonly #plots: ReturnType<typeof sinusoidPlots>;
  readonly #series: ReturnType<typeof forecastPlots>;
  #sinusoidPanels: SinusoidPanel[] | null = null;
  #forecastPanels: ForecastPanel[] | null = null;
  #optimizers: OptimizerComparison[] | null = null;
  #test: TestResult | null = null;
  #status = '';
  #stopping = false;
  #last: { step: number; tensors: NamedTensor[] } | null = null;

  /** `replace`: files of an earlier run in the directory are dropped when the first event arrives. */
  constructor(
    readonly plan: TrainPlan,
    readonly replace: boolean,
  ) {
    const c = plan.config;
    this.writer = new RunWriter(plan.out, c, plan.resumed?.metrics);
    this.#deadline = plan.minutes === null ? Infinity : this.#t0 + plan.minutes * 60_000;
    this.#title = `${c.task} / ${c.learner}, ${c.shots}-shot${c.task === 'omniglot' ? ` ${c.ways}-way` : ''}`;
    this.#plots = sinusoidPlots(c);
    this.#series = forecastPlots(c);
  }

  /** Held-out tasks whose predictions the page sends with every checkpoint (TrainRunArgs.plots). */
  get plotTasks(): PlotTask[] {
    return this.#plots?.tasks ?? [];
  }

  /** Held-out contexts whose forecasts the page sends with every checkpoint (TrainRunArgs.forecasts). */
  get forecastContexts(): number[][] {
    return this.#series?.map((s) => s.context) ?? [];
  }

  /** The latest checkpoint written, as a learner is rebuilt from it; null before the first. */
  get lastCheckpoint(): Resume | null {
    const last = this.#last;
    if (!last) return null;
    return { tensors: Object.fromEntries(last.tensors.map((t) => [t.name, t.data])), step: last.step };
  }

  get test(): TestResult | null {
    return this.#test;
  }

  get seconds(): number {
    return (performance.now() - this.#t0) / 1000;
  }

  /** Handles one event; the answer goes back to the page (true to a progress event: stop). */
  handle(e: TrainEvent): unknown {
    switch (e.type) {
      case 'ready':
        return this.#ready(e);
      case 'progress':
        return this.#progress(e);
      case 'eval':
        return this.#eval(e);
      case 'recovered':
        // Progress and evals after the restored checkpoint will come again: drop the first copies.
        this.writer.rewind(e.step);
        this.bar.note(
          `device lost at step ${e.lostAt} (${e.reason}): recovered from the checkpoint at step ${e.step}`,
        );
        return;
      case 'checkpoint':
        return this.#checkpoint(e);
    }
  }

  /** The learned optimizer against tuned hand-designed ones, shown in the report. */
  addComparison(optimizers: OptimizerComparison[]): void {
    this.#optimizers = optimizers;
    this.writeReport();
  }

  /** The final weights' figure on test tasks, shown in the report. */
  addTest(test: TestResult): void {
    this.#test = test;
    this.writeReport();
  }

  writeReport(): void {
    this.writer.writeReport(
      renderReport({
        title: this.#title,
        status: this.#status,
        config: { ...this.plan.config },
        metrics: this.writer.metrics,
        sinusoid: this.#sinusoidPanels,
        forecast: this.#forecastPanels,
        optimizers: this.#optimizers,
        test: this.#test,
        generated: new Date(),
      }),
    );
  }

  #ready(e: Event<'ready'>): void {
    const { config: c, resumed, out } = this.plan;
    this.writer.begin(this.replace);
    this.bar.note(
      `${resumed ? `resuming at step ${e.step}` : 'training'}: ${this.#title}, ${c.layers}x${c.hidden}, meta-batch ` +
        `${c.metaBatch}, ${e.dispatchesPerStep} dispatches per step → ${out}`,
    );
    this.bar.start(e.step, c.steps);
  }

  #progress(e: Event<'progress'>): boolean {
    const p = e.progress;
    const now = performance.now();
    this.writer.addMetric({
      step: p.step,
      loss: p.loss,
      stepsPerSecond: p.stepsPerSecond,
      seconds: (now - this.#t0) / 1000,
      ...(p.lr === undefined ? {} : { lr: p.lr }),
      ...(p.phase ? { phase: p.phase } : {}),
    });
    this.bar.update({ ...p, etaSeconds: Math.min(p.etaSeconds, (this.#deadline - now) / 1000) });
    this.#stopping = now >= this.#deadline;
    return this.#stopping;
  }

  #eval(e: Event<'eval'>): void {
    const r = e.result;
    this.writer.addMetric({ step: e.step, metric: r.metric, mean: r.mean, ci95: r.ci95, tasks: e.tasks });
    this.bar.note(
      `held-out ${r.metric} ${r.mean.toPrecision(4)} ± ${r.ci95.toPrecision(2)} (${e.tasks} tasks)`,
    );
  }

  #checkpoint(e: Event<'checkpoint'>): void {
    const { config: c, minutes } = this.plan;
    const plots = this.#plots;
    const series = this.#series;
    this.writer.writeCheckpoint(e.step, e.tensors);
    this.#last = { step: e.step, tensors: e.tensors };
    if (plots && e.plots) {
      this.#sinusoidPanels = e.plots.map((p, i) => ({ ...plots.truth[i], ...plots.tasks[i], ...p }));
    }
    if (series && e.forecasts) {
      this.#forecastPanels = e.forecasts.map((forecast, i) => ({ ...series[i], forecast }));
    }
    this.#status =
      e.step >= c.steps
        ? `finished: ${e.step} steps`
        : this.#stopping
          ? `stopped at step ${e.step} of ${c.steps}: the ${minutes}-minute time budget was reached`
          : `running: checkpoint at step ${e.step} of ${c.steps}`;
    this.writeReport();
  }
}
