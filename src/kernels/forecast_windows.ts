import type { Recorder } from '../runtime/recorder';
import type { Tensor } from '../runtime/tensor';
import { InputError } from '../runtime/errors';
import source from '../../shaders/forecast_windows.wgsl?raw';
import { episodeParts } from './episode_sampler';
import type { ForecastEpisodeShape } from './forecast_tasks';

/** A forecast episode cut into one-step-ahead windows of `window` values (see shaders/forecast_windows.wgsl). */
export interface ForecastWindowShape extends ForecastEpisodeShape {
  window: number;
}

/** Rows per task: support windows inside the context, query windows ending on each future value. */
export function forecastWindowRows(s: ForecastWindowShape): { support: number; query: number } {
  if (!(Number.isInteger(s.window) && s.window >= 1 && s.window < s.context))
    throw new InputError(
      `forecast windows: the window (${s.window} values) must be at least 1 and shorter than the context ` +
        `(${s.context}), so that the context holds at least one support window`,
    );
  return { support: s.context - s.window, query: s.horizon };
}

/** Element offsets of the windows buffer: supportX [B, S, W], supportY [B, S], queryX [B, P, W], queryY [B, P]. */
export function forecastWindowLayout(s: ForecastWindowShape) {
  const { support, query } = forecastWindowRows(s);
  const B = s.tasks;
  return episodeParts({
    supportX: B * support * s.window,
    supportY: B * support,
    queryX: B * query * s.window,
    queryY: B * query,
  });
}

/** Writes the windows of every task's series (context at `context`, future at `future`, views of one buffer). */
export function forecastWindows(
  rec: Recorder,
  s: ForecastWindowShape,
  t: { context: Tensor; future: Tensor; out: Tensor },
): void {
  const { support, query } = forecastWindowRows(s);
  if (t.context.buffer !== t.future.buffer)
    throw new InputError('forecastWindows: context and future share one buffer');
  const o = forecastWindowLayout(s);
  const at = (k: number) => t.out.offset + k;
  rec.dispatch({
    kernel: 'forecast_windows',
    source,
    uniforms: new Uint32Array([
      s.tasks, s.context, s.horizon, s.window,
      t.context.offset, t.future.offset, at(o.supportX), at(o.supportY),
      at(o.queryX), at(o.queryY), 0, 0,
    ]), // prettier-ignore
    buffers: [t.context.buffer, t.out.buffer],
    workgroups: [Math.ceil((s.tasks * (support + query)) / 64)],
  });
}
