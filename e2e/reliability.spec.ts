import { expect, test } from './fixtures';

// Same seed, same adapter → bit-identical weights; and a long run holds constant GPU memory.

test('two runs with the same seed give bit-identical weights and optimizer state', async ({ gpu }) => {
  const same = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      layers: 2,
      hidden: 8,
      metaBatch: 4,
      shots: 3,
      queries: 2,
      seed: 11,
    };
    const run = async () => {
      const l = await h.lib.createLearner(g, config);
      await h.lib.train(l, 30);
      const s = await l.state();
      l.destroy();
      return s;
    };
    const [a, b] = [await run(), await run()];
    const names = Object.keys(a);
    const differing = names.filter(
      (n) => a[n].length !== b[n].length || a[n].some((v, i) => !Object.is(v, b[n][i])),
    );
    return { names: names.length, differing };
  });
  expect(same.names).toBeGreaterThan(8);
  expect(same.differing).toEqual([]);
});

test('1,000 meta-training steps hold constant GPU memory', async ({ gpu }) => {
  const r = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const config = {
      ...h.lib.DEFAULT_CONFIG,
      layers: 1,
      hidden: 8,
      metaBatch: 4,
      shots: 3,
      queries: 2,
      evalEvery: 250,
      evalTasks: 8,
    };
    const l = await h.lib.createLearner(g, config);
    const samples: number[] = [];
    await h.lib.train(l, 1000, {
      onProgress: () => void samples.push(g.pool.bytesInUse),
      onEval: () => undefined, // evaluations allocate and free their own buffers in between
    });
    samples.push(g.pool.bytesInUse);
    l.destroy();
    return samples;
  });
  expect(r.length).toBeGreaterThan(10);
  expect(new Set(r).size, `bytes in use over the run: ${[...new Set(r)].join(', ')}`).toBe(1);
});
