import { expect, test } from './fixtures';

// Training faults: a run stuck on NaN/Inf gradients stops with a typed error and keeps its last checkpoint;
// a lost device is replaced and training resumes from the last checkpoint, bit-identically.

/** A 1x8 black-box GRU on 3-shot sinusoids: ~10 ms a step on the software adapter. */
const TINY = {
  layers: 1,
  hidden: 8,
  metaBatch: 4,
  shots: 3,
  queries: 2,
  seed: 5,
  logEvery: 5,
  evalEvery: 10,
  evalTasks: 4,
};

test('NaN gradients are skipped, counted, leave the weights alone, and stop the run after maxBadSteps in a row', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async (tiny) => {
    const h = window.harness;
    const g = await h.gpu();
    const l = await h.lib.createLearner(g, { ...h.lib.DEFAULT_CONFIG, ...tiny, maxBadSteps: 8, steps: 40 });
    const { params, entries } = l as unknown as {
      params: import('../src/runtime/tensor').Tensor;
      entries: import('../src/layout/gru_layout').ParamEntry[];
    };
    // The head is linear (no clamped activation a NaN could vanish in): every gradient turns NaN.
    const head = entries.find((e) => e.name === 'head.bias')!.offset;
    let atCheckpoint: Record<string, Float32Array> = {};
    const checkpoints: number[] = [];
    const progress: { step: number; skipped: number }[] = [];
    let error = { name: '', message: '' };
    try {
      await h.lib.train(l, 40, {
        onProgress: (p) => void progress.push({ step: p.step, skipped: p.skipped }),
        onCheckpoint: async (step) => {
          checkpoints.push(step);
          atCheckpoint = await l.state();
          if (step === 10) g.write(params.view(head, [1]), [NaN]);
        },
      });
    } catch (e) {
      error = { name: (e as Error).name, message: (e as Error).message };
    }
    const after = await l.state();
    l.destroy();
    const changed = Object.keys(after).filter((name) =>
      after[name].some((v, i) => !(name === 'head.bias' && i === 0) && !Object.is(v, atCheckpoint[name][i])),
    );
    return { checkpoints, progress, error, changed, poisoned: after['head.bias'][0] };
  }, TINY);
  expect(r.progress).toEqual([
    { step: 5, skipped: 0 },
    { step: 10, skipped: 0 },
    { step: 15, skipped: 5 },
  ]);
  expect(r.error.name).toBe('NonFiniteStepsError');
  expect(r.error.message).toContain('training stopped at step 20: 10 steps in a row had a NaN/Inf gradient');
  expect(r.error.message).toContain('limit 8');
  expect(r.error.message).toMatch(/learning rate too high.*bad data/);
  // No checkpoint of the stuck state (the eval point at step 20 comes after the check).
  expect(r.checkpoints).toEqual([10]);
  // Ten skipped steps changed nothing but the optimizer's `hyper` (step number, skip counters, last norm).
  expect(r.changed).toEqual(['optimizer.hyper']);
  expect(r.poisoned).toBeNaN();
});

test('training survives a lost device: same final weights as a fresh learner resumed from the same checkpoint', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async (tiny) => {
    const h = window.harness;
    const config = { ...h.lib.DEFAULT_CONFIG, ...tiny, steps: 40 };
    const first = await h.lib.acquireGpu();
    const learner = await h.lib.createLearner(first, config);
    const checkpoints: Record<number, Record<string, Float32Array>> = {};
    const recoveries: { lostAt: number; restoredFrom: number; reason: string }[] = [];
    const devices = [first];
    const finished = await h.lib.trainWithRecovery(
      learner,
      40,
      {
        onProgress: (p) => {
          if (p.step === 25 && recoveries.length === 0) first.device.destroy();
        },
        onCheckpoint: async (step, l) => void (checkpoints[step] = await l.state()),
      },
      {
        acquire: async () => {
          const g = await h.lib.acquireGpu();
          devices.push(g);
          return g;
        },
        onRecovered: (e) =>
          void recoveries.push({ lostAt: e.lostAt, restoredFrom: e.restoredFrom, reason: e.error.reason }),
      },
    );
    const recovered = await finished.state();
    const onNewDevice = (finished as unknown as { gpu: unknown }).gpu === devices[1];
    finished.destroy();

    // The same checkpoint resumed by hand on a fresh device, as `metarnn train --resume` does.
    const g = await h.lib.acquireGpu();
    const fresh = await h.lib.createLearner(g, config);
    fresh.load(checkpoints[20], 20);
    await h.lib.train(fresh, 40);
    const resumed = await fresh.state();
    fresh.destroy();
    for (const d of devices.slice(1)) d.destroy();
    g.destroy();
    const names = Object.keys(resumed);
    const differing = names.filter(
      (n) =>
        recovered[n].length !== resumed[n].length ||
        recovered[n].some((v, i) => !Object.is(v, resumed[n][i])),
    );
    return { recoveries, onNewDevice, names: names.length, differing, steps: Object.keys(checkpoints) };
  }, TINY);
  expect(r.recoveries).toEqual([{ lostAt: 30, restoredFrom: 20, reason: 'destroyed' }]);
  expect(r.onNewDevice).toBe(true);
  expect(r.steps).toEqual(['10', '20', '30', '40']);
  expect(r.names).toBeGreaterThan(4);
  expect(r.differing).toEqual([]);
});

test('a checkpoint from before the in-a-row skip counter (9 optimizer.hyper slots) still loads', async ({
  gpu,
}) => {
  const r = await gpu.evaluate(async (tiny) => {
    const h = window.harness;
    const g = await h.gpu();
    const config = { ...h.lib.DEFAULT_CONFIG, ...tiny, steps: 5 };
    const a = await h.lib.createLearner(g, config);
    await h.lib.train(a, 5);
    const old = await a.state();
    a.destroy();
    old['optimizer.hyper'] = old['optimizer.hyper'].slice(0, 9);
    const b = await h.lib.createLearner(g, config);
    b.load(old, 5);
    const hyper = Array.from((await b.state())['optimizer.hyper']);
    b.destroy();
    return { old: Array.from(old['optimizer.hyper']), hyper };
  }, TINY);
  expect(r.hyper).toEqual([...r.old, 0]);
});
