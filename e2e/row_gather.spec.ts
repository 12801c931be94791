import { rowGatherRef } from '../src/reference/row_gather';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

// Rows gathered by index into the leading columns of a wider tensor, as predict() places image embeddings
// into the GRU input: random indices (repeats, and input rows never read), strided input and output rows.
test('row_gather copies the indexed rows into strided output rows and leaves the other columns', async ({
  gpu,
}) => {
  const rand = rng(Date.now() % 100000);
  const s = { rows: 37, inRows: 11, cols: 5 };
  const xStride = 7;
  const yStride = 9;
  const x = uniform(rand, s.inRows * xStride);
  const index = Array.from({ length: s.rows }, () => Math.floor(rand() * s.inRows));
  const y0 = uniform(rand, s.rows * yStride);
  const out = await gpu.evaluate(
    async ({ s, x, index, y0, xStride, yStride }) => {
      const h = window.harness;
      const g = await h.gpu();
      const tx = await h.tensor([3 + x.length], [0, 0, 0, ...x]);
      const ti = await h.tensor([1 + index.length], [0, ...index], 'u32');
      // The gathered columns start poisoned (NaN): an unwritten one fails the comparison.
      const ty = await h.tensor([y0.length]);
      g.write(
        ty,
        y0.map((v: number, i: number) => (i % yStride < s.cols ? NaN : v)),
      );
      await h.run((rec) =>
        h.lib.rowGather(rec, s, {
          x: tx.view(3, [s.inRows, xStride]),
          xStride,
          index: ti.view(1, [s.rows]),
          y: ty,
          yStride,
        }),
      );
      return await h.read(ty);
    },
    { s, x, index, y0, xStride, yStride },
  );
  const want = rowGatherRef(s, x, xStride, index, y0, yStride);
  expectClose(out, want, 'row_gather');
  // Exact: a copy, not arithmetic.
  expect(out).toEqual(want.map((v) => Math.fround(v)));
});

test('row_gather refuses an index tensor that is not u32 or too short, and y in the buffer it reads', async ({
  gpu,
}) => {
  const errors = await gpu.evaluate(async () => {
    const h = window.harness;
    const x = await h.tensor([8]);
    const y = await h.tensor([8]);
    const f32 = await h.tensor([4]);
    const short = await h.tensor([2], [0, 1], 'u32');
    const s = { rows: 4, inRows: 4, cols: 2 };
    const out: string[] = [];
    const index4 = await h.tensor([4], [0, 1, 2, 3], 'u32');
    const cases = [
      { x, index: f32, y },
      { x, index: short, y },
      { x, index: index4, y: x },
    ];
    for (const c of cases) {
      try {
        await h.run((rec) => h.lib.rowGather(rec, s, c));
        out.push('no error');
      } catch (e) {
        out.push((e as Error).message);
      }
    }
    return out;
  });
  expect(errors).toEqual([
    'rowGather: index must be a u32 tensor',
    'rowGather: index has 2 entries, need 4',
    'rowGather: y must not share a buffer with x or index (read and written at once)',
  ]);
});
