/**
 * `metarnn train`, `train --resume` and `eval` as a user runs them: a child process per call, on a tiny model
 * (2x8 GRU, 16 tasks per step, 120 steps) so that the whole file stays around a minute on the software adapter.
 * Bad inputs must fail before the browser starts, with one line, and leave --out untouched.
 */
import { expect, test } from '@playwright/test';
import { cli } from './cli_helper';
import { appLosingDeviceAt } from './lose_device_page';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeConfig } from '../src/io/checkpoint';
import { parse } from '../src/io/safetensors';

const TINY = ['--layers', '2', '--hidden', '8', '--meta-batch', '16', '--lr', '0.03', '--seed', '7'];
const EVERY = ['--log-every', '10', '--eval-every', '40', '--eval-tasks', '50'];
let dir: string;

test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metarnn-train-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const checkpoint = (run: string) => parse(readFileSync(join(run, 'checkpoint.safetensors')), run);
const metrics = (run: string) =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number | string>);

test('train writes checkpoint, config, metrics and report, and the loss drops', async () => {
  const run = join(dir, 'a');
  const r = await cli('train', ...TINY, ...EVERY, '--steps', '120', '--out', run);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe('');

  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  expect(config).toMatchObject({
    task: 'sinusoid',
    learner: 'blackbox',
    layers: 2,
    hidden: 8,
    steps: 120,
    seed: 7,
  });

  const ckpt = checkpoint(run);
  expect(ckpt.metadata.get('step')).toBe('120');
  expect(JSON.parse(ckpt.metadata.get('config')!)).toEqual(config);
  expect(ckpt.require('gru.weight_hh_l1').shape).toEqual([24, 8]);
  for (const name of ['head.weight', 'optimizer.m', 'optimizer.v']) expect(ckpt.tensors.has(name)).toBe(true);

  const lines = metrics(run);
  const losses = lines.filter((l) => 'loss' in l).map((l) => l.loss as number);
  const evals = lines.filter((l) => 'metric' in l);
  expect(losses).toHaveLength(12);
  expect(new Set(lines.filter((l) => 'loss' in l).map((l) => l.lr))).toEqual(new Set([0.03])); // no decay
  expect(evals.map((l) => l.step)).toEqual([40, 80, 120]);
  for (const l of evals) expect(l).toMatchObject({ metric: 'mse', tasks: 50, ci95: expect.any(Number) });
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  // Learning, not noise: the training loss (fresh tasks every step) and the held-out MSE (the same tasks at
  // every eval) both fall from the ~4.2 of predicting 0 (E[A²]/2) as the GRU starts to read the support set.
  expect(mean(losses.slice(-3))).toBeLessThan(0.8 * mean(losses.slice(0, 3)));
  expect(evals[2].mean).toBeLessThan(0.95 * (evals[0].mean as number));

  const html = readFileSync(join(run, 'report.html'), 'utf8');
  expect(html).not.toMatch(/<script|<link/i);
  expect(html.split('<svg').length - 1).toBe(2 + 4); // loss, held-out metric, four sinusoid tasks
  expect(html).toContain('finished: 120 steps');
  expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8')).not.toMatch(/NaN|null/);
  expect(existsSync(run) && statSync(run).isDirectory()).toBe(true);
});

test('--lr-decay cosine: metrics.jsonl logs the learning rate falling along a half cosine', async () => {
  const run = join(dir, 'cosine');
  const r = await cli('train', ...TINY, ...EVERY, '--steps', '40', '--lr-decay', 'cosine', '--out', run);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).lrDecay).toBe('cosine');
  const logged = metrics(run).filter((l) => 'loss' in l);
  expect(logged.map((l) => l.step)).toEqual([10, 20, 30, 40]);
  for (const l of logged) {
    const s = l.step as number;
    expect(l.lr).toBeCloseTo(0.03 * 0.5 * (1 + Math.cos((Math.PI * (s - 1)) / 40)), 12);
  }
});

test('a run resumed at step 40 ends with the same weights as an uninterrupted one', async () => {
  const run = join(dir, 'b');
  const first = await cli('train', ...TINY, ...EVERY, '--steps', '40', '--out', run);
  expect(first.code, first.stderr).toBe(0);
  expect(checkpoint(run).metadata.get('step')).toBe('40');
  const second = await cli('train', '--resume', run, '--steps', '120');
  expect(second.code, second.stderr).toBe(0);

  const a = checkpoint(join(dir, 'a'));
  const b = checkpoint(run);
  expect(b.metadata.get('step')).toBe('120');
  expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
  for (const [name, t] of a.tensors) {
    const u = b.tensors.get(name)!;
    expect(Buffer.from(u.data.buffer).equals(Buffer.from(t.data.buffer)), `${name} bit-identical`).toBe(true);
  }
  // The resumed run's metrics continue the first part's and match the uninterrupted run step for step.
  const strip = (l: Record<string, unknown>) => ({ ...l, stepsPerSecond: 0, seconds: 0 });
  expect(metrics(run).map(strip)).toEqual(metrics(join(dir, 'a')).map(strip));
});

test('a device lost mid-run is replaced and training resumes from the last checkpoint, bit-identically', async () => {
  const run = join(dir, 'lost');
  const built = process.env.METARNN_APP_DIR;
  // The CLI serves a harness page that destroys its device at step 70 (see lose_device_page.ts).
  process.env.METARNN_APP_DIR = appLosingDeviceAt(70, join(dir, 'app-losing-device'));
  let r: Awaited<ReturnType<typeof cli>>;
  try {
    r = await cli('train', ...TINY, ...EVERY, '--steps', '120', '--out', run);
  } finally {
    if (built === undefined) delete process.env.METARNN_APP_DIR;
    else process.env.METARNN_APP_DIR = built;
  }
  expect(r.code, r.stderr).toBe(0);
  // Noticed at the next readback (the step 80 log point); the checkpoint before that is step 40's.
  expect(r.stderr).toContain('device lost at step 80 (destroyed): recovered from the checkpoint at step 40');
  const a = checkpoint(join(dir, 'a'));
  const b = checkpoint(run);
  expect(b.metadata.get('step')).toBe('120');
  for (const [name, t] of a.tensors) {
    const u = b.tensors.get(name)!;
    expect(Buffer.from(u.data.buffer).equals(Buffer.from(t.data.buffer)), `${name} bit-identical`).toBe(true);
  }
  // The lost steps' metrics were dropped and logged again: the same lines as the uninterrupted run.
  const strip = (l: Record<string, unknown>) => ({ ...l, stepsPerSecond: 0, seconds: 0 });
  expect(metrics(run).map(strip)).toEqual(metrics(join(dir, 'a')).map(strip));
});

test('a run stuck on NaN/Inf gradients stops after --max-bad-steps in a row and keeps its last checkpoint', async () => {
  const run = join(dir, 'nan');
  // lr 1e25: step 1 throws the weights to ~1e25, after which every gradient's squared norm overflows.
  const model = ['--layers', '2', '--hidden', '8', '--meta-batch', '16', '--seed', '7', '--lr', '1e25'];
  const every = ['--log-every', '1', '--eval-every', '2', '--eval-tasks', '4', '--max-bad-steps', '3'];
  const r = await cli('train', ...model, ...every, '--steps', '20', '--out', run);
  expect(r.code).toBe(1);
  const last = r.stderr.trim().split('\n').at(-1)!;
  expect(last).toMatch(/^metarnn: training stopped at step 4: 3 steps in a row had a NaN\/Inf gradient/);
  expect(last).toMatch(/limit 3.*--max-bad-steps.*learning rate too high.*bad data/);
  // The progress line at the step 2 eval point counted the first skip.
  expect(r.stderr).toContain('step 2/20');
  expect(r.stderr).toContain('1 step skipped (NaN/Inf gradient)');
  // The checkpoint on disk is step 2's (the stuck state at step 4 was never saved), and loads.
  const ckpt = checkpoint(run);
  expect(ckpt.metadata.get('step')).toBe('2');
  for (const [name, t] of ckpt.tensors) {
    if (name !== 'optimizer.hyper') expect(t.data.every(Number.isFinite), `${name} finite`).toBe(true);
  }
  const resumed = await cli('eval', '--checkpoint', run, '--episodes', '4', '--json');
  expect(resumed.code, resumed.stderr).toBe(0);
});

test('config.json of a run from before maxBadSteps existed still reads (it defaults to 10)', () => {
  const config = JSON.parse(readFileSync(join(dir, 'a', 'config.json'), 'utf8'));
  expect(config.maxBadSteps).toBe(10);
  delete config.maxBadSteps;
  expect(decodeConfig(JSON.stringify(config), 'old.json')).toEqual(config);
});

test('eval --json prints one object with the mean and 95% interval', async () => {
  const r = await cli('eval', '--checkpoint', join(dir, 'a'), '--episodes', '50', '--json');
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(Object.keys(out).sort()).toEqual(
    ['task', 'learner', 'ways', 'shots', 'episodes', 'metric', 'mean', 'ci95'].sort(),
  );
  expect(out).toMatchObject({
    task: 'sinusoid',
    learner: 'blackbox',
    shots: 10,
    episodes: 50,
    metric: 'mse',
  });
  expect(out.mean).toBeGreaterThan(0);
  expect(out.ci95).toBeGreaterThan(0);
});

const bad: { name: string; args: () => string[]; expect: (string | RegExp)[] }[] = [
  {
    name: 'unknown learner',
    args: () => ['--learner', 'nope'],
    expect: ['--learner', 'nope', 'blackbox, lopt, context, maml, fomaml, reptile'],
  },
  { name: '--shots 0', args: () => ['--shots', '0'], expect: ['--shots', '"0"', 'integer >= 1'] },
  {
    name: 'config file with a wrong type',
    args: () => {
      const path = join(dir, 'types.json');
      writeFileSync(path, JSON.stringify({ shots: 5, hidden: '64' }));
      return ['--config', path];
    },
    expect: ['types.json', "'hidden'", '"64" (a string)', 'integer >= 1'],
  },
  {
    name: 'config file with an unknown key',
    args: () => {
      const path = join(dir, 'keys.json');
      writeFileSync(path, JSON.stringify({ hiden: 64 }));
      return ['--config', path];
    },
    expect: ["unknown key 'hiden'", 'hidden'],
  },
  {
    name: 'unreadable --resume directory',
    args: () => ['--resume', join(dir, 'no-such-run')],
    expect: ['cannot read run', 'no-such-run', 'no such directory'],
  },
  {
    name: '--resume directory without a run',
    args: () => {
      mkdirSync(join(dir, 'empty'), { recursive: true });
      return ['--resume', join(dir, 'empty')];
    },
    expect: ['config.json', 'no such file'],
  },
  {
    name: '--max-bad-steps 0',
    args: () => ['--max-bad-steps', '0'],
    expect: ['--max-bad-steps', '"0"', 'integer >= 1'],
  },
  {
    name: '--resume with a model change',
    args: () => ['--resume', join(dir, 'a'), '--steps', '160', '--hidden', '16'],
    expect: ['--hidden 16', 'conflicts', 'hidden 8'],
  },
];

for (const c of bad) {
  test(`train refuses ${c.name}: one line, non-zero exit, nothing in --out`, async () => {
    const out = join(dir, `bad-${c.name.replace(/\W+/g, '_')}`);
    const r = await cli('train', ...c.args(), '--out', out);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^metarnn: /);
    for (const e of c.expect) expect(lines[0]).toMatch(e);
    expect(existsSync(out)).toBe(false);
  });
}

test('train refuses an --out that already holds a run, and leaves it as it was', async () => {
  const run = join(dir, 'a');
  const before = statSync(join(run, 'checkpoint.safetensors')).mtimeMs;
  const r = await cli('train', ...TINY, '--steps', '120', '--out', run);
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim()).toMatch(/^metarnn: --out .* already holds a run: use --resume/);
  expect(statSync(join(run, 'checkpoint.safetensors')).mtimeMs).toBe(before);
});
