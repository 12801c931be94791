/**
 * Node's side of a training run's events (src/protocol/training.ts): every event the page sends becomes
 * metrics.jsonl lines, a checkpoint, a progress line on stderr or a fresh report.html in the run directory,
 * before the page goes on. It also answers progress and control events with orders (TrainOrder): stop (true)
 * once the time budget is spent, "interrupt" after a signal (stop_signals.ts), "checkpoint" once
 * `checkpointMinutes` have passed since the last checkpoint.
 */
import type { CheckpointValidation } from '../io/checkpoint';
import { EVAL_SEED_OFFSET } from '../meta/learner';
import type { OptimizerComparison } from '../meta/lopt_compare';
import type { NamedTensor, PlotTask, Resume, TrainEvent, TrainOrder } from '../protocol/training';
import { forecastTaskRef } from '../reference/forecast';
import { sinusoidTaskRef } from '../reference/sinusoid';
import { renderReport, type ForecastPanel, type SinusoidPanel, type TestResult } from '../report/report';
import type { RunConfig } from './config_options';
import { RunWriter, type SavedRun } from './run_dir';
import { shellWord, type Interruptible, type StopSignal } from './stop_signals';
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

/** Checkpoint at least this often (minutes of wall-clock time), evaluation points or not. */
export const DEFAULT_CHECKPOINT_MINUTES = 2;
/** Checkpoints kept in checkpoints/: the latest and the one before it, should the latest be a bad one. */
export const DEFAULT_KEEP = 2;

/** What a `train` command will do, decided before any browser starts. */
export interface TrainPlan {
  config: RunConfig;
  out: string;
  resumed: SavedRun | null;
  /** Stop training (then evaluate and checkpoint) after this many minutes. */
  minutes: number | null;
  /**
   * Checkpoint once this many minutes have passed since the last checkpoint (default
   * DEFAULT_CHECKPOINT_MINUTES). Like `keep`, how a run is saved, not what it computes: not in config.json.
   */
  checkpointMinutes?: number;
  /** A new run's starting weights (`--init-from`): where they came from, and the tensors. */
  init?: { from: string; tensors: Record<string, Float32Array> } | null;
  /** The most recent checkpoints kept in checkpoints/ (default DEFAULT_KEEP). */
  keep?: number;
}

export class TrainRecorder implements Interruptible {
  readonly writer: RunWriter;
  readonly bar = new TrainProgressBar();
  readonly #t0 = performance.now();
  readonly #deadline: number;
  readonly #checkpointMs: number;
  /** When the last checkpoint was written (or training started). */
  #savedAt = performance.now();
  /** Between the `ready` event and end(): a signal then stops the run gracefully. */
  #training = false;
  #started = false;
  #interrupted: StopSignal | null = null;
  /** The latest evaluation: a checkpoint at its step carries its figure (the best is chosen by it). */
  #lastEval: { step: number; validation: CheckpointValidation } | null = null;
  #warnedConstant = false;
  /** Evaluations in a row (after pretraining) at which the classifier answered alike whatever it read. */
  #constantRun = 0;
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
    this.writer = new RunWriter(plan.out, c, plan.resumed?.metrics, { keep: plan.keep ?? DEFAULT_KEEP });
    this.#deadline = plan.minutes === null ? Infinity : this.#t0 + plan.minutes * 60_000;
    this.#checkpointMs = (plan.checkpointMinutes ?? DEFAULT_CHECKPOINT_MINUTES) * 60_000;
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

  /** The signal that stopped the run; null when none did. */
  get interrupted(): StopSignal | null {
    return this.#interrupted;
  }

  /** Stops training at the end of its current step, with a checkpoint; false outside training. */
  interrupt(signal: StopSignal): boolean {
    if (!this.#training) return false;
    this.#interrupted = signal;
    this.bar.note(
      `${signal}: stopping at the end of this step to write a checkpoint (a second ${signal} exits at once)`,
    );
    return true;
  }

  exitNote(signal: StopSignal, nth: number): string {
    this.bar.stop();
    const step = this.#last?.step ?? this.plan.resumed?.resume.step;
    const kept =
      step === undefined
        ? 'no checkpoint was written'
        : `the checkpoint at step ${step} in ${this.plan.out} is intact`;
    if (nth > 1) return `second ${signal}: exiting at once; ${kept}`;
    return `${signal} ${this.#started ? 'after training' : 'before training started'}: exiting; ${kept}`;
  }

  /** Training is over (ended, stopped or failed): a signal from now on exits at once. */
  end(): void {
    this.#training = false;
    this.bar.stop();
  }

  /** The line that ends a run stopped by a signal: where its checkpoint is, how to go on. */
  interruptedLine(step: number): string {
    const dir = this.plan.out;
    const resume =
      step < this.plan.config.steps ? `; resume with \`metarnn train --resume ${shellWord(dir)}\`` : '';
    return `stopped at step ${step} (${this.#interrupted}): checkpoint written to ${dir}${resume}`;
  }

  /** Handles one event; the answer goes back to the page (a TrainOrder to progress and control events). */
  handle(e: TrainEvent): unknown {
    switch (e.type) {
      case 'ready':
        return this.#ready(e);
      case 'progress':
        return this.#progress(e);
      case 'control':
        return this.#order();
      case 'eval':
        return this.#eval(e);
      case 'recovered':
        // Progress and evals after the restored checkpoint will come again: drop the first copies.
        this.writer.rewind(e.step);
        if (this.#lastEval && this.#lastEval.step > e.step) this.#lastEval = null;
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
    this.#training = this.#started = true;
    this.#savedAt = performance.now();
    this.bar.note(
      `${resumed ? `resuming at step ${e.step}` : 'training'}: ${this.#title}, ${c.layers}x${c.hidden}, meta-batch ` +
        `${c.metaBatch}, ${e.dispatchesPerStep} dispatches per step → ${out}`,
    );
    if (e.init && this.plan.init) {
      const { copied, fresh } = e.init;
      this.bar.note(
        `starting from the weights in ${this.plan.init.from}: ${copied} tensors copied` +
          (fresh.length ? `; fresh: ${fresh.join(', ')}` : ''),
      );
    }
    this.bar.start(e.step, c.steps);
  }

  /** What the device should do at the step it is on (see TrainOrder). */
  #order(): TrainOrder {
    if (this.#interrupted) return 'interrupt';
    if (this.#stopping) return true;
    return performance.now() - this.#savedAt >= this.#checkpointMs ? 'checkpoint' : null;
  }

  #progress(e: Event<'progress'>): TrainOrder {
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
    return this.#order();
  }

  #eval(e: Event<'eval'>): void {
    const r = e.result;
    this.writer.addMetric({ step: e.step, metric: r.metric, mean: r.mean, ci95: r.ci95, tasks: e.tasks });
    this.#lastEval = {
      step: e.step,
      validation: { metric: r.metric, mean: r.mean, ci95: r.ci95, tasks: e.tasks },
    };
    this.bar.note(
      `validation ${r.metric} ${r.mean.toPrecision(4)} ± ${r.ci95.toPrecision(2)} (${e.tasks} tasks)`,
    );
    const ways = this.plan.config.ways;
    // After pretraining only: until then the GRU is untrained and may well answer alike.
    const meta = e.step > (this.plan.config.pretrainSteps ?? 0);
    const constant = r.metric === 'accuracy' && meta && constantOutput(r, e.tasks, ways);
    this.#constantRun = constant ? this.#constantRun + 1 : 0;
    // Twice in a row: a model on an early plateau may answer alike once and still recover.
    if (this.#constantRun >= 2 && !this.#warnedConstant) {
      this.#warnedConstant = true;
      const { pretrainSteps = 0, pretrainWarmup = 0 } = this.plan.config;
      const warmup = Math.min(100, pretrainSteps);
      const remedy =
        pretrainWarmup === 0 && warmup > 0
          ? `--pretrain-warmup ${warmup} (BENCHMARKS.md, "Warming up the encoder's pretraining"), `
          : '';
      this.bar.note(
        `warning: every validation episode scored exactly chance (1/${ways}) at two evaluations in a row, the ` +
          `last at step ${e.step}: the classifier answers alike whatever it reads. If it persists, its encoder's ` +
          `units have likely all switched off, which training does not undo (BENCHMARKS.md, "A sweep on the ` +
          `H200"): train again with ${remedy}another --seed or a wider --embed`,
      );
    }
  }

  #checkpoint(e: Event<'checkpoint'>): void {
    const { config: c, minutes } = this.plan;
    const plots = this.#plots;
    const series = this.#series;
    const evaluated = this.#lastEval?.step === e.step ? this.#lastEval.validation : null;
    this.writer.writeCheckpoint(e.step, e.tensors, evaluated);
    this.#savedAt = performance.now();
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
        : this.#interrupted
          ? `stopped at step ${e.step} of ${c.steps} by ${this.#interrupted}`
          : this.#stopping
            ? `stopped at step ${e.step} of ${c.steps}: the ${minutes}-minute time budget was reached`
            : `running: checkpoint at step ${e.step} of ${c.steps}`;
    this.writeReport();
  }
}

/**
 * Whether an evaluation says the classifier answers the same whatever it reads: every episode exactly at
 * chance (mean 1/ways, no spread beyond rounding) over at least 20 episodes — a working model varies.
 */
export function constantOutput(r: { mean: number; ci95: number }, tasks: number, ways: number): boolean {
  return tasks >= 20 && r.ci95 < 1e-9 && Math.abs(r.mean - 1 / ways) < 1e-9;
}
