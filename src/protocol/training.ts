/**
 * The messages of a training run between Node (`metarnn train`, `eval`, `start`) and the harness page, which
 * owns the device: what Node asks the page to run, and the events the page sends back while it runs.
 * src/harness/train_calls.ts implements the device's side, src/cli/train_command.ts and run_dir.ts Node's.
 */
import type { MetaConfig } from '../io/meta_config';
import type { EvalResult } from '../meta/learner';
import type { TrainProgress } from '../meta/trainer';

/** A checkpoint's tensor: PyTorch shape where the learner gives one (its `entries`), else flat. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Weights by name and the step they were saved at: what a learner is rebuilt from. */
export interface Resume {
  tensors: Record<string, Float32Array>;
  step: number;
}

/** A held-out regression task to plot: predictions on `grid` before (no support) and after adaptation. */
export interface PlotTask {
  support: { x: number; y: number }[];
  grid: number[];
}

export interface PlotPrediction {
  before: number[];
  after: number[];
}

/**
 * Node's answer to `progress` and `control` events: nothing (go on); true (stop: end training, then evaluate
 * and checkpoint; the time budget, as pages built before the other orders understand it); 'interrupt' (end
 * training at this step and checkpoint without evaluating: a signal); 'checkpoint' (checkpoint at this step,
 * no evaluation, and go on).
 */
export type TrainOrder = true | 'interrupt' | 'checkpoint' | null | undefined;

/**
 * What the page tells Node while training; Node answers `progress` and `control` with a TrainOrder.
 * `control` comes between log points (at most every CONTROL_INTERVAL_MS), so that Node can stop a run or ask
 * for a checkpoint soon after it decides to, without a readback.
 */
export type TrainEvent =
  | {
      type: 'ready';
      step: number;
      dispatchesPerStep: number;
      /** With `init`: how many of the model's tensors were copied, and the names of those left fresh. */
      init?: { copied: number; fresh: string[] };
    }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'control'; step: number }
  | { type: 'eval'; step: number; result: Omit<EvalResult, 'values'>; tasks: number }
  | {
      type: 'checkpoint';
      step: number;
      tensors: NamedTensor[];
      plots: PlotPrediction[] | null;
      /** Forecasters: the forecast after each of TrainRunArgs.forecasts' contexts. */
      forecasts?: number[][] | null;
    }
  | { type: 'recovered'; lostAt: number; step: number; reason: string }
  /** Progress of a long call that is not training (a learned optimizer's comparison): `done` of `total` runs. */
  | { type: 'work'; what: string; done: number; total: number };

export interface TrainRunArgs {
  config: MetaConfig;
  resume?: Resume | null;
  /**
   * A new run's starting weights (`train --init-from`): tensors whose name and size fit the model are
   * copied, the others keep their initial values; no optimizer state, and the run starts at step 0.
   */
  init?: Record<string, Float32Array> | null;
  /** Held-out tasks whose predictions go with every checkpoint (regression learners with `predict`). */
  plots?: PlotTask[];
  /** Held-out context windows whose forecasts go with every checkpoint (learners with `forecast`). */
  forecasts?: number[][];
}

export interface TrainRunResult {
  step: number;
  /** True when the run ended before `config.steps` (Node asked it to stop). */
  stopped: boolean;
}

/** How often, at most, the device asks Node for orders between log points (a `control` event). */
export const CONTROL_INTERVAL_MS = 100;

/**
 * The function Node installs in the page (page.exposeFunction) and the page awaits for every TrainEvent, so
 * that Node has written a checkpoint to disk before training goes on. One name for both sides.
 */
export const TRAIN_EVENT_FUNCTION = 'metarnnTrainEvent';

declare global {
  interface Window {
    [TRAIN_EVENT_FUNCTION]?: (e: TrainEvent) => Promise<unknown>;
  }
}
