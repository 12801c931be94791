/**
 * Training progress on stderr: a cli-progress bar (step, steps/s, loss, ETA) on a terminal, and plain lines
 * at eval points otherwise (logs, CI, tests), so that stdout stays free for results.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

export interface ProgressPoint {
  step: number;
  steps: number;
  loss: number;
  stepsPerSecond: number;
  /** Seconds left: by steps, or by the time budget when that comes first. */
  etaSeconds: number;
  /** Steps skipped so far for a NaN/Inf gradient; shown only when there are any. */
  skipped?: number;
  /** Shown after the loss when the step was not meta-training (e.g. 'pretraining the encoder'). */
  phase?: string;
}

const skippedText = (p: ProgressPoint, sep: string) =>
  p.skipped ? `${sep}${p.skipped} step${p.skipped === 1 ? '' : 's'} skipped (NaN/Inf gradient)` : '';

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  s = Math.max(0, Math.round(s));
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
    : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

export class TrainProgressBar {
  readonly #tty: boolean;
  #multi: MultiBar | null = null;
  #bar: SingleBar | null = null;
  #last: ProgressPoint | null = null;

  constructor(readonly stream: NodeJS.WriteStream = process.stderr) {
    this.#tty = Boolean(stream.isTTY);
  }

  start(step: number, steps: number): void {
    if (!this.#tty) return;
    this.#multi = new MultiBar(
      {
        stream: this.stream,
        format: '{bar} step {value}/{total} | {rate} steps/s | loss {loss}{phase} | ETA {remaining}{skipped}',
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    this.#bar = this.#multi.create(steps, step, {
      rate: '-',
      loss: '-',
      phase: '',
      remaining: '-',
      skipped: '',
    });
  }

  update(p: ProgressPoint): void {
    this.#last = p;
    this.#bar?.update(p.step, {
      rate: p.stepsPerSecond.toFixed(1),
      loss: p.loss.toPrecision(4),
      phase: p.phase ? ` (${p.phase})` : '',
      remaining: formatDuration(p.etaSeconds),
      skipped: skippedText(p, ' | '),
    });
  }

  /** A line above the bar on a terminal; elsewhere the latest progress, then the line. */
  note(line: string): void {
    const p = this.#last;
    if (this.#multi) {
      this.#multi.log(`${p ? `step ${p.step}: ` : ''}${line}\n`);
      return;
    }
    const where = p
      ? `step ${p.step}/${p.steps}, loss ${p.loss.toPrecision(4)}${p.phase ? ` (${p.phase})` : ''}, ` +
        `${p.stepsPerSecond.toFixed(1)} steps/s` +
        `${skippedText(p, ', ')}; `
      : '';
    this.stream.write(`${where}${line}\n`);
  }

  stop(): void {
    this.#multi?.stop();
    this.#multi = null;
    this.#bar = null;
  }
}
