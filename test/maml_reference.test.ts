import { expect, test } from '@playwright/test';
import {
  adaptRef,
  cellHvpRef,
  cellLossGradRef,
  cellSizeRef,
  mamlExactRef,
  metaGradientRef,
  type TaskRef,
} from '../src/reference/maml';
import { sinusoidSequencesRef } from '../src/reference/sinusoid_sequences';
import { rng, uniform } from '../src/layout/random';

// The float64 MAML reference checks itself before it is trusted to check the GPU: the cell's analytic
// gradient against finite differences of its loss, and the meta-gradient's limits (no inner steps: all
// three variants reduce to plain gradients; one step: MAML = (I − αH) ∇L_q, with H from gradient differences).

const H = 3;
const rand = rng(11);
const task = (): TaskRef => ({
  supportX: uniform(rand, 4, -5, 5),
  supportY: uniform(rand, 4, -3, 3),
  queryX: uniform(rand, 3, -5, 5),
  queryY: uniform(rand, 3, -3, 3),
});
const theta = uniform(rand, cellSizeRef(H), -0.8, 0.8);
const tasks = [task(), task()];
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('cell gradient equals central differences of the cell loss', () => {
  const t = tasks[0];
  const { grad } = cellLossGradRef(H, theta, t.supportX, t.supportY);
  const h = 1e-6;
  const fd = theta.map((_, i) => {
    const w = Float64Array.from(theta);
    w[i] += h;
    const plus = cellLossGradRef(H, w, t.supportX, t.supportY).loss;
    w[i] -= 2 * h;
    return (plus - cellLossGradRef(H, w, t.supportX, t.supportY).loss) / (2 * h);
  });
  expect(maxAbsDiff(grad, fd)).toBeLessThan(1e-8);
});

test('with no inner steps, MAML, FOMAML and Reptile reduce to the query gradient (and zero)', () => {
  const o = { hidden: H, innerSteps: 0, innerLr: 0.1 };
  const fo = metaGradientRef('fomaml', o, theta, tasks);
  expect(maxAbsDiff(metaGradientRef('maml', o, theta, tasks), fo)).toBeLessThan(1e-8);
  expect(maxAbsDiff(metaGradientRef('reptile', o, theta, tasks), new Float64Array(theta.length))).toBe(0);
});

test('one inner step: MAML meta-gradient = (I − αH) ∇L_q(θ_1), per task, averaged', () => {
  const o = { hidden: H, innerSteps: 1, innerLr: 0.3 };
  const expected = new Float64Array(theta.length);
  for (const t of tasks) {
    const [w0, w1] = adaptRef(o, theta, t);
    const v = cellLossGradRef(H, w1, t.queryX, t.queryY).grad;
    // Hv by float64 central differences of analytic gradients, a different route from the reference's.
    const e = 1e-5;
    const at = (s: number) =>
      cellLossGradRef(
        H,
        w0.map((x, i) => x + s * e * v[i]),
        t.supportX,
        t.supportY,
      ).grad;
    const [gp, gm] = [at(1), at(-1)];
    for (let i = 0; i < v.length; i++)
      expected[i] += (v[i] - (o.innerLr * (gp[i] - gm[i])) / (2 * e)) / tasks.length;
  }
  expect(maxAbsDiff(metaGradientRef('maml', o, theta, tasks), expected)).toBeLessThan(1e-7);
});

// The exact second-order reference (Hessian-vector products by forward over reverse) against the slow one
// (central differences of the whole meta-loss), on a stacked, recurrent cell too: 2 layers reading x for
// 4 steps, 3 inner steps.
for (const cell of [
  { hidden: 3, layers: 1, steps: 1, innerSteps: 2 },
  { hidden: 3, layers: 2, steps: 4, innerSteps: 3 },
]) {
  test(`exact MAML reference equals central differences of the meta-loss ${JSON.stringify(cell)}`, () => {
    const o = { ...cell, innerLr: 0.3 };
    const th = uniform(rng(cell.layers * 7), cellSizeRef(o), -0.8, 0.8);
    const exact = mamlExactRef(o, th, tasks);
    const fd = metaGradientRef('maml', o, th, tasks);
    const scale = Math.max(...Array.from(fd, Math.abs));
    expect(maxAbsDiff(exact, fd) / scale).toBeLessThan(1e-7);
    // A positive control: the first-order meta-gradient is far from it.
    expect(maxAbsDiff(metaGradientRef('fomaml', o, th, tasks), fd) / scale).toBeGreaterThan(0.05);
  });

  test(`cell Hessian-vector product equals central differences of the gradient ${JSON.stringify(cell)}`, () => {
    const r = rng(cell.steps * 13);
    const w = uniform(r, cellSizeRef(cell), -0.8, 0.8);
    const v = uniform(r, w.length, -1, 1);
    const t = tasks[1];
    const hv = cellHvpRef(cell, w, v, t.supportX, t.supportY);
    const h = 1e-5;
    const g = (e: number) =>
      cellLossGradRef(
        cell,
        w.map((x, i) => x + e * v[i]),
        t.supportX,
        t.supportY,
      ).grad;
    const [gp, gm] = [g(h), g(-h)];
    const fd = gp.map((x, i) => (x - gm[i]) / (2 * h));
    expect(maxAbsDiff(hv, fd) / Math.max(...Array.from(fd, Math.abs))).toBeLessThan(1e-7);
  });
}

// The same on --read-support rows: sequences of shots + 1 steps of 3 inputs (sinusoid_sequences), 3 shots.
test('exact MAML reference equals central differences of the meta-loss on rows that read the support pairs', () => {
  const r = rng(23);
  const [K, Q] = [3, 2];
  const readTask = (): TaskRef => {
    const points = Array.from({ length: K + Q }, (_, i) => [
      uniform(r, 1, -1, 1)[0],
      uniform(r, 1, -1, 1)[0],
      i,
    ]);
    const sequence = points.flatMap(([x, y, i]) => (i < K ? [x, y, 1] : [x, 0, 0]));
    const rows = sinusoidSequencesRef({ tasks: 1, shots: K, queries: Q }, sequence);
    const ys = points.map(([, y]) => 5 * y);
    return { supportX: rows.supportX, supportY: ys.slice(0, K), queryX: rows.queryX, queryY: ys.slice(K) };
  };
  const o = { hidden: 3, steps: K + 1, sequence: true, inputSize: 3, innerSteps: 2, innerLr: 0.3 };
  const th = uniform(r, cellSizeRef(o), -0.8, 0.8);
  const two = [readTask(), readTask()];
  const exact = mamlExactRef(o, th, two);
  const fd = metaGradientRef('maml', o, th, two);
  const scale = Math.max(...Array.from(fd, Math.abs));
  expect(maxAbsDiff(exact, fd) / scale).toBeLessThan(1e-7);
  expect(maxAbsDiff(metaGradientRef('fomaml', o, th, two), fd) / scale).toBeGreaterThan(0.05);
});
