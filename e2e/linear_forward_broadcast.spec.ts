import { linearBackwardInputRef, linearForwardRef } from '../src/reference/linear';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';
import { blockedRows, outputRows, placed, poisoned } from './linear_layouts';

// The software adapter's broadcast kernel (shaders/linear_forward_broadcast.wgsl, useBroadcastLinear) against
// float64: X rows strided (blocks of 5 rows, `gap` poisoned floats after each) at an offset, W at an offset,
// Y written at `yOffset` in rows of `yRow` floats (the poison between rows must stay), per-task and shared
// weights, bias or none, overwrite or accumulate; rows that are not a multiple of the 4-row block, several
// row chunks per group, outputs past one workgroup's 256 (a second, mostly idle block), inF from 4 to the
// unrolled maximum 64. `take` is whether linearForward takes the kernel when it is forced on: not past
// inF 64, not for fewer than 16 outputs, not where a row of X, W or Y starts off a multiple of 4 floats
// (an X offset of 2, Y rows of 18 floats, inF 6).
const cases = [
  {
    s: { groups: 2, rowsPerGroup: 13, inF: 12, outF: 20 },
    ...{ xOffset: 4, gap: 4, wOffset: 8, yOffset: 4, yRow: 24, bias: true, accumulate: false, take: true },
  },
  {
    s: { groups: 3, rowsPerGroup: 50, inF: 64, outF: 264, sharedWeights: true },
    ...{ xOffset: 0, gap: 0, wOffset: 0, yOffset: 0, yRow: 264, bias: false, accumulate: true, take: true },
  },
  {
    s: { groups: 1, rowsPerGroup: 103, inF: 4, outF: 16 },
    ...{ xOffset: 8, gap: 8, wOffset: 4, yOffset: 0, yRow: 20, bias: true, accumulate: true, take: true },
  },
  {
    s: { groups: 1, rowsPerGroup: 9, inF: 68, outF: 16 },
    ...{ xOffset: 0, gap: 0, wOffset: 0, yOffset: 0, yRow: 16, bias: true, accumulate: false, take: false },
  },
  {
    s: { groups: 2, rowsPerGroup: 6, inF: 8, outF: 32 },
    ...{ xOffset: 2, gap: 0, wOffset: 0, yOffset: 0, yRow: 32, bias: true, accumulate: false, take: false },
  },
  {
    s: { groups: 1, rowsPerGroup: 9, inF: 8, outF: 16 },
    ...{ xOffset: 0, gap: 0, wOffset: 0, yOffset: 0, yRow: 18, bias: true, accumulate: false, take: false },
  },
  {
    s: { groups: 1, rowsPerGroup: 9, inF: 6, outF: 16 },
    ...{ xOffset: 0, gap: 2, wOffset: 0, yOffset: 0, yRow: 16, bias: false, accumulate: true, take: false },
  },
  {
    s: { groups: 2, rowsPerGroup: 6, inF: 8, outF: 12 },
    ...{ xOffset: 0, gap: 0, wOffset: 0, yOffset: 0, yRow: 12, bias: false, accumulate: false, take: false },
  },
];

for (const c of cases) {
  for (const mode of ['on', 'default', 'off']) {
    if (mode === 'default' && !c.take) continue;
    test(`linear_forward_broadcast (${mode}) against float64 ${JSON.stringify(c)}`, async ({ gpu }) => {
      const { s } = c;
      const seed = Date.now() & 0xffffff;
      test.info().annotations.push({ type: 'seed', description: String(seed) });
      const rand = rng(seed);
      const nW = s.sharedWeights ? 1 : s.groups;
      const rows = s.groups * s.rowsPerGroup;
      const x = uniform(rand, rows * s.inF);
      const w = uniform(rand, nW * s.outF * s.inF);
      const b = uniform(rand, nW * s.outF);
      const y0 = uniform(rand, rows * s.outF);
      const { xRows, xBuf } = blockedRows(x, rows, s.inF, c.xOffset, c.gap);
      const wBuf = placed(w, c.wOffset);
      const yBuf = outputRows(rows, s.outF, c.yOffset, c.yRow, c.accumulate ? y0 : undefined);
      const out = await gpu.evaluate(
        async ({ c, mode, xBuf, xRows, wBuf, b, yBuf, nW }) => {
          const h = window.harness;
          const g = await h.gpu();
          const { s } = c;
          const view = async (data: number[], offset: number) =>
            (await h.tensor([data.length], data)).view(offset, [data.length - offset]);
          const tx = await view(xBuf, c.xOffset);
          const tw = (await view(wBuf, c.wOffset)).view(0, [nW, s.outF, s.inF]);
          const tb = c.bias ? await h.tensor([nW, s.outF], b) : null;
          const ty = await view(yBuf, c.yOffset);
          if (mode !== 'default') g.variants.chosen.set('linear.broadcast', mode);
          try {
            let kernels: string[] = [];
            await h.run((rec) => {
              h.lib.linearForward(rec, s, {
                ...{ x: tx, xRows, w: tw, b: tb, y: ty },
                ...{ yLayout: { rowStride: c.yRow }, accumulate: c.accumulate },
              });
              kernels = rec.kernels;
            });
            return { y: await h.read(ty), kernels };
          } finally {
            g.variants.chosen.delete('linear.broadcast');
          }
        },
        { c, mode, xBuf, xRows, wBuf, b, yBuf, nW },
      );
      const want = mode !== 'off' && c.take ? 'linear_forward_broadcast' : 'linear_forward';
      expect(out.kernels, 'the kernel linearForward took').toEqual([want]);
      const ref = linearForwardRef(s, x, w, c.bias ? b : undefined);
      const got: number[] = [];
      for (let q = 0; q < rows; q++) for (let o = 0; o < s.outF; o++) got.push(out.y[q * c.yRow + o]);
      expectClose(got, c.accumulate ? Array.from(ref, (v, i) => v + y0[i]) : ref, 'y');
      const gaps = out.y.filter((_, i) => i % c.yRow >= s.outF || i >= rows * c.yRow);
      expect(
        gaps.every((v) => v === 1e6),
        'Y between and after its rows untouched',
      ).toBe(true);
    });
  }
}

// The same kernel through Wᵀ (TRANSPOSED): linearBackwardInput's dX = dY · W, where s is the layer's shape (dY
// has outF columns — the sums' length, up to 192 — and dX inF). dY's rows of `dyRow` floats at an offset, with
// poison between them (the GRU's gate rows are 4H wide, their first 3H read), W at an offset, dX at an offset with
// poison after it; overwrite or accumulate, per-task or shared weights, rows off the 2-row block (sums past 64)
// and the 8-row one (20). Not taken: sums past 192, fewer than 16 inputs, dY rows starting off a multiple of 4,
// dX given a row layout (dxRows, here one that is contiguous all the same).
const backwardCases = [
  {
    s: { groups: 2, rowsPerGroup: 7, inF: 64, outF: 192 },
    ...{ dyOffset: 4, dyRow: 256, wOffset: 8, dxOffset: 4, accumulate: false, take: true },
  },
  {
    s: { groups: 2, rowsPerGroup: 13, inF: 16, outF: 192 },
    ...{ dyOffset: 0, dyRow: 196, wOffset: 0, dxOffset: 0, accumulate: true, take: true },
  },
  {
    s: { groups: 3, rowsPerGroup: 50, inF: 64, outF: 20, sharedWeights: true },
    ...{ dyOffset: 8, dyRow: 20, wOffset: 4, dxOffset: 8, accumulate: true, take: true },
  },
  {
    s: { groups: 1, rowsPerGroup: 9, inF: 16, outF: 196 },
    ...{ dyOffset: 0, dyRow: 196, wOffset: 0, dxOffset: 0, accumulate: false, take: false },
  },
  {
    s: { groups: 1, rowsPerGroup: 9, inF: 12, outF: 64 },
    ...{ dyOffset: 0, dyRow: 64, wOffset: 0, dxOffset: 0, accumulate: false, take: false },
  },
  {
    s: { groups: 2, rowsPerGroup: 6, inF: 16, outF: 64 },
    ...{ dyOffset: 2, dyRow: 64, wOffset: 0, dxOffset: 0, accumulate: false, take: false },
  },
  {
    s: { groups: 2, rowsPerGroup: 6, inF: 16, outF: 64 },
    ...{ dyOffset: 0, dyRow: 64, wOffset: 0, dxOffset: 0, accumulate: false, take: false, dxRows: true },
  },
];

for (const c of backwardCases) {
  for (const mode of ['on', 'default', 'off']) {
    if (mode === 'default' && !c.take) continue;
    test(`linear_forward_broadcast through Wᵀ (backward input, ${mode}) against float64 ${JSON.stringify(c)}`, async ({
      gpu,
    }) => {
      const { s } = c;
      const seed = Date.now() & 0xffffff;
      test.info().annotations.push({ type: 'seed', description: String(seed) });
      const rand = rng(seed);
      const nW = s.sharedWeights ? 1 : s.groups;
      const rows = s.groups * s.rowsPerGroup;
      const dy = uniform(rand, rows * s.outF);
      const w = uniform(rand, nW * s.outF * s.inF);
      const dx0 = uniform(rand, rows * s.inF);
      const dyBuf = outputRows(rows, s.outF, c.dyOffset, c.dyRow, dy);
      const wBuf = placed(w, c.wOffset);
      const dxBuf = c.accumulate ? placed(dx0, c.dxOffset) : poisoned(c.dxOffset, rows * s.inF + 4);
      const out = await gpu.evaluate(
        async ({ c, mode, dyBuf, wBuf, dxBuf, nW, rows }) => {
          const h = window.harness;
          const g = await h.gpu();
          const { s } = c;
          const view = async (data: number[], offset: number) =>
            (await h.tensor([data.length], data)).view(offset, [data.length - offset]);
          const tdy = await view(dyBuf, c.dyOffset);
          const tw = (await view(wBuf, c.wOffset)).view(0, [nW, s.outF, s.inF]);
          const dxAll = await h.tensor([dxBuf.length], dxBuf);
          const tdx = dxAll.view(c.dxOffset, [rows, s.inF]);
          if (mode !== 'default') g.variants.chosen.set('linear.broadcast', mode);
          try {
            let kernels: string[] = [];
            await h.run((rec) => {
              const dxRows = { block: rows, blockStride: rows * s.inF, rowStride: s.inF };
              h.lib.linearBackwardInput(rec, s, {
                ...{ dy: tdy, dyLayout: { rowStride: c.dyRow }, w: tw, dx: tdx },
                ...{ dxRows: 'dxRows' in c ? dxRows : undefined, accumulate: c.accumulate },
              });
              kernels = rec.kernels;
            });
            return { dx: await h.read(dxAll), kernels };
          } finally {
            g.variants.chosen.delete('linear.broadcast');
          }
        },
        { c, mode, dyBuf, wBuf, dxBuf, nW, rows },
      );
      const want = mode !== 'off' && c.take ? 'linear_forward_broadcast' : 'linear_backward_input';
      expect(out.kernels, 'the kernel linearBackwardInput took').toEqual([want]);
      const ref = linearBackwardInputRef(s, dy, w);
      const n = rows * s.inF;
      const got = out.dx.slice(c.dxOffset, c.dxOffset + n);
      expectClose(got, c.accumulate ? Array.from(ref, (v, i) => v + dx0[i]) : ref, 'dx');
      if (!c.accumulate) {
        const around = [...out.dx.slice(0, c.dxOffset), ...out.dx.slice(c.dxOffset + n)];
        expect(
          around.every((v) => v === 1e6),
          'dX around its rows untouched',
        ).toBe(true);
      }
    });
  }
}
