/**
 * The `metarnn` CLI as a user runs it: a child process per call. Runs that reach the GPU open a browser
 * (~1–2 s each); bad inputs must fail before that, with one line naming the problem and no output file.
 */
import { expect, test } from '@playwright/test';
import { cli, cliWithEnv } from './cli_helper';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gruParamLayout, type GruShape } from '../src/layout/gru_layout';
import { parse, serialize, type TensorInput } from '../src/io/safetensors';
import { gruBackwardRef, gruForwardRef } from '../src/reference/gru';
import { rng, uniform } from '../src/layout/random';

let dir: string;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-cli-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, tensors: Record<string, TensorInput>): string {
  const path = join(dir, name);
  writeFileSync(path, serialize(tensors));
  return path;
}

/** max |a − e| ≤ rtol · max(|e|, 1e-3) over the whole tensor, as the e2e tests compare. */
function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  rtol = 1e-4,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 1e-3;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= worst)) worst = err; // NaN sticks
  }
  expect(worst / scale, `${what}: relative error`).toBeLessThanOrEqual(rtol);
}

// A small stacked GRU: 2 layers, input 3, hidden 5, batch 2, 4 steps.
const shape: GruShape = { layers: 2, inputSize: 3, hiddenSize: 5, groups: 1 };
const [L, I, H, B, T] = [2, 3, 5, 2, 4];
const run = { batch: B, steps: T };
const rand = rng(1234);
const layout = gruParamLayout(shape);
const params = uniform(rand, layout.size, -0.6, 0.6);
const weights = Object.fromEntries(
  layout.entries.map((e) => [e.name, { shape: e.shape, data: params.slice(e.offset, e.offset + e.size) }]),
);
const x = uniform(rand, B * T * I);
const h0 = uniform(rand, L * B * H);
const gradOutput = uniform(rand, B * T * H);
const gradHN = uniform(rand, L * B * H);

test('doctor reports the browser and the adapter', async () => {
  const r = await cliWithEnv({ METARNN_VARIANTS: undefined }, 'doctor'); // nothing forced
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^browser\s+\S+/m);
  expect(r.stdout).toMatch(/^adapter\s+\S+/m);
  expect(r.stdout).toMatch(/swiftshader|maxStorageBufferBindingSize\s+\d+/);
  // The software adapter runs the broadcast recurrences for H = 4 … 64 in 4s (src/kernels/gru_tuning.ts).
  if (/swiftshader|fallback adapter/.test(r.stdout))
    expect(r.stdout).toMatch(
      /^\s+gru_forward\/gru_backward at hidden sizes 4 … 64 in 4s \(T > 1\): their broadcast/m,
    );
});

test('gru forward + backward match the float64 reference', async () => {
  const out = join(dir, 'out.safetensors');
  const r = await cli(
    'gru',
    ...[
      '--weights',
      write('w.safetensors', weights),
      '--input',
      write('x.safetensors', { x: { shape: [B, T, I], data: x } }),
    ],
    ...['--h0', write('h0.safetensors', { h0: { shape: [L, B, H], data: h0 } })],
    ...[
      '--grad-output',
      write('g.safetensors', {
        grad_output: { shape: [B, T, H], data: gradOutput },
        grad_h_n: { shape: [L, B, H], data: gradHN },
      }),
    ],
    ...['--out', out],
  );
  expect(r.code, r.stderr).toBe(0);
  const file = parse(readFileSync(out), out);
  const fwd = gruForwardRef(shape, run, params, x, h0);
  expectClose(file.require('output', [B, T, H]).data, fwd.output, 'output');
  expectClose(file.require('h_n', [L, B, H]).data, fwd.hN, 'h_n');
  const bwd = gruBackwardRef(shape, run, params, x, h0, gradOutput, gradHN);
  expectClose(file.require('grad_x', [B, T, I]).data, bwd.dx, 'grad_x');
  expectClose(file.require('grad_h0', [L, B, H]).data, bwd.dh0, 'grad_h0');
  for (const e of layout.entries) {
    expectClose(
      file.require(`grad.${e.name}`, e.shape).data,
      bwd.grads.subarray(e.offset, e.offset + e.size),
      `grad.${e.name}`,
    );
  }
});

test('gru forward only, zero h0: output and h_n and nothing else', async () => {
  const out = join(dir, 'fwd.safetensors');
  const r = await cli(
    'gru',
    '--weights',
    write('w.safetensors', weights),
    '--input',
    write('x.safetensors', { x: { shape: [B, T, I], data: x } }),
    '--out',
    out,
  );
  expect(r.code, r.stderr).toBe(0);
  const file = parse(readFileSync(out), out);
  expect([...file.tensors.keys()].sort()).toEqual(['h_n', 'output']);
  const fwd = gruForwardRef(shape, run, params, x);
  expectClose(file.require('output', [B, T, H]).data, fwd.output, 'output');
  expectClose(file.require('h_n', [L, B, H]).data, fwd.hN, 'h_n');
});

/** Raw bytes for the malformed cases: a length prefix (by default the header's own length), then the header. */
function rawFile(name: string, header: string, headerLen?: number): string {
  const body = new TextEncoder().encode(header);
  headerLen ??= body.length;
  const bytes = new Uint8Array(8 + body.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, headerLen % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  bytes.set(body, 8);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const bad: { name: string; files: () => Record<string, string>; expect: (string | RegExp)[] }[] = [
  {
    name: 'truncated weights file',
    files: () => {
      const full = serialize(weights);
      const path = join(dir, 'trunc.safetensors');
      writeFileSync(path, full.subarray(0, full.length - 10));
      return { weights: path };
    },
    expect: ['trunc.safetensors', 'truncated', /'bias_hh_l1'/],
  },
  {
    name: 'absurd header length',
    files: () => ({ input: rawFile('huge.safetensors', '{}', 2 ** 40) }),
    expect: ['huge.safetensors', `header length ${2 ** 40}`, 'at most'],
  },
  {
    name: 'bad JSON header',
    files: () => ({ h0: rawFile('json.safetensors', '{"h0": {"dt') }),
    expect: ['json.safetensors', 'not valid JSON'],
  },
  {
    name: 'wrong dtype F16',
    files: () => ({
      input: rawFile('f16.safetensors', '{"x":{"dtype":"F16","shape":[2,4,3],"data_offsets":[0,48]}}'),
    }),
    expect: ["'x'", '"F16"', 'F32'],
  },
  {
    name: 'inconsistent shape weight_hh_l0 [3H, H+1]',
    files: () => ({
      weights: write('shape.safetensors', {
        ...weights,
        weight_hh_l0: { shape: [3 * H, H + 1], data: new Array(3 * H * (H + 1)).fill(0) },
      }),
    }),
    expect: ["'weight_hh_l0'", `[${3 * H}, ${H + 1}]`, `expected [${3 * H}, ${H}]`],
  },
  {
    name: 'missing tensor',
    files: () => {
      const rest = Object.fromEntries(Object.entries(weights).filter(([name]) => name !== 'bias_ih_l1'));
      return { weights: write('missing.safetensors', rest) };
    },
    expect: ["missing tensor 'bias_ih_l1'"],
  },
  {
    name: 'unreadable path',
    files: () => ({ input: join(dir, 'no-such-dir', 'x.safetensors') }),
    expect: ['cannot read', 'no-such-dir', 'no such file'],
  },
];

for (const c of bad) {
  test(`gru refuses ${c.name}: one line, non-zero exit, no output file`, async () => {
    const good = {
      weights: write('w.safetensors', weights),
      input: write('x.safetensors', { x: { shape: [B, T, I], data: x } }),
      h0: write('h0.safetensors', { h0: { shape: [L, B, H], data: h0 } }),
    };
    const files = { ...good, ...c.files() };
    const out = join(dir, `bad-${c.name.replace(/\W+/g, '_')}.safetensors`);
    const r = await cli(
      'gru',
      '--weights',
      files.weights,
      '--input',
      files.input,
      '--h0',
      files.h0,
      '--out',
      out,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^metarnn: /);
    for (const part of c.expect) expect(r.stderr).toMatch(part);
    expect(existsSync(out), 'no output file').toBe(false);
  });
}
