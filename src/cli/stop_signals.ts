/**
 * SIGINT (Ctrl-C) and SIGTERM (`kill`) while `metarnn train` or `start` runs: the first asks the run to stop
 * at the end of the step the GPU is on and write a checkpoint (TrainRecorder.interrupt: the device's next
 * `control` event is answered 'interrupt'); a second one, or one that comes before training started or after
 * it ended, exits at once. Either way the exit code is the one a shell reports for a death by that signal,
 * 128 + its number (SIGINT 130, SIGTERM 143). Files are written atomically and synchronously (a listener
 * runs between writes, never inside one), so exiting at once leaves the last complete checkpoint.
 *
 * On the browser backend Chromium runs in a process group of its own (Playwright starts it detached), so a
 * terminal's Ctrl-C reaches only this process; Playwright's own signal handlers must be off (session.ts
 * launches with handleSIGINT, handleSIGTERM and handleSIGHUP false), or they would close the browser under
 * the run. Exiting at once still closes it: Playwright kills what it launched when the process exits.
 */
import { constants } from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** What a shell reports for a process ended by `signal`: 130 for SIGINT, 143 for SIGTERM. */
export const signalExitCode = (signal: StopSignal): number => 128 + constants.signals[signal];

/** A run that can be asked to stop. */
export interface Interruptible {
  /** Asks the run to stop after its current step; false when there is nothing to stop gracefully. */
  interrupt(signal: StopSignal): boolean;
  /** The line said when exiting at once: the `nth` signal of this run. */
  exitNote(signal: StopSignal, nth: number): string;
}

/** Runs `fn` with SIGINT and SIGTERM handled as above for `run`; Node's defaults come back afterwards. */
export async function withStopSignals<T>(run: Interruptible, fn: () => Promise<T>): Promise<T> {
  let n = 0;
  const listener = (signal: StopSignal) => {
    n++;
    if (n === 1 && run.interrupt(signal)) return;
    console.error(`metarnn: ${run.exitNote(signal, n)}`);
    process.exit(signalExitCode(signal));
  };
  for (const s of STOP_SIGNALS) process.on(s, listener);
  try {
    return await fn();
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, listener);
  }
}

/** `text` as one shell word (for commands we print for the user to paste). */
export const shellWord = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
