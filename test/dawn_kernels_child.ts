/**
 * The GPU checks of test/dawn-kernels.test.ts, run in a Node child on Dawn (`metarnn/node`'s nodeGpu): the
 * fused GRU forward and backward against the float64 reference at edge shapes, and the black-box learner's
 * meta-gradient against central finite differences. Prints one JSON object: { rows: [what, error, bound] }.
 */
import { nodeGpu } from '../src/runtime/dawn';
import { gruRun } from '../src/harness/gru_run';
import { gruParamLayout } from '../src/layout/gru_layout';
import { rng, uniform } from '../src/layout/random';
import { DEFAULT_CONFIG } from '../src/meta/trainer';
import { BlackBoxRegressor } from '../src/meta/blackbox';
import { gruBackwardRef, gruForwardRef } from '../src/reference/gru';
import { relError } from './rel_error';

const rows: [string, number, number][] = [];
const gpu = await nodeGpu();
const rand = rng(20261203);
// L, I, H, B, T: the smallest, a typical stack, and H above one workgroup's 32 rows with T ≥ 8.
for (const [L, I, H, B, T] of [
  [1, 1, 1, 1, 1],
  [2, 3, 5, 2, 4],
  [3, 4, 33, 3, 8],
]) {
  const shape = { layers: L, inputSize: I, hiddenSize: H, groups: 1 };
  const run = { batch: B, steps: T };
  const params = uniform(rand, gruParamLayout(shape).size, -0.6, 0.6);
  const [x, h0] = [uniform(rand, B * T * I), uniform(rand, L * B * H)];
  const [dOut, dhN] = [uniform(rand, B * T * H), uniform(rand, L * B * H)];
  const r = await gruRun(gpu, { ...shape, ...run, params, x, h0, gradOutput: dOut, gradHN: dhN });
  const fwd = gruForwardRef(shape, run, params, x, h0);
  const bwd = gruBackwardRef(shape, run, params, x, h0, dOut, dhN);
  const what = `gru L${L} I${I} H${H} B${B} T${T}`;
  rows.push([`${what} output`, relError(r.output, fwd.output), 1e-4]);
  rows.push([`${what} h_n`, relError(r.hN, fwd.hN), 1e-4]);
  rows.push([`${what} grads`, relError(r.grads, bwd.grads), 1e-4]);
  rows.push([`${what} grad_x`, relError(r.gradX, bwd.dx), 1e-4]);
  rows.push([`${what} grad_h0`, relError(r.gradH0, bwd.dh0), 1e-4]);
}

const config = { ...DEFAULT_CONFIG, layers: 2, hidden: 6, metaBatch: 3, shots: 3, queries: 2, seed: 3 };
const l = await BlackBoxRegressor.create(gpu, config);
const { grads } = await l.gradientAt(5);
const p0 = await l.getParams();
const eps = 1e-2;
for (const e of l.entries) {
  const i = e.offset + Math.floor(e.size / 2);
  const p = Float32Array.from(p0);
  p[i] += eps;
  l.setParams(p);
  const plus = await l.lossAt(5);
  p[i] -= 2 * eps;
  l.setParams(p);
  const minus = await l.lossAt(5);
  const fd = (plus - minus) / (2 * eps);
  // float32 loss differences limit FD to ~1e-5 absolute here (as e2e/blackbox.spec.ts).
  rows.push([
    `blackbox meta-gradient ${e.name}`,
    Math.abs(grads[i] - fd),
    2e-3 * Math.max(1, Math.abs(fd)) + 2e-5,
  ]);
}
l.destroy();
console.log(JSON.stringify({ adapter: gpu.adapter.description, rows }));
process.exit(0);
