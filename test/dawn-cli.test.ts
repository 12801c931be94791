/**
 * The Node + Dawn backend (`--backend dawn`): the CLI's GPU work in Node itself, through the npm package
 * `webgpu`, with no browser. On this machine Dawn finds Chromium's SwiftShader through Vulkan
 * (VK_ICD_FILENAMES; Debian's libvulkan1); where there is no Vulkan loader the tests skip and say so.
 * The same checkpoint must evaluate to the same figure on both backends, and `gru` must match the float64
 * reference there as it does in the browser.
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliWithEnv } from './cli_helper';
import { gruParamLayout } from '../src/layout/gru_layout';
import { parse, serialize } from '../src/io/safetensors';
import { gruBackwardRef, gruForwardRef } from '../src/reference/gru';
import { rng, uniform } from '../src/layout/random';
import { relError } from './rel_error';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const ENV: Record<string, string> = {
  ...(process.env.VK_ICD_FILENAMES || !existsSync(ICD) ? {} : { VK_ICD_FILENAMES: ICD }),
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(),
};
const dawn = (...args: string[]) => cliWithEnv(ENV, '--backend', 'dawn', ...args);

let dir: string;
let unavailable: string | null = null;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-dawn-'));
  const r = await dawn('doctor', '--json');
  if (r.code !== 0) unavailable = r.stderr.trim().split('\n').pop() ?? 'doctor failed';
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));
test.beforeEach(() => test.skip(unavailable !== null, `Dawn is not available here: ${unavailable}`));

test('doctor --backend dawn: Node with Dawn, its adapter and limits', async () => {
  const r = await dawn('doctor', '--json');
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j.backend).toBe('dawn');
  expect(j.dawn.version).toMatch(/webgpu/);
  expect(j.browser).toBeUndefined();
  expect(j.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
});

test('train and eval on Dawn; the checkpoint evaluates to the same figure in the browser', async () => {
  const out = join(dir, 'run');
  const t = await dawn(
    'train', '--task', 'sinusoid', '--learner', 'blackbox', '--steps', '20', '--hidden', '8', '--layers', '1',
    '--meta-batch', '4', '--eval-every', '10', '--eval-tasks', '4', '--log-every', '5', '--out', out,
  ); // prettier-ignore
  expect(t.code, t.stderr).toBe(0);
  expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(true);
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  expect(metrics.map((l) => JSON.parse(l)).some((m) => m.step === 20)).toBe(true);

  const onDawn = await dawn('eval', '--checkpoint', out, '--episodes', '8', '--json');
  expect(onDawn.code, onDawn.stderr).toBe(0);
  const inBrowser = await cli(
    '--backend',
    'browser',
    'eval',
    '--checkpoint',
    out,
    '--episodes',
    '8',
    '--json',
  );
  expect(inBrowser.code, inBrowser.stderr).toBe(0);
  const [a, b] = [JSON.parse(onDawn.stdout), JSON.parse(inBrowser.stdout)];
  expect(a.episodes).toBe(8);
  expect(Math.abs(a.mean - b.mean)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(b.mean)));
});

test('gru on Dawn matches the float64 reference', async () => {
  const shape = { layers: 2, inputSize: 3, hiddenSize: 5, groups: 1 };
  const [L, I, H, B, T] = [2, 3, 5, 2, 4];
  const rand = rng(99);
  const layout = gruParamLayout(shape);
  const params = uniform(rand, layout.size, -0.6, 0.6);
  const x = uniform(rand, B * T * I);
  const g = uniform(rand, B * T * H);
  const weights = Object.fromEntries(
    layout.entries.map((e) => [e.name, { shape: e.shape, data: params.slice(e.offset, e.offset + e.size) }]),
  );
  const file = (name: string, t: Parameters<typeof serialize>[0]) => {
    writeFileSync(join(dir, name), serialize(t));
    return join(dir, name);
  };
  const out = join(dir, 'gru.safetensors');
  const r = await dawn(
    'gru', '--weights', file('w.safetensors', weights),
    '--input', file('x.safetensors', { x: { shape: [B, T, I], data: x } }),
    '--grad-output', file('g.safetensors', { grad_output: { shape: [B, T, H], data: g } }), '--out', out,
  ); // prettier-ignore
  expect(r.code, r.stderr).toBe(0);
  const got = parse(readFileSync(out), out);
  const run = { batch: B, steps: T };
  const close = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) =>
    expect(relError(a, e), what).toBeLessThanOrEqual(1e-4);
  close(got.require('output', [B, T, H]).data, gruForwardRef(shape, run, params, x).output, 'output');
  const bwd = gruBackwardRef(shape, run, params, x, undefined, g, undefined);
  close(got.require('grad_x', [B, T, I]).data, bwd.dx, 'grad_x');
  expect(L).toBe(2);
});

test('--backend dawn without a usable Dawn says what to install; a bad --backend is refused', async () => {
  const bad = await cli('--backend', 'cuda', 'doctor');
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/--backend cuda: expected one of auto, browser, dawn/);
});
