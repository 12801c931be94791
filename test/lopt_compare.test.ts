/**
 * compareOptimizers in batches (src/meta/lopt_compare.ts): when a comparison has more tasks than one curve call
 * may run (a wide task model's coordinates), every optimizer runs the same batches — same task counts and
 * seeds — and their curves are laid side by side; a comparison that fits in one batch is the unbatched one.
 */
import { expect, test } from '@playwright/test';
import { compareOptimizers, TUNING_TASKS, type CurveSource } from '../src/meta/lopt_compare';

/** A fake source whose per-task losses encode (seed, task index, step), recording each call. */
function source() {
  const calls: string[] = [];
  const curve = (tasks: number, seed: number, steps: number, scale: number) =>
    Array.from({ length: steps + 1 }, (_, s) =>
      Array.from({ length: tasks }, (_, i) => scale * (seed * 1000 + i * 10 + s)),
    );
  const src: CurveSource = {
    lossCurve: async (tasks, seed, steps) => {
      calls.push(`lopt ${tasks}@${seed}`);
      return curve(tasks, seed, steps, 1);
    },
    baselineCurve: async (kind, lr, r) => {
      calls.push(`${kind} ${lr} s${r.stream} ${r.tasks}@${r.seed}`);
      // Adam's best rate is 0.01 (lowest loss), the others' 1.
      const scale = kind === 'adam' ? (lr === 0.01 ? 0.5 : 2) : 3 - lr;
      return curve(r.tasks, r.seed, r.steps, scale);
    },
  };
  return { src, calls };
}

test('a comparison in batches: the same task counts and seeds for every optimizer, curves side by side', async () => {
  const { src, calls } = source();
  const c = await compareOptimizers(src, 7, 100, 2, 3);
  // Held-out runs: batches of 3, 3, 1 from seeds 100, 113, 126, identical for the learned optimizer and each
  // tuned baseline.
  const held = (who: string) =>
    calls.filter((x) => x.startsWith(who) && (who === 'lopt' || x.includes(' s1 ')));
  expect(held('lopt')).toEqual(['lopt 3@100', 'lopt 3@113', 'lopt 1@126']);
  expect(held('adam').map((x) => x.split(' s1 ')[1])).toEqual(['3@100', '3@113', '1@126']);
  expect(c.lr.adam).toBe(0.01);
  // Tuning runs min(7, TUNING_TASKS) training tasks, batched the same way, from another seed.
  expect(TUNING_TASKS).toBeGreaterThan(7);
  const tuning = calls.filter((x) => x.startsWith('adam 0.01 s0 '));
  expect(tuning).toEqual(['adam 0.01 s0 3@8019', 'adam 0.01 s0 3@8032', 'adam 0.01 s0 1@8045']);
  // Final losses: the batches' tasks in order.
  const want = [100, 100, 100, 113, 113, 113, 126].map(
    (seed, j) => seed * 1000 + (j < 6 ? j % 3 : 0) * 10 + 2,
  );
  expect(c.final.lopt).toEqual(want);
  expect(c.final.adam).toEqual(want.map((v) => 0.5 * v));
  expect(c.tasks).toBe(7);
  expect(c.curves.lopt).toHaveLength(3);
});

test('a comparison that fits in one batch is one call per optimizer, with the comparison seed', async () => {
  const { src, calls } = source();
  await compareOptimizers(src, 5, 42, 1, 5);
  expect(calls.filter((x) => x.startsWith('lopt'))).toEqual(['lopt 5@42']);
  expect(calls.filter((x) => x.startsWith('sgd') && x.includes(' s1 '))).toEqual([
    expect.stringMatching(/ 5@42$/),
  ]);
});

test('progress before every run, and --baselines: Adam alone runs only Adam, the same Adam as in the full set', async () => {
  const full = source();
  const seen: string[] = [];
  const all = await compareOptimizers(full.src, 5, 42, 1, 5, (what, done, total) => {
    seen.push(`${done}/${total} ${what}`);
  });
  // 3 baselines × 9 grid rates, then the learned optimizer and the 3 tuned baselines on held-out tasks.
  expect(seen).toHaveLength(31);
  expect(seen[0]).toBe('0/31 tuning sgd at lr 0.0001 on 5 training tasks');
  expect(seen[27]).toBe('27/31 the learned optimizer on 5 held-out tasks');
  expect(seen[30]).toBe('30/31 adam at lr 0.01 on 5 held-out tasks');

  const adam = source();
  const only = await compareOptimizers(adam.src, 5, 42, 1, 5, () => {}, ['adam']);
  expect(adam.calls.some((x) => /^(sgd|rmsprop) /.test(x))).toBe(false);
  expect(adam.calls).toHaveLength(9 + 1 + 1);
  expect(Object.keys(only.final).sort()).toEqual(['adam', 'lopt']);
  expect(only.final.adam).toEqual(all.final.adam);
  expect(only.lr).toEqual({ adam: all.lr.adam });
  await expect(compareOptimizers(adam.src, 5, 42, 1, 5, () => {}, ['sgd'])).rejects.toThrow(
    /must include adam/,
  );
});
