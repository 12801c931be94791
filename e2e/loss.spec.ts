import { mseLossRef, softmaxCrossEntropyRef } from '../src/reference/loss';
import { rng, uniform } from '../src/layout/random';
import { expect, expectClose, test } from './fixtures';

// Inputs and outputs sit PAD elements into their buffers, so that every element offset is exercised and a
// write outside a view shows up as a changed (no longer NaN) padding element (an mse case may set its own).
const PAD_DEFAULT = 3;
const PAD = PAD_DEFAULT;

/** Central difference of f at x[i] in float64; with h = 1e-6 its error is far below float32 rounding. */
function centralDiff(f: (x: number[]) => number, x: number[], i: number, h = 1e-6): number {
  const xp = x.slice();
  const xm = x.slice();
  xp[i] += h;
  xm[i] -= h;
  return (f(xp) - f(xm)) / (2 * h);
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

/**
 * The reference gradient against central differences of the reference loss at every element, and the
 * GPU's gradient against them at a few random elements. grad = scale · ∂loss[g]/∂x, and x only reaches its
 * own group's loss, so the differenced function is scale · Σ_g loss[g].
 */
function checkGradientByFd(
  lossOf: (x: number[]) => Float64Array,
  x: number[],
  refGrad: Float64Array,
  gpuGrad: number[],
  scale: number,
  rand: () => number,
  what: string,
) {
  const f = (v: number[]) => scale * sum(lossOf(v));
  const fd = x.map((_, i) => centralDiff(f, x, i));
  expectClose(refGrad, fd, `${what}: reference grad vs finite differences`, 1e-6);
  const spots = Array.from({ length: Math.min(5, x.length) }, () => Math.floor(rand() * x.length));
  expectClose(
    spots.map((i) => gpuGrad[i]),
    spots.map((i) => fd[i]),
    `${what}: GPU grad vs finite differences at [${spots}]`,
  );
}

function expectPaddingUntouched(buffer: number[], pad: number, what: string) {
  expect(buffer.slice(0, pad).every(Number.isNaN), `${what}: elements before the view were written`).toBe(
    true,
  );
}

/**
 * Pred, if `steps` is set, is read the way a GRU's output is: rows of a hidden sequence [B, steps + 1, F]
 * that skip each sequence's initial state.
 */
const mseCases = [
  { groups: 1, rowsPerGroup: 1, features: 1 },
  { groups: 3, rowsPerGroup: 5, features: 7, scale: 1 / 3 },
  { groups: 8, rowsPerGroup: 2, features: 1 },
  { groups: 2, rowsPerGroup: 70, features: 3 }, // more elements than invocations per group
  { groups: 4, rowsPerGroup: 6, features: 5, scale: 0.25, steps: 3 },
  // A GPU's split reduction (splitCount in src/kernels/linear_tile.ts; 1 on the software adapter, forced here):
  // chunks into partial sums, then their sum per group, 2 dispatches per loss.
  { groups: 2, rowsPerGroup: 70, features: 3, splits: 5 },
  { groups: 4, rowsPerGroup: 6, features: 5, scale: 0.25, steps: 3, splits: 3 },
  // VEC4 (the software adapter where features and every offset are multiples of 4: `pad` floats before each
  // view), plain and read as a GRU's output; a single group of ≥ 4,096 elements, which the software adapter
  // splits over 2 workgroups (2 more dispatches), with and without VEC4.
  { groups: 2, rowsPerGroup: 9, features: 8, pad: 4, vec4: true },
  { groups: 3, rowsPerGroup: 5, features: 12, scale: 0.5, steps: 5, pad: 4, vec4: true },
  { groups: 1, rowsPerGroup: 300, features: 16, pad: 8, vec4: true, softwareSplit: true },
  { groups: 1, rowsPerGroup: 300, features: 15, pad: 8, softwareSplit: true },
];

for (const c of mseCases) {
  test(`mse_loss ${JSON.stringify(c)}`, async ({ gpu }) => {
    const seed = Date.now() & 0xffff;
    const what = `mse (seed ${seed})`;
    const rand = rng(seed);
    const pad = c.pad ?? PAD_DEFAULT;
    const s = { groups: c.groups, rowsPerGroup: c.rowsPerGroup, features: c.features };
    const F = c.features;
    const rows = c.groups * c.rowsPerGroup;
    const scale = c.scale ?? 1;
    const T = c.steps ?? rows;
    const predRows = c.steps ? { block: T, blockStride: (T + 1) * F, rowStride: F } : undefined;
    const predBuffer = uniform(rand, pad + (rows / T) * (T + (c.steps ? 1 : 0)) * F);
    const predOffset = pad + (c.steps ? F : 0);
    const pred: number[] = [];
    for (let q = 0; q < rows; q++) {
      const at = predOffset + Math.floor(q / T) * (predRows?.blockStride ?? 0) + (q % T) * F;
      pred.push(...predBuffer.slice(at, at + F));
    }
    const target = uniform(rand, pad + rows * F);

    const out = await gpu.evaluate(
      async ({ s, predBuffer, predOffset, predRows, target, rows, scale, pad, splits }) => {
        const h = window.harness;
        const g = await h.gpu();
        const n = rows * s.features;
        const tPred = (await h.tensor([predBuffer.length], predBuffer)).view(predOffset, [rows, s.features]);
        const tTarget = (await h.tensor([pad + n], target)).view(pad, [rows, s.features]);
        const [lossBuf, gradBuf, lossOnlyBuf] = await Promise.all([
          h.tensor([pad + s.groups]),
          h.tensor([pad + n]),
          h.tensor([pad + s.groups]),
        ]);
        const loss = lossBuf.view(pad, [s.groups]);
        const grad = gradBuf.view(pad, [rows, s.features]);
        if (splits) g.variants.chosen.set('reduce.splits', String(splits));
        let vec4: unknown[] = [];
        const dispatches = await h
          .run((rec) => {
            h.lib.mseLoss(rec, s, { pred: tPred, predRows, target: tTarget, loss, grad }, scale);
            h.lib.mseLoss(rec, s, {
              pred: tPred,
              predRows,
              target: tTarget,
              loss: lossOnlyBuf.view(pad, [s.groups]),
            });
            vec4 = rec.defines.map((d) => d.VEC4);
          })
          .finally(() => g.variants.chosen.delete('reduce.splits'));
        return {
          dispatches,
          vec4,
          loss: await h.read(lossBuf),
          grad: await h.read(gradBuf),
          lossOnly: await h.read(lossOnlyBuf),
        };
      },
      { s, predBuffer, predOffset, predRows, target, rows, scale, pad, splits: c.splits ?? 0 },
    );

    expect(out.dispatches).toBe(c.splits || c.softwareSplit ? 4 : 2);
    expect(
      out.vec4.every((v) => v === Boolean(c.vec4)),
      'VEC4 taken where aligned',
    ).toBe(true);
    const tgt = target.slice(pad);
    const ref = mseLossRef(s, pred, tgt, scale);
    expectPaddingUntouched(out.loss, pad, `${what} loss`);
    expectPaddingUntouched(out.grad, pad, `${what} grad`);
    expectClose(out.loss.slice(pad), ref.loss, `${what} loss`);
    expectClose(out.lossOnly.slice(pad), ref.loss, `${what} loss without grad`);
    expectClose(out.grad.slice(pad), ref.grad, `${what} grad`);
    checkGradientByFd(
      (x) => mseLossRef(s, x, tgt).loss,
      pred,
      ref.grad,
      out.grad.slice(pad),
      scale,
      rand,
      what,
    );
  });
}

/** `ignore`: fraction of rows labelled −1; `emptyGroup`: group 0 has no labelled row; `logitScale`: logit range. */
const ceCases = [
  { groups: 1, rowsPerGroup: 1, classes: 1 },
  { groups: 1, rowsPerGroup: 1, classes: 5 },
  { groups: 3, rowsPerGroup: 5, classes: 4, scale: 1 / 3, ignore: 0.3 },
  { groups: 8, rowsPerGroup: 3, classes: 2, ignore: 0.2 },
  { groups: 2, rowsPerGroup: 100, classes: 7, ignore: 0.1 }, // more rows than invocations per group
  { groups: 3, rowsPerGroup: 4, classes: 6, ignore: 0.2, emptyGroup: true, scale: 0.5 },
  { groups: 2, rowsPerGroup: 4, classes: 6, logitScale: 60 }, // exp would overflow without the row max
  { groups: 2, rowsPerGroup: 6, classes: 3, steps: 2 }, // logits read as strided rows
];

for (const c of ceCases) {
  test(`softmax_cross_entropy ${JSON.stringify(c)}`, async ({ gpu }) => {
    const seed = Date.now() & 0xffff;
    const what = `cross-entropy (seed ${seed})`;
    const rand = rng(seed);
    const s = { groups: c.groups, rowsPerGroup: c.rowsPerGroup, classes: c.classes };
    const C = c.classes;
    const rows = c.groups * c.rowsPerGroup;
    const scale = c.scale ?? 1;
    const T = c.steps ?? rows;
    const logitRows = c.steps ? { block: T, blockStride: (T + 1) * C, rowStride: C } : undefined;
    const range = c.logitScale ?? 3;
    const logitBuffer = uniform(rand, PAD + (rows / T) * (T + (c.steps ? 1 : 0)) * C, -range, range);
    const logitOffset = PAD + (c.steps ? C : 0);
    const logits: number[] = [];
    for (let q = 0; q < rows; q++) {
      const at = logitOffset + Math.floor(q / T) * (logitRows?.blockStride ?? 0) + (q % T) * C;
      logits.push(...logitBuffer.slice(at, at + C));
    }
    const labels = Array.from({ length: rows }, (_, q) =>
      rand() < (c.ignore ?? 0) || (c.emptyGroup && q < c.rowsPerGroup) ? -1 : Math.floor(rand() * C),
    );

    const out = await gpu.evaluate(
      async ({ s, logitBuffer, logitOffset, logitRows, labels, rows, scale, PAD }) => {
        const h = window.harness;
        const n = rows * s.classes;
        const tLogits = (await h.tensor([logitBuffer.length], logitBuffer)).view(logitOffset, [
          rows,
          s.classes,
        ]);
        const tLabels = (await h.tensor([PAD + rows], [...Array(PAD).fill(0), ...labels])).view(PAD, [rows]);
        const [lossBuf, gradBuf, correctBuf, lossOnlyBuf] = await Promise.all([
          h.tensor([PAD + s.groups]),
          h.tensor([PAD + n]),
          h.tensor([PAD + rows]),
          h.tensor([PAD + s.groups]),
        ]);
        await h.run((rec) => {
          h.lib.softmaxCrossEntropy(
            rec,
            s,
            {
              logits: tLogits,
              logitsRows: logitRows,
              labels: tLabels,
              loss: lossBuf.view(PAD, [s.groups]),
              grad: gradBuf.view(PAD, [rows, s.classes]),
              correct: correctBuf.view(PAD, [rows]),
            },
            scale,
          );
          const lossOnly = lossOnlyBuf.view(PAD, [s.groups]);
          h.lib.softmaxCrossEntropy(rec, s, {
            logits: tLogits,
            logitsRows: logitRows,
            labels: tLabels,
            loss: lossOnly,
          });
        });
        return {
          loss: await h.read(lossBuf),
          grad: await h.read(gradBuf),
          correct: await h.read(correctBuf),
          lossOnly: await h.read(lossOnlyBuf),
        };
      },
      { s, logitBuffer, logitOffset, logitRows, labels, rows, scale, PAD },
    );

    const ref = softmaxCrossEntropyRef(s, logits, labels, scale);
    for (const k of ['loss', 'grad', 'correct'] as const) expectPaddingUntouched(out[k], PAD, `${what} ${k}`);
    expectClose(out.loss.slice(PAD), ref.loss, `${what} loss`);
    expectClose(out.lossOnly.slice(PAD), ref.loss, `${what} loss without grad`);
    expectClose(out.grad.slice(PAD), ref.grad, `${what} grad`);
    expect(out.correct.slice(PAD), `${what} correct`).toEqual(Array.from(ref.correct));
    const lossOf = (x: number[]) => softmaxCrossEntropyRef(s, x, labels).loss;
    checkGradientByFd(lossOf, logits, ref.grad, out.grad.slice(PAD), scale, rand, what);
  });
}
