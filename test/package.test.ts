/**
 * The published package is the product: `npm pack` (its prepack builds the page, the library, its types and
 * the CLI), the tarball installed into an empty project as a user installs it, and used there — the CLI as
 * compiled JavaScript from node_modules (no src/, no tsx), the library from a consumer's TypeScript (strict,
 * skipLibCheck off, no ambient types of its own) and Vite build. Needs the npm registry for the dependencies
 * and a browser, as the other CLI tests do; a few minutes in all, most of it the software adapter.
 */
import { expect, test } from '@playwright/test';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProcess, type Ran } from './cli_helper';
import { gruParamLayout, type GruShape } from '../src/layout/gru_layout';
import { rng, uniform } from '../src/layout/random';
import { parse, serialize } from '../src/io/safetensors';
import { gruForwardRef } from '../src/reference/gru';

/**
 * This process's environment without npm's `npm_*` variables — under `npm test` or `npx playwright` they name
 * this repository (npm_config_local_prefix, npm_package_json), and the consumer's npm must not see them — and
 * without metarnn's own (`METARNN_APP_DIR` would have the installed CLI serve this repository's page build).
 */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|METARNN_)/i.test(k)));

/** Runs a command to its end in `cwd`, with npm's variables left out. */
const run = (command: string, args: string[], cwd: string) => runProcess(command, args, { cwd, env });

let tmp: string;
let project: string;
let tarball: string;

/** `npx metarnn …` in the consumer project; `--no --` so that npx never fetches a package of that name. */
const metarnn = (...args: string[]) => run('npx', ['--no', '--', 'metarnn', ...args], project);
/** This repository's own tools, run on the consumer project: the package brings neither. */
const tsc = (config: string) =>
  run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], project);
const ok = (r: Ran) => expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  tmp = mkdtempSync(join(tmpdir(), 'metarnn-package-'));
  const packed = await run('npm', ['pack', '--pack-destination', tmp], ROOT);
  ok(packed);
  tarball = join(
    tmp,
    readdirSync(tmp).find((f) => f.endsWith('.tgz'))!,
  );
  project = join(tmp, 'consumer');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  ok(await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], project));
});
test.afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the built CLI, library, types and page, and no sources, configs or TF.js', async () => {
  const listing = await run('tar', ['-tzf', tarball], tmp);
  ok(listing);
  const files = listing.stdout
    .trim()
    .split('\n')
    .map((f) => f.replace(/^package\//, ''));
  for (const f of [
    'bin/metarnn.js',
    'dist/cli/main.js',
    'dist/lib/index.js',
    'dist/lib/meta/trainer.js.map',
    'dist/lib/node.js',
    'dist/lib/types/index.d.ts',
    'dist/lib/types/node.d.ts',
    'dist/app/harness.html',
    'dist/app/bench.html',
    'README.md',
    'ARCHITECTURE.md',
    'LICENSE',
    'models/README.md',
  ]) {
    expect(files, f).toContain(f);
  }
  // The shipped models: config and weights only.
  const allowed =
    /^(package\.json|README\.md|ARCHITECTURE\.md|LICENSE|bin\/metarnn\.js|dist\/(app|lib|cli)\/.+|models\/(README\.md|[\w-]+\/(config\.json|checkpoint\.safetensors)))$/;
  expect(files.filter((f) => !allowed.test(f))).toEqual([]);
  expect(files.filter((f) => /^dist\/app\/(assets\/tfjs-|tfjs-wasm\/)/.test(f))).toEqual([]);

  // Nothing of the development tool chain comes along at run time.
  const modules = join(project, 'node_modules');
  for (const dev of ['tsx', 'esbuild', 'uplot', 'vite', '@tensorflow', 'typescript']) {
    expect(existsSync(join(modules, dev)), `${dev} installed`).toBe(false);
  }
  const types = readFileSync(join(modules, 'metarnn/dist/lib/types/index.d.ts'), 'utf8');
  expect(types).toContain('/// <reference types="@webgpu/types"');
});

test('the installed CLI: --version, --help, doctor, train, eval, gru', async () => {
  test.setTimeout(300_000);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const version = await metarnn('--version');
  ok(version);
  expect(version.stdout.trim()).toBe(pkg.version);

  const help = await metarnn('--help');
  ok(help);
  for (const command of ['doctor', 'gru', 'bench', 'train', 'eval', 'start']) {
    expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  }

  const doctor = await metarnn('doctor');
  ok(doctor);
  expect(doctor.stdout).toMatch(/^adapter\s+\S+/m);

  const train = await metarnn(
    ...['train', '--task', 'sinusoid', '--learner', 'blackbox', '--steps', '4', '--hidden', '8'],
    ...['--layers', '1', '--meta-batch', '4', '--eval-every', '4', '--eval-tasks', '4', '--log-every', '2'],
    ...['--out', 'run'],
  );
  ok(train);
  for (const f of ['checkpoint.safetensors', 'config.json', 'metrics.jsonl', 'report.html']) {
    expect(existsSync(join(project, 'run', f)), f).toBe(true);
  }

  const evaluation = await metarnn('eval', '--checkpoint', 'run', '--episodes', '4', '--json');
  ok(evaluation);
  const result = JSON.parse(evaluation.stdout) as Record<string, unknown>;
  expect(result).toMatchObject({ task: 'sinusoid', learner: 'blackbox', episodes: 4, metric: 'mse' });
  expect(Number.isFinite(result.mean)).toBe(true);

  // A 2-layer GRU on a batch of 2 sequences, checked against the float64 reference.
  const shape: GruShape = { layers: 2, inputSize: 3, hiddenSize: 5, groups: 1 };
  const [B, T] = [2, 4];
  const rand = rng(99);
  const layout = gruParamLayout(shape);
  const params = uniform(rand, layout.size, -0.6, 0.6);
  const x = uniform(rand, B * T * shape.inputSize);
  const weights = Object.fromEntries(
    layout.entries.map((e) => [e.name, { shape: e.shape, data: params.slice(e.offset, e.offset + e.size) }]),
  );
  writeFileSync(join(project, 'w.safetensors'), serialize(weights));
  writeFileSync(
    join(project, 'x.safetensors'),
    serialize({ x: { shape: [B, T, shape.inputSize], data: x } }),
  );
  const gru = await metarnn(
    ...['gru', '--weights', 'w.safetensors', '--input', 'x.safetensors', '--out', 'out.safetensors'],
  );
  ok(gru);
  const out = parse(readFileSync(join(project, 'out.safetensors')), 'out.safetensors');
  const expected = gruForwardRef(shape, { batch: B, steps: T }, params, x).output;
  const output = out.require('output', [B, T, shape.hiddenSize]).data;
  expect(Math.max(...expected.map((e, i) => Math.abs(output[i] - e)))).toBeLessThan(1e-4);
});

test('the installed bench measures ours and says the TF.js peers need a clone', async () => {
  test.setTimeout(300_000);
  // One case, one round, no meta-training curve: the test is about the installed package, not the figures.
  const bench = await metarnn(
    'bench',
    '--quick',
    '--repeat',
    '1',
    '--no-throughput',
    '--peers',
    'tfjs-cpu',
    '--cases',
    'gru-1x64',
  );
  ok(bench);
  expect(bench.stderr).toContain('1 round per case');
  expect(bench.stderr).not.toContain('meta-training');
  expect(bench.stderr).toContain('not in the installed package');
  expect(bench.stderr).toContain('clone of the metarnn repository');
  expect(bench.stdout).toMatch(/^gru-1x64\s+ours\s+\d/m);
  expect(bench.stdout).toMatch(/^gru-1x64\s+tfjs-cpu\s.*\(TF\.js is not in the installed package\)$/m);
});

test('a consumer type-checks against the package (GPU types included) and bundles it with Vite', async () => {
  test.setTimeout(180_000);
  const compilerOptions = {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'bundler',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    strict: true,
    skipLibCheck: false,
    types: [], // no ambient @webgpu/types here: they must come with the package
    noEmit: true,
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
  writeFileSync(
    join(project, 'src/main.ts'),
    [
      "import { acquireGpu, createLearner, defaultsFor, train, type MetaLearner } from 'metarnn';",
      '',
      'async function main(): Promise<void> {',
      '  const gpu = await acquireGpu();',
      '  const device: GPUDevice = gpu.device;',
      "  const learner: MetaLearner = await createLearner(gpu, { ...defaultsFor('sinusoid', 'blackbox'), steps: 8 });",
      '  await train(learner, 8, { onProgress: (p) => console.log(p.step, p.loss.toFixed(3)) });',
      '  document.body.textContent = `${device.limits.maxBufferSize}: ${(await learner.evaluate(16, 1)).mean}`;',
      '}',
      'void main();',
      '',
    ].join('\n'),
  );
  ok(await tsc('tsconfig.json'));

  // A wrong-typed call must fail, naming the file, the line and the argument.
  writeFileSync(
    join(project, 'src/bad.ts'),
    "import { acquireGpu, createLearner } from 'metarnn';\n\nexport const bad = createLearner(await acquireGpu(), 42);\n",
  );
  const bad = await tsc('tsconfig.json');
  rmSync(join(project, 'src/bad.ts'));
  expect(bad.code).not.toBe(0);
  expect(bad.stdout).toMatch(
    /src\/bad\.ts\(3,\d+\): error TS2345: Argument of type 'number' is not assignable to parameter of type 'MetaConfig'/,
  );

  writeFileSync(
    join(project, 'index.html'),
    '<!doctype html>\n<html><body><script type="module" src="./src/main.ts"></script></body></html>\n',
  );
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  ok(await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], project));
  const assets = join(project, 'dist/assets');
  const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
  expect(js.length).toBeGreaterThan(0);
  // The kernels' WGSL came along inside the library: the bundle holds compute shaders.
  expect(js.some((f) => readFileSync(join(assets, f), 'utf8').includes('@compute'))).toBe(true);
});

test('metarnn/node: the library in plain Node on Dawn, where the webgpu package is installed', async () => {
  test.setTimeout(180_000);
  // webgpu is an optional peer dependency; link this repository's copy (a devDependency here) beside it.
  const dawn = join(ROOT, 'node_modules/webgpu');
  test.skip(!existsSync(dawn), 'the npm package webgpu is not installed in this repository');
  symlinkSync(dawn, join(project, 'node_modules/webgpu'), 'dir');
  writeFileSync(
    join(project, 'node-check.mjs'),
    [
      "import { nodeGpu, createLearner, defaultsFor, train } from 'metarnn/node';",
      'const gpu = await nodeGpu();',
      "const config = { ...defaultsFor('sinusoid', 'blackbox'), hidden: 8, layers: 1, metaBatch: 4, steps: 3 };",
      'const learner = await createLearner(gpu, config);',
      'await train(learner, 3);',
      'const { mean } = await learner.evaluate(4, 1);',
      'console.log(JSON.stringify({ step: learner.stepCount, mean, adapter: gpu.adapter.description }));',
      'learner.destroy();',
      'process.exit(0);',
      '',
    ].join('\n'),
  );
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  const withVulkan = {
    ...env,
    ...(env.VK_ICD_FILENAMES || !existsSync(icd) ? {} : { VK_ICD_FILENAMES: icd }),
  };
  const r = await runProcess(process.execPath, ['node-check.mjs'], { cwd: project, env: withVulkan });
  test.skip(
    /libvulkan|no (GPU )?adapter|WebGPU in Node needs/.test(r.stderr),
    `Dawn found no adapter here: ${r.stderr}`,
  );
  ok(r);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
  expect(j.step).toBe(3);
  expect(Number.isFinite(j.mean)).toBe(true);
});
