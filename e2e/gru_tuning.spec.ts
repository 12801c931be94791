import { expect, test } from './fixtures';

// The start-up probe (src/kernels/gru_probe.ts): times candidate tiles of the GRU recurrences, keeps the
// fastest for the device and caches the answer per adapter in the store it is given (the page's localStorage).
test('the GRU tile probe times its candidates, keeps the fastest and caches it per adapter', async ({
  gpu,
}) => {
  const out = await gpu.evaluate(async () => {
    const h = window.harness;
    const g = await h.gpu();
    const saved = new Map<string, string>();
    const store = {
      getItem: (k: string) => saved.get(k) ?? null,
      setItem: (k: string, v: string) => void saved.set(k, v),
    };
    // On the software adapter nothing is timed by default: its tile was measured once.
    const byDefault = await h.lib.probeGruTiles(g, { store, candidates: h.lib.probeCandidates(g) });
    const candidates = [
      { rows: 8, units: 1, weights: 'private' },
      { rows: 2, units: 2, weights: 'storage' },
    ] as const;
    const first = await h.lib.probeGruTiles(g, { store, candidates: [...candidates] });
    const chosen = h.lib.gruTiles(g.variants);
    h.lib.setGruTiles(g, null);
    const second = await h.lib.probeGruTiles(g, { store });
    const afterCache = h.lib.gruTiles(g.variants);
    saved.set([...saved.keys()][0], '{not json');
    const third = await h.lib.probeGruTiles(g, { store, candidates: [candidates[1]] });
    h.lib.setGruTiles(g, null);
    return {
      byDefault,
      first,
      chosen,
      second,
      afterCache,
      third,
      keys: [...saved.keys()],
      adapter: g.adapter,
    };
  });
  test.info().annotations.push({ type: 'probe', description: JSON.stringify(out.first) });
  expect(out.adapter.isFallbackAdapter || out.adapter.architecture === 'swiftshader').toBe(true);
  expect(out.byDefault).toEqual({
    tiles: { rows: 8, units: 1, backwardUnits: 2, weights: 'private' },
    timings: [],
    source: 'default',
  });
  expect(out.first.source).toBe('probe');
  expect(out.first.timings).toHaveLength(2);
  for (const t of out.first.timings) expect(t.ms).toBeGreaterThan(0);
  const fastest = [...out.first.timings].sort((a, b) => a.ms - b.ms)[0].tiles;
  expect(out.first.tiles).toEqual(fastest);
  expect(out.chosen).toEqual(fastest);
  expect(out.second).toEqual({ tiles: fastest, timings: [], source: 'cached' });
  expect(out.afterCache).toEqual(fastest);
  expect(out.third.source, 'a damaged cache entry is probed again').toBe('probe');
  expect(out.third.tiles).toEqual({ rows: 2, units: 2, weights: 'storage' });
  expect(out.keys).toHaveLength(1);
  expect(out.keys[0]).toContain(out.adapter.architecture);
});
