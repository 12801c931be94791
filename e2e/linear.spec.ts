import { linearBackwardInputRef, linearBackwardWeightRef, linearForwardRef } from '../src/reference/linear';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';
import { blockedRows, outputRows, placed, poisoned } from './linear_layouts';

// Shapes cover 1-wide edges, sizes that are not multiples of the 4x4 tile, and up to 8 per-task groups.
const shapes = [
  { groups: 1, rowsPerGroup: 1, inF: 1, outF: 1 },
  { groups: 1, rowsPerGroup: 7, inF: 5, outF: 3 },
  { groups: 3, rowsPerGroup: 5, inF: 9, outF: 6 },
  { groups: 8, rowsPerGroup: 2, inF: 4, outF: 13 },
  { groups: 4, rowsPerGroup: 6, inF: 7, outF: 5, sharedWeights: true },
];

for (const s of shapes) {
  test(`linear forward/backward ${JSON.stringify(s)}`, async ({ gpu }) => {
    const rand = rng(Date.now() & 0xffff);
    const nW = s.sharedWeights ? 1 : s.groups;
    const rows = s.groups * s.rowsPerGroup;
    const x = uniform(rand, rows * s.inF);
    const w = uniform(rand, nW * s.outF * s.inF);
    const b = uniform(rand, nW * s.outF);
    const dy = uniform(rand, rows * s.outF);
    const out = await gpu.evaluate(
      async ({ s, x, w, b, dy, rows, nW }) => {
        const h = window.harness;
        const [tx, tw, tb, tdy] = await Promise.all([
          h.tensor([rows, s.inF], x),
          h.tensor([nW, s.outF, s.inF], w),
          h.tensor([nW, s.outF], b),
          h.tensor([rows, s.outF], dy),
        ]);
        const [ty, tdx, tgrad] = await Promise.all([
          h.tensor([rows, s.outF]),
          h.tensor([rows, s.inF]),
          h.tensor([nW * s.outF * (s.inF + 1)]),
        ]);
        // dW and db are views of one gradient buffer, as in a model's flat parameter layout.
        const tdw = tgrad.view(0, [nW, s.outF, s.inF]);
        const tdb = tgrad.view(nW * s.outF * s.inF, [nW, s.outF]);
        await h.run((rec) => {
          h.lib.linearForward(rec, s, { x: tx, w: tw, b: tb, y: ty });
          h.lib.linearBackwardInput(rec, s, { dy: tdy, w: tw, dx: tdx });
          h.lib.linearBackwardWeight(rec, s, { x: tx, dy: tdy, dw: tdw, db: tdb });
        });
        return { y: await h.read(ty), dx: await h.read(tdx), grad: await h.read(tgrad) };
      },
      { s, x, w, b, dy, rows, nW },
    );
    expectClose(out.y, linearForwardRef(s, x, w, b), 'y');
    expectClose(out.dx, linearBackwardInputRef(s, dy, w), 'dx');
    const ref = linearBackwardWeightRef(s, x, dy);
    expectClose(out.grad.slice(0, ref.dw.length), ref.dw, 'dW');
    expectClose(out.grad.slice(ref.dw.length), ref.db, 'db');
  });
}

// Scoring thousands of episodes at once can need more than 65,535 workgroups of tiles: dispatchLinear then
// continues the tiles in z. The variant 'linear.fold' forces that path at a small size; 4 slices of 3
// workgroups for 9 workgroups' worth of tiles also leaves invocations past the end, which must store nothing.
test('linear forward and backward-input with their tiles folded into z', async ({ gpu }) => {
  const s = { groups: 2, rowsPerGroup: 700, inF: 5, outF: 9 };
  const rand = rng(Date.now() & 0xffff);
  const rows = s.groups * s.rowsPerGroup;
  const x = uniform(rand, rows * s.inF);
  const w = uniform(rand, s.groups * s.outF * s.inF);
  const b = uniform(rand, s.groups * s.outF);
  const dy = uniform(rand, rows * s.outF);
  const out = await gpu.evaluate(
    async ({ s, x, w, b, dy, rows }) => {
      const h = window.harness;
      const g = await h.gpu();
      const tx = await h.tensor([rows, s.inF], x);
      const tw = await h.tensor([s.groups, s.outF, s.inF], w);
      const tb = await h.tensor([s.groups, s.outF], b);
      const tdy = await h.tensor([rows, s.outF], dy);
      const ty = await h.tensor([rows, s.outF]);
      const tdx = await h.tensor([rows, s.inF]);
      g.variants.chosen.set('linear.fold', '4');
      try {
        let workgroups: number[][] = [];
        await h.run((rec) => {
          h.lib.linearForward(rec, s, { x: tx, w: tw, b: tb, y: ty });
          h.lib.linearBackwardInput(rec, s, { dy: tdy, w: tw, dx: tdx });
          workgroups = rec.workgroups;
        });
        return { y: await h.read(ty), dx: await h.read(tdx), workgroups };
      } finally {
        g.variants.chosen.delete('linear.fold');
      }
    },
    { s, x, w, b, dy, rows },
  );
  expect(out.workgroups).toEqual([
    [3, 2, 4],
    [2, 2, 4],
  ]);
  expectClose(out.y, linearForwardRef(s, x, w, b), 'y');
  expectClose(out.dx, linearBackwardInputRef(s, dy, w), 'dx');
});

test('linear forward with accumulate adds x·Wᵀ + b into y (no bias: x·Wᵀ)', async ({ gpu }) => {
  const s = { groups: 2, rowsPerGroup: 5, inF: 6, outF: 7 };
  const rand = rng(Date.now() & 0xffff);
  const rows = s.groups * s.rowsPerGroup;
  const x = uniform(rand, rows * s.inF);
  const w = uniform(rand, s.groups * s.outF * s.inF);
  const b = uniform(rand, s.groups * s.outF);
  const y0 = uniform(rand, rows * s.outF);
  const out = await gpu.evaluate(
    async ({ s, x, w, b, y0, rows }) => {
      const h = window.harness;
      const tx = await h.tensor([rows, s.inF], x);
      const tw = await h.tensor([s.groups, s.outF, s.inF], w);
      const tb = await h.tensor([s.groups, s.outF], b);
      const [ty, ty2] = await Promise.all([h.tensor([rows, s.outF], y0), h.tensor([rows, s.outF], y0)]);
      await h.run((rec) => {
        h.lib.linearForward(rec, s, { x: tx, w: tw, b: tb, y: ty, accumulate: true });
        h.lib.linearForward(rec, s, { x: tx, w: tw, y: ty2, accumulate: true });
      });
      return { y: await h.read(ty), y2: await h.read(ty2) };
    },
    { s, x, w, b, y0, rows },
  );
  const withBias = linearForwardRef(s, x, w, b);
  const noBias = linearForwardRef(s, x, w);
  expectClose(
    out.y,
    Array.from(withBias, (v, i) => v + y0[i]),
    'y += xWᵀ + b',
  );
  expectClose(
    out.y2,
    Array.from(noBias, (v, i) => v + y0[i]),
    'y += xWᵀ',
  );
});

// The split reduction a GPU's tile uses (splitCount in src/kernels/linear_tile.ts; 1 on the software adapter,
// forced here): row chunks into partial sums, then their sum, 2 dispatches. With and without bias, overwriting
// and accumulating (into gradients already there), per-task and shared weights, more chunks than fit evenly.
const splitCases = [
  { s: { groups: 1, rowsPerGroup: 7, inF: 5, outF: 3 }, splits: 3, bias: true, accumulate: false },
  { s: { groups: 3, rowsPerGroup: 10, inF: 9, outF: 6 }, splits: 4, bias: false, accumulate: true },
  {
    s: { groups: 4, rowsPerGroup: 6, inF: 7, outF: 5, sharedWeights: true },
    splits: 7,
    bias: true,
    accumulate: true,
  },
];
for (const c of splitCases) {
  test(`linear_backward_weight as a split reduction ${JSON.stringify(c)}`, async ({ gpu }) => {
    const { s } = c;
    const rand = rng(Date.now() & 0xffff);
    const nW = s.sharedWeights ? 1 : s.groups;
    const rows = s.groups * s.rowsPerGroup;
    const x = uniform(rand, rows * s.inF);
    const dy = uniform(rand, rows * s.outF);
    const before = uniform(rand, nW * s.outF * (s.inF + 1));
    const out = await gpu.evaluate(
      async ({ c, x, dy, rows, nW, before }) => {
        const h = window.harness;
        const g = await h.gpu();
        const { s } = c;
        const tx = await h.tensor([rows, s.inF], x);
        const tdy = await h.tensor([rows, s.outF], dy);
        // Accumulating adds to what is there; overwriting must replace the NaN poison.
        const tgrad = c.accumulate
          ? await h.tensor([before.length], before)
          : await h.tensor([before.length]);
        const tdw = tgrad.view(0, [nW, s.outF, s.inF]);
        const tdb = c.bias ? tgrad.view(nW * s.outF * s.inF, [nW, s.outF]) : null;
        g.variants.chosen.set('reduce.splits', String(c.splits));
        try {
          const dispatches = await h.run((rec) =>
            h.lib.linearBackwardWeight(rec, s, {
              x: tx,
              dy: tdy,
              dw: tdw,
              db: tdb,
              accumulate: c.accumulate,
            }),
          );
          return { grad: await h.read(tgrad), dispatches };
        } finally {
          g.variants.chosen.delete('reduce.splits');
        }
      },
      { c, x, dy, rows, nW, before },
    );
    expect(out.dispatches).toBe(2);
    const ref = linearBackwardWeightRef(s, x, dy);
    const nw = ref.dw.length;
    const plus = (v: ArrayLike<number>, at: number) =>
      Array.from(v, (y, i) => (c.accumulate ? y + before[at + i] : y));
    expectClose(out.grad.slice(0, nw), plus(ref.dw, 0), 'dW');
    if (c.bias) expectClose(out.grad.slice(nw), plus(ref.db, nw), 'db');
    // Without a bias its slots are untouched: the accumulated starting values (or the poison) stay.
    else expect(out.grad.slice(nw)).toEqual(before.slice(nw).map((v) => Math.fround(v)));
  });
}

// The blocked kernel (shaders/linear_forward_blocked.wgsl) that GPUs take for large layers, forced here: edges
// that are not multiples of its 128 x 128 block or 16-wide slices, several slices (the prefetch), per-task and
// shared weights, strided X rows (blocks of 7 rows with a gap), bias or none, overwrite or accumulate.
const blockedCases = [
  { s: { groups: 2, rowsPerGroup: 130, inF: 37, outF: 133 }, bias: true, accumulate: false, strided: false },
  { s: { groups: 1, rowsPerGroup: 256, inF: 64, outF: 128 }, bias: false, accumulate: false, strided: false },
  {
    s: { groups: 3, rowsPerGroup: 21, inF: 19, outF: 5, sharedWeights: true },
    bias: false,
    accumulate: true,
    strided: true,
  },
];
for (const c of blockedCases) {
  test(`linear_forward_blocked against the float64 reference ${JSON.stringify(c)}`, async ({ gpu }) => {
    const { s } = c;
    const rand = rng(Date.now() & 0xffff);
    const nW = s.sharedWeights ? 1 : s.groups;
    const rows = s.groups * s.rowsPerGroup;
    const x = uniform(rand, rows * s.inF);
    // Strided: rows in blocks of 7, each block followed by a gap of 5 floats that must not be read.
    const block = 7;
    const xRows = c.strided
      ? { block, blockStride: block * s.inF + 5, rowStride: s.inF }
      : { block: 0x7fffffff, blockStride: 0, rowStride: s.inF };
    const xBuf = c.strided ? new Array<number>(Math.ceil(rows / block) * xRows.blockStride).fill(1e6) : x;
    if (c.strided) {
      for (let q = 0; q < rows; q++) {
        const at = Math.floor(q / block) * xRows.blockStride + (q % block) * s.inF;
        for (let i = 0; i < s.inF; i++) xBuf[at + i] = x[q * s.inF + i];
      }
    }
    const w = uniform(rand, nW * s.outF * s.inF);
    const b = uniform(rand, nW * s.outF);
    const y0 = uniform(rand, rows * s.outF);
    const out = await gpu.evaluate(
      async ({ c, xBuf, xRows, w, b, y0, rows, nW }) => {
        const h = window.harness;
        const g = await h.gpu();
        const { s } = c;
        const tx = await h.tensor([xBuf.length], xBuf);
        const tw = await h.tensor([nW, s.outF, s.inF], w);
        const tb = c.bias ? await h.tensor([nW, s.outF], b) : null;
        // Overwriting must replace the NaN poison; accumulating adds to y0.
        const ty = c.accumulate ? await h.tensor([rows, s.outF], y0) : await h.tensor([rows, s.outF]);
        g.variants.chosen.set('linear.blocked', 'on');
        try {
          let kernels: string[] = [];
          await h.run((rec) => {
            h.lib.linearForward(rec, s, { x: tx, xRows, w: tw, b: tb, y: ty, accumulate: c.accumulate });
            kernels = rec.kernels;
          });
          return { y: await h.read(ty), kernels };
        } finally {
          g.variants.chosen.delete('linear.blocked');
        }
      },
      { c, xBuf, xRows, w, b, y0, rows, nW },
    );
    expect(out.kernels).toEqual(['linear_forward_blocked']);
    const ref = linearForwardRef(s, x, w, c.bias ? b : undefined);
    expectClose(out.y, c.accumulate ? Array.from(ref, (v, i) => v + y0[i]) : ref, 'y');
  });
}

// VEC4 (the software adapter's default where rows are aligned: useVec4 in src/kernels/linear_tile.ts): forward,
// backward-to-input and backward-to-weights read rows as vec4s, the last in 8 × 8 tiles. Each case runs with
// the variant forced on and off against float64: strided X rows at an offset with gaps between blocks, W and dY
// as views at an offset, dY rows with a gap and the GRU's column skip (W_hh's gradient), edges that are not
// multiples of the tiles, per-task and shared weights, bias or none, accumulate, tiles folded into z. `want` is
// which kernels take vec4 rows when forced on (forward, backward-input, backward-weight): a kernel whose rows
// are not all aligned (inF 6; an X, W offset of 2; outF 10 where it reads along outF) keeps the scalar loads.
// The forward writes Y at `yOffset` in rows of `yRow` floats (poison in the gaps must stay); `y4` is whether it
// stores them as vec4s when forced on (Y's offset, row stride and outF multiples of 4; Y4 in linear_forward).
const vec4Cases = [
  {
    s: { groups: 2, rowsPerGroup: 13, inF: 12, outF: 20 },
    ...{ xOffset: 4, gap: 4, wOffset: 8, dyOffset: 4, dyRow: 28, split: 12, skip: 4, yOffset: 4, yRow: 24 },
    ...{ bias: true, accumulate: false, fold: true, want: [true, true, true], y4: true },
  },
  {
    s: { groups: 3, rowsPerGroup: 7, inF: 8, outF: 4, sharedWeights: true },
    ...{ xOffset: 0, gap: 0, wOffset: 0, dyOffset: 0, dyRow: 4, split: 4, skip: 0, yOffset: 0, yRow: 4 },
    ...{ bias: false, accumulate: true, fold: false, want: [true, true, true], y4: true },
  },
  {
    s: { groups: 1, rowsPerGroup: 9, inF: 6, outF: 8 },
    ...{ xOffset: 0, gap: 0, wOffset: 0, dyOffset: 0, dyRow: 8, split: 8, skip: 0, yOffset: 0, yRow: 8 },
    ...{ bias: true, accumulate: false, fold: false, want: [false, false, false], y4: true },
  },
  {
    s: { groups: 2, rowsPerGroup: 5, inF: 8, outF: 16 },
    ...{ xOffset: 2, gap: 0, wOffset: 0, dyOffset: 0, dyRow: 16, split: 16, skip: 0, yOffset: 2, yRow: 16 },
    ...{ bias: true, accumulate: false, fold: false, want: [false, true, false], y4: false },
  },
  {
    s: { groups: 2, rowsPerGroup: 6, inF: 8, outF: 10 },
    ...{ xOffset: 0, gap: 0, wOffset: 4, dyOffset: 0, dyRow: 12, split: 10, skip: 0, yOffset: 0, yRow: 12 },
    ...{ bias: true, accumulate: false, fold: false, want: [true, false, false], y4: false },
  },
  {
    s: { groups: 1, rowsPerGroup: 7, inF: 8, outF: 8 },
    ...{ xOffset: 0, gap: 0, wOffset: 2, dyOffset: 0, dyRow: 8, split: 8, skip: 0, yOffset: 8, yRow: 12 },
    ...{ bias: false, accumulate: true, fold: false, want: [false, false, true], y4: true },
  },
];
for (const c of vec4Cases) {
  for (const mode of ['on', 'off']) {
    test(`linear forward and backward with vec4 rows ${mode} ${JSON.stringify(c)}`, async ({ gpu }) => {
      const { s } = c;
      const seed = Date.now() & 0xffffff;
      test.info().annotations.push({ type: 'seed', description: String(seed) });
      const rand = rng(seed);
      const nW = s.sharedWeights ? 1 : s.groups;
      const rows = s.groups * s.rowsPerGroup;
      const x = uniform(rand, rows * s.inF);
      const w = uniform(rand, nW * s.outF * s.inF);
      const b = uniform(rand, nW * s.outF);
      const dy = uniform(rand, rows * s.outF);
      const y0 = uniform(rand, rows * s.outF);
      const dx0 = uniform(rand, rows * s.inF);
      const before = uniform(rand, nW * s.outF * (s.inF + 1));
      // Poison (1e6) wherever a kernel must not read: gaps, and the floats before each view.
      // X: blocks of 5 rows, `gap` floats after each block, the whole at `xOffset`.
      const { xRows, xBuf } = blockedRows(x, rows, s.inF, c.xOffset, c.gap);
      const wBuf = placed(w, c.wOffset);
      // dY at dyOffset, rows of dyRow floats; for backward-weight column o at o, or o + skip from split on;
      // backward-input has no column skip.
      const dyBuf = poisoned(c.dyOffset, rows * c.dyRow);
      const dyPlain = poisoned(c.dyOffset, rows * c.dyRow);
      for (let q = 0; q < rows; q++) {
        for (let o = 0; o < s.outF; o++) {
          dyBuf[c.dyOffset + q * c.dyRow + o + (o >= c.split ? c.skip : 0)] = dy[q * s.outF + o];
          dyPlain[c.dyOffset + q * c.dyRow + o] = dy[q * s.outF + o];
        }
      }
      // Y at yOffset, rows of yRow floats: y0 (accumulate) or poison in the rows, poison in the gaps.
      const yBuf = outputRows(rows, s.outF, c.yOffset, c.yRow, c.accumulate ? y0 : undefined);
      const out = await gpu.evaluate(
        async ({ c, mode, xBuf, xRows, wBuf, b, dyBuf, dyPlain, dx0, yBuf, before, rows, nW }) => {
          const h = window.harness;
          const g = await h.gpu();
          const { s } = c;
          const view = async (data: number[], offset: number) =>
            (await h.tensor([data.length], data)).view(offset, [data.length - offset]);
          const tx = await view(xBuf, c.xOffset);
          const tw = (await view(wBuf, c.wOffset)).view(0, [nW, s.outF, s.inF]);
          const tdy = await view(dyBuf, c.dyOffset);
          const tdyPlain = await view(dyPlain, c.dyOffset);
          const tb = c.bias ? await h.tensor([nW, s.outF], b) : null;
          const tdx = c.accumulate ? await h.tensor([rows, s.inF], dx0) : await h.tensor([rows, s.inF]);
          const ty = await view(yBuf, c.yOffset);
          const tgrad = c.accumulate
            ? await h.tensor([before.length], before)
            : await h.tensor([before.length]);
          const tdw = tgrad.view(0, [nW, s.outF, s.inF]);
          const tdb = c.bias ? tgrad.view(nW * s.outF * s.inF, [nW, s.outF]) : null;
          g.variants.chosen.set('linear.vec4', mode);
          // The tiles' VEC4 path, not the broadcast kernel that aligned forwards take by default here.
          g.variants.chosen.set('linear.broadcast', 'off');
          if (c.fold) g.variants.chosen.set('linear.fold', '2');
          try {
            let defines: Record<string, unknown>[] = [];
            let workgroups: number[][] = [];
            await h.run((rec) => {
              h.lib.linearForward(rec, s, {
                ...{ x: tx, xRows, w: tw, b: tb, y: ty },
                ...{ yLayout: { rowStride: c.yRow }, accumulate: c.accumulate },
              });
              h.lib.linearBackwardInput(rec, s, {
                dy: tdyPlain,
                dyLayout: { rowStride: c.dyRow },
                w: tw,
                dx: tdx,
                accumulate: c.accumulate,
              });
              h.lib.linearBackwardWeight(rec, s, {
                x: tx,
                xRows,
                dy: tdy,
                dyLayout: { rowStride: c.dyRow, split: c.split, skip: c.skip },
                dw: tdw,
                db: tdb,
                accumulate: c.accumulate,
              });
              defines = rec.defines;
              workgroups = rec.workgroups;
            });
            return {
              y: await h.read(ty),
              dx: await h.read(tdx),
              grad: await h.read(tgrad),
              vec4: defines.map((d) => d.VEC4),
              y4: defines[0].Y4,
              workgroups,
            };
          } finally {
            g.variants.chosen.delete('linear.vec4');
            g.variants.chosen.delete('linear.broadcast');
            g.variants.chosen.delete('linear.fold');
          }
        },
        { c, mode, xBuf, xRows, wBuf, b, dyBuf, dyPlain, dx0, yBuf, before, rows, nW },
      );
      expect(out.vec4, 'variant taken by forward, backward-input and backward-weight').toEqual(
        c.want.map((v) => mode === 'on' && v),
      );
      expect(out.y4, 'forward stores vec4s').toBe(mode === 'on' && c.y4);
      if (c.fold) expect(out.workgroups[0][2], 'forward tiles folded into z').toBe(2);
      const ref = linearForwardRef(s, x, w, c.bias ? b : undefined);
      const yGot: number[] = [];
      for (let q = 0; q < rows; q++) for (let o = 0; o < s.outF; o++) yGot.push(out.y[q * c.yRow + o]);
      expectClose(yGot, c.accumulate ? Array.from(ref, (v, i) => v + y0[i]) : ref, 'y');
      const gaps = out.y.filter((_, i) => i % c.yRow >= s.outF || i >= rows * c.yRow);
      expect(
        gaps.every((v) => v === 1e6),
        'Y between and after its rows untouched',
      ).toBe(true);
      const dxRef = linearBackwardInputRef(s, dy, w);
      expectClose(out.dx, c.accumulate ? Array.from(dxRef, (v, i) => v + dx0[i]) : dxRef, 'dx');
      const g = linearBackwardWeightRef(s, x, dy);
      const nw = g.dw.length;
      const plus = (v: ArrayLike<number>, at: number) =>
        Array.from(v, (y, i) => (c.accumulate ? y + before[at + i] : y));
      expectClose(out.grad.slice(0, nw), plus(g.dw, 0), 'dW');
      if (c.bias) expectClose(out.grad.slice(nw), plus(g.db, nw), 'db');
      // Without a bias its slots are untouched: the accumulated starting values, or the NaN poison, stay.
      else
        expect(out.grad.slice(nw)).toEqual(
          before.slice(nw).map((v) => (c.accumulate ? Math.fround(v) : NaN)),
        );
    });
  }
}

// linear_backward_weight reading X time-major — row q = b · T + t of group-ordered rows stored at
// t · B · inF + b · inF — so that X's next block starts *before* the previous block's last row (blockStride
// inF < (T − 1) · rowStride): VEC4's row walk wraps back through u32 arithmetic, the tiles' xRow does not.
for (const mode of ['on', 'off']) {
  test(`linear_backward_weight reads a time-major X (blocks stepping back), vec4 ${mode}`, async ({
    gpu,
  }) => {
    const [B, T, inF, outF] = [3, 5, 8, 12];
    const s = { groups: 1, rowsPerGroup: B * T, inF, outF };
    const rand = rng(Date.now() & 0xffffff);
    const x = uniform(rand, B * T * inF); // x[q = b·T + t]
    const dy = uniform(rand, B * T * outF);
    const xBuf = new Array<number>(B * T * inF).fill(0);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let i = 0; i < inF; i++) xBuf[t * B * inF + b * inF + i] = x[(b * T + t) * inF + i];
    const xRows = { block: T, blockStride: inF, rowStride: B * inF };
    const out = await gpu.evaluate(
      async ({ s, xBuf, xRows, dy, mode }) => {
        const h = window.harness;
        const g = await h.gpu();
        const tx = await h.tensor([xBuf.length], xBuf);
        const tdy = await h.tensor([s.rowsPerGroup, s.outF], dy);
        const tgrad = await h.tensor([s.outF * (s.inF + 1)]);
        g.variants.chosen.set('linear.vec4', mode);
        try {
          let vec4: unknown;
          await h.run((rec) => {
            h.lib.linearBackwardWeight(rec, s, {
              ...{ x: tx, xRows, dy: tdy },
              ...{ dw: tgrad.view(0, [s.outF, s.inF]), db: tgrad.view(s.outF * s.inF, [s.outF]) },
            });
            vec4 = rec.defines[0].VEC4;
          });
          return { grad: await h.read(tgrad), vec4 };
        } finally {
          g.variants.chosen.delete('linear.vec4');
        }
      },
      { s, xBuf, xRows, dy, mode },
    );
    expect(out.vec4, 'VEC4 taken').toBe(mode === 'on');
    const ref = linearBackwardWeightRef(s, x, dy);
    expectClose(out.grad.slice(0, outF * inF), ref.dw, 'dW');
    expectClose(out.grad.slice(outF * inF), ref.db, 'db');
  });
}
