import { sinusoidSequencesRef } from '../src/reference/sinusoid_sequences';
import { expect, test } from './fixtures';

// The rows of --read-support (shaders/sinusoid_sequences.wgsl) against the float64 reference on freshly
// sampled sinusoid episodes: every element equal (a copy of the episode's values or 0), nothing written
// outside the rows (the output buffer is poisoned with NaN, with a margin on both sides).

test('sinusoid_sequences writes the rows that read the support pairs like the reference', async ({ gpu }) => {
  const seed = Date.now() & 0xffff;
  // One shot (support rows of a blank and the point), a small task, and one over several workgroups.
  const shapes = [
    { tasks: 2, shots: 1, queries: 2 },
    { tasks: 3, shots: 4, queries: 3 },
    { tasks: 5, shots: 10, queries: 7 },
  ];
  for (const s of shapes) {
    const r = await gpu.evaluate(
      async ({ s, seed }) => {
        const h = window.harness;
        const g = await h.gpu();
        const ep = h.lib.sinusoidEpisodeLayout(s);
        const step = await h.tensor([1], [seed % 1000], 'u32');
        const episode = await h.tensor([ep.size]);
        await h.run((rec) => h.lib.sinusoidTasks(rec, s, { step, episode, seed, stream: 0 }));
        const lay = h.lib.sinusoidSequenceLayout(s);
        const out = await h.tensor([lay.size + 6]);
        g.fill(out, NaN);
        const sequence = episode.view(ep.sequence, [s.tasks * (s.shots + s.queries) * 3]);
        await h.run((rec) => h.lib.sinusoidSequences(rec, s, { sequence, out: out.view(3, [lay.size]) }));
        const e = await h.read(episode);
        return { sequence: e.slice(ep.sequence, ep.size), got: await h.read(out), lay };
      },
      { s, seed },
    );
    const ref = sinusoidSequencesRef(s, r.sequence);
    const label = `${JSON.stringify(s)} seed ${seed}`;
    const T = s.shots + 1;
    expect(ref.supportX.length, label).toBe(s.tasks * s.shots * T * 3);
    expect(ref.queryX.length, label).toBe(s.tasks * s.queries * T * 3);
    expect(r.got.slice(3 + r.lay.supportX, 3 + r.lay.queryX), `${label}: support rows`).toEqual(ref.supportX);
    expect(r.got.slice(3 + r.lay.queryX, 3 + r.lay.size), `${label}: query rows`).toEqual(ref.queryX);
    const margins = [...r.got.slice(0, 3), ...r.got.slice(3 + r.lay.size)];
    expect(margins.every(Number.isNaN), `${label}: nothing written outside the rows`).toBe(true);
    expect(
      r.sequence.some((v, i) => i % 3 === 1 && v !== 0),
      `${label}: labels to read`,
    ).toBe(true);
  }
});

test('sinusoid_sequences reference: the rows of a two-shot task, written out by hand', () => {
  // Support steps (x/5, y/5, 1) a = (1, 2, 1), b = (3, 4, 1); query step (5, 0, 0).
  const sequence = [1, 2, 1, 3, 4, 1, 5, 0, 0];
  const ref = sinusoidSequencesRef({ tasks: 1, shots: 2, queries: 1 }, sequence);
  // Support row 0: blank, b, then a's x alone; row 1: blank, a, then b's x alone.
  expect(ref.supportX).toEqual([0, 0, 0, 3, 4, 1, 1, 0, 0, 0, 0, 0, 1, 2, 1, 3, 0, 0]);
  expect(ref.queryX).toEqual([1, 2, 1, 3, 4, 1, 5, 0, 0]); // a, b, the query's x
  // Left-padded to 4 steps (predict() with fewer points than shots): one more blank in front of each row.
  const padded = sinusoidSequencesRef({ tasks: 1, shots: 2, queries: 1 }, sequence, 4);
  expect(padded.queryX).toEqual([0, 0, 0, 1, 2, 1, 3, 4, 1, 5, 0, 0]);
  expect(padded.supportX.slice(0, 12)).toEqual([0, 0, 0, 0, 0, 0, 3, 4, 1, 1, 0, 0]);
});
