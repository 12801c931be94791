import { gruForwardRef } from '../src/reference/gru';
import { linearForwardRef } from '../src/reference/linear';
import { encodeWindows, evalWindows, type NamedSeries } from '../src/data/series_windows';
import { expect, test } from './fixtures';

// The black-box forecaster on real series (series/blackbox): windows drawn on the host and written into the
// recorded step, the meta-gradient against finite differences, forecasts against a float64 reference of the
// whole model, and a short meta-training run that must beat the last-value forecast on held-out series.

/** Noisy oscillations of varied period, level and scale: what a forecaster must read from its context. */
function synthetic(count: number, length: number, seed: number): NamedSeries[] {
  let a = seed;
  const rand = () => (a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, k) => {
    const period = 6 + 10 * rand();
    const level = 100 * rand();
    const amp = 0.5 + 20 * rand();
    const phase = 6.28 * rand();
    const values = Array.from(
      { length },
      (_, t) => level + amp * Math.sin((6.283 * t) / period + phase) + 0.05 * amp * (rand() - 0.5),
    );
    return { name: `s${String(k).padStart(2, '0')}`, values };
  });
}

const base = { task: 'series' as const, layers: 1, shots: 12, queries: 3, seed: 5, lrDecay: 'none' as const };

test('series/blackbox meta-gradient (host-drawn windows) matches central finite differences', async ({
  gpu,
}) => {
  const series = synthetic(6, 40, 11);
  const rows = await gpu.evaluate(
    async ({ series, base }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = { ...h.lib.DEFAULT_CONFIG, ...base, layers: 2, hidden: 6, metaBatch: 4 };
      const l = await h.lib.BlackBoxSeriesForecaster.create(g, config, { series });
      const { grads } = await l.gradientAt(9);
      const p0 = await l.getParams();
      const eps = 1e-2;
      const out: [string, number, number][] = [];
      for (const e of l.entries) {
        const i = e.offset + Math.floor(e.size / 3);
        const p = Float32Array.from(p0);
        p[i] += eps;
        l.setParams(p);
        const plus = await l.lossAt(9);
        p[i] -= 2 * eps;
        l.setParams(p);
        const minus = await l.lossAt(9);
        out.push([e.name, grads[i], (plus - minus) / (2 * eps)]);
      }
      const other = await l.lossAt(10); // another step draws other windows
      l.setParams(p0);
      const same = [await l.lossAt(9), await l.lossAt(9)];
      l.destroy();
      return { out, other, same };
    },
    { series, base },
  );
  for (const [name, analytic, fd] of rows.out) {
    expect(Math.abs(analytic - fd), `${name}: GPU ${analytic} vs FD ${fd}`).toBeLessThan(
      2e-3 * Math.max(1, Math.abs(fd)) + 2e-5,
    );
  }
  expect(rows.same[0]).toBe(rows.same[1]); // the windows of a step depend on (seed, step) alone
  expect(rows.other).not.toBe(rows.same[0]);
});

test('series/blackbox forecasts equal a float64 reference of GRU + head on the standardised windows', async ({
  gpu,
}) => {
  const series = synthetic(5, 30, 3);
  const r = await gpu.evaluate(
    async ({ series, base }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = { ...h.lib.DEFAULT_CONFIG, ...base, hidden: 8, metaBatch: 4 };
      const l = await h.lib.BlackBoxSeriesForecaster.create(g, config, { series });
      const params = Array.from(await l.getParams());
      const test = l.pick('test');
      const windows = h.lib.evalWindows(test, config.shots, config.queries);
      const forecasts = await l.forecastWindows(test, windows);
      const history = test[0].values.slice(0, 20);
      const adapted = await l.adapt(history);
      const viaAdapt = await adapted.predict();
      const two = await adapted.predict(2);
      let tooFar = '';
      try {
        await adapted.predict(4);
      } catch (e) {
        tooFar = (e as Error).message;
      }
      const ev = await l.evaluate(2, 0, 'test');
      l.destroy();
      return {
        params,
        test,
        windows,
        forecasts,
        history,
        context: adapted.context,
        viaAdapt,
        two,
        tooFar,
        ev,
      };
    },
    { series, base },
  );
  const C = base.shots;
  const P = base.queries;
  const H = 8;
  const shape = { layers: 1, inputSize: 2, hiddenSize: H, groups: 1 };
  const check = (s: NamedSeries[], windows: typeof r.windows, got: number[][]) => {
    const e = encodeWindows(s, windows, C, P);
    const fwd = gruForwardRef(shape, { batch: windows.length, steps: C + P }, r.params, e.seq);
    const gruSize = r.params.length - (H + 1);
    const rows = new Float64Array(windows.length * P * H);
    for (let b = 0; b < windows.length; b++)
      for (let j = 0; j < P; j++)
        rows.set(
          fwd.output.subarray((b * (C + P) + C + j) * H, (b * (C + P) + C + j + 1) * H),
          (b * P + j) * H,
        );
    const w = r.params.slice(gruSize, gruSize + H);
    const bias = r.params.slice(gruSize + H);
    const y = linearForwardRef(
      { groups: 1, rowsPerGroup: windows.length * P, inF: H, outF: 1 },
      rows,
      w,
      bias,
    );
    windows.forEach((_, b) => {
      for (let j = 0; j < P; j++) {
        const want = e.norm[b].anchor + e.norm[b].scale * y[b * P + j];
        expect(Math.abs(got[b][j] - want), `window ${b} step ${j}`).toBeLessThan(
          1e-4 * Math.max(1, Math.abs(want)),
        );
      }
    });
  };
  expect(r.windows).toEqual(evalWindows(r.test, C, P));
  expect(r.windows.length).toBeGreaterThan(5);
  check(r.test, r.windows, r.forecasts);
  // adapt(): the context is the history's last `shots` values, and the forecast is the same model's.
  expect(r.context).toEqual(r.history.slice(-C));
  check([{ name: 'h', values: [...r.context, 0, 0, 0] }], [{ series: 0, origin: C }], [r.viaAdapt]);
  expect(r.two).toEqual(r.viaAdapt.slice(0, 2));
  expect(r.tooFar).toContain('1 to 3 steps ahead');
  // evaluate(): the model first, then the baselines, over the same windows.
  expect(r.ev.forecast!.forecasters.map((f) => f.name)).toEqual(['model', 'lastValue', 'seasonalNaive']);
  expect(r.ev.values).toHaveLength(r.windows.length);
});

test('series/blackbox meta-learns: beats the last-value forecast on held-out series in 300 steps', async ({
  gpu,
}) => {
  const series = synthetic(16, 48, 7);
  const r = await gpu.evaluate(
    async ({ series, base }) => {
      const h = window.harness;
      const g = await h.gpu();
      const config = { ...h.lib.DEFAULT_CONFIG, ...base, hidden: 24, metaBatch: 16, lr: 0.01 };
      const l = await h.lib.BlackBoxSeriesForecaster.create(g, config, { series });
      const before = await l.evaluate(2, 0, 'validation');
      await h.lib.train(l, 300);
      const after = await l.evaluate(2, 0, 'validation');
      l.destroy();
      return { before, after };
    },
    { series, base },
  );
  const last = r.after.forecast!.forecasters.find((f) => f.name === 'lastValue')!.mse.mean;
  console.log(
    `series/blackbox: validation MSE ${r.before.mean.toFixed(3)} → ${r.after.mean.toFixed(3)} (last value ${last.toFixed(3)})`,
  );
  expect(r.after.mean).toBeLessThan(0.5 * last);
  expect(r.after.mean).toBeLessThan(0.5 * r.before.mean);
});
