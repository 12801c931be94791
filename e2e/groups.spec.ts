import { groupAxpyRef, groupMeanRef, groupNormRef } from '../src/reference/groups';
import { rng, uniform } from '../src/layout/random';
import { groupedLayout } from '../src/layout/group_layout';
import { expect, expectClose, test } from './fixtures';

// Layouts: one tensor of one element, uneven tensor sizes around the 64-wide workgroup, 8 tensors, and the
// full table of 16 (a 3-layer GRU and a head). Every tensor sits PAD elements into its buffer so that element offsets are exercised.
const cases = [
  { groups: 1, sizes: [1] },
  { groups: 3, sizes: [3, 70, 1, 5] },
  { groups: 7, sizes: [2, 3, 5, 7, 11, 13, 17, 100] },
  { groups: 2, sizes: [4, 9, 1, 2, 6, 66, 3, 3, 8, 1, 5, 2, 7, 1, 2, 1] },
];
const PAD = 3;

for (const c of cases) {
  test(`group kernels ${JSON.stringify(c)}`, async ({ gpu }) => {
    const seed = Date.now() & 0xffff;
    const rand = rng(seed);
    const layout = groupedLayout(c.groups, c.sizes);
    const P = c.sizes.reduce((a, b) => a + b, 0);
    const n = c.groups * P;
    const shared = uniform(rand, P);
    const x = uniform(rand, n);
    const y = uniform(rand, n);
    const scale = uniform(rand, c.groups, 0.5, 2);
    // Task 0 of the norm input is all zeros: its inverse norm must come out 0, not Inf.
    const zeroFirst = groupAxpyRef(layout, { x, scale: [0, ...Array(c.groups - 1).fill(1)] }, 1);
    const normIn = Array.from(zeroFirst);
    const [a, b] = [Math.fround(-0.75), Math.fround(1.5)];
    const out = await gpu.evaluate(
      async ({ layout, shared, x, y, scale, normIn, a, b, PAD, n, P }) => {
        const h = window.harness;
        const lib = h.lib;
        const padded = async (data: number[] | null, size: number) =>
          (await h.tensor([PAD + size], data ? [...Array(PAD).fill(0), ...data] : undefined)).view(PAD, [
            size,
          ]);
        const tShared = await padded(shared, P);
        const tx = await padded(x, n);
        const ty = await padded(y, n);
        const tScale = await padded(scale, layout.groups);
        const tNormIn = await padded(normIn, n);
        const [bcast, sep, inPlace, noY, mean, norm, elem, task] = await Promise.all([
          padded(null, n),
          padded(null, n),
          padded(y, n),
          padded(null, n),
          padded(null, P),
          padded(null, 2 * layout.groups),
          padded(null, n),
          padded(y, n),
        ]);
        const dispatches = await h.run((rec) => {
          lib.broadcastGroups(rec, layout, { shared: tShared, out: bcast });
          lib.groupAxpy(rec, layout, { x: tx, y: ty, scale: tScale, out: sep }, a, b);
          lib.groupAxpy(rec, layout, { x: tx, y: inPlace, out: inPlace }, a, b);
          lib.groupAxpy(rec, layout, { x: tShared, broadcast: true, scale: tScale, out: noY }, a);
          lib.groupMean(rec, layout, { x: tx, out: mean });
          lib.groupNorm(rec, layout, { x: tNormIn, out: norm });
          lib.groupAxpy(rec, layout, { x: tx, y: ty, scale: tShared, scaleBy: 'element', out: elem }, a, b);
          lib.groupAxpy(rec, layout, { x: tx, y: task, scale: ty, scaleBy: 'task', out: task }, a, b);
        });
        const read = async (t: typeof tx) => (await h.read(t)).slice(0);
        return {
          dispatches,
          bcast: await read(bcast),
          sep: await read(sep),
          inPlace: await read(inPlace),
          noY: await read(noY),
          mean: await read(mean),
          norm: await read(norm),
          elem: await read(elem),
          task: await read(task),
        };
      },
      { layout, shared, x, y, scale, normIn, a, b, PAD, n, P },
    );
    expect(out.dispatches).toBe(8);
    const what = (k: string) => `${k} (seed ${seed})`;
    expectClose(out.bcast, groupAxpyRef(layout, { x: shared, broadcast: true }, 1), what('broadcast'));
    expectClose(out.sep, groupAxpyRef(layout, { x, y, scale }, a, b), what('axpy'));
    expectClose(out.inPlace, groupAxpyRef(layout, { x, y }, a, b), what('axpy in place'));
    expectClose(
      out.noY,
      groupAxpyRef(layout, { x: shared, broadcast: true, scale }, a),
      what('axpy broadcast'),
    );
    expectClose(out.mean, groupMeanRef(layout, x), what('mean'));
    const byElement = groupAxpyRef(layout, { x, y, scale: shared, scaleBy: 'element' }, a, b);
    expectClose(out.elem, byElement, what('axpy scaled per element'));
    expectClose(out.task, groupAxpyRef(layout, { x, y, scale: y, scaleBy: 'task' }, a, b), what('x ⊙ y'));
    const normRef = groupNormRef(layout, normIn);
    expect(out.norm[layout.groups], 'inverse norm of a zero task').toBe(0);
    expectClose(out.norm, normRef, what('norm'));
  });
}
